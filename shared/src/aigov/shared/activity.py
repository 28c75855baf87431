"""Requests come first. A component's consumers yield to the HTTP requests it is serving: while
a request arrived within the last second, each consumer waits after a batch as long as the
batch took (see :class:`aigov.shared.consumer.ConsumerRunner`). A backlog (after a bulk import
of thousands of systems) then drains at about half speed while people use the platform, and at
full speed when nobody does; pages stay fast either way. Probes and metric scrapes do not count.
"""

from __future__ import annotations

import time

# How long after a request the component counts as being used.
WINDOW_S = 1.0
NOT_COUNTED = frozenset({"/metrics", "/healthz", "/readyz"})

_last_request = float("-inf")


def request_seen(path: str) -> None:
    global _last_request
    if path not in NOT_COUNTED:
        _last_request = time.monotonic()


def serving_requests() -> bool:
    """Has the component been asked something within :data:`WINDOW_S`?"""
    return time.monotonic() - _last_request < WINDOW_S
