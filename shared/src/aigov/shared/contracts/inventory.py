"""Events the inventory service publishes on ``aigov.inventory.events``."""

from __future__ import annotations

import uuid

from aigov.shared.events import EventPayload


class SystemRegisteredV1(EventPayload):
    event_type = "aigov.inventory.system.registered"

    system_id: uuid.UUID
    name: str
    intended_purpose: str
    owner: str
