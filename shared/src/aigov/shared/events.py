"""CloudEvents 1.0 envelope in Kafka binary mode, and the versioned payload contract.

Binary mode: the JSON data is the record value, ``content-type`` carries ``datacontenttype`` and
every other attribute travels as a ``ce_<name>`` header. The record key is the AI system id so one
system's events stay in order; ``ce_id`` is unique and is what consumers dedupe on.
"""

from __future__ import annotations

import builtins
import json
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

JSON_CONTENT_TYPE = "application/json"
_ATTRIBUTES = ("id", "source", "type", "specversion", "time", "subject", "dataschema", "orgid")

Headers = list[tuple[str, bytes]]


class InvalidEvent(ValueError):
    """A record that is not a CloudEvent we can read: it goes to the dead-letter topic as is."""


class EventPayload(BaseModel):
    """Base of every versioned event payload (``SystemRegisteredV1``...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    @classmethod
    def dataschema(cls) -> str:
        return f"urn:aigov:event:{cls.event_type}:v{cls.schema_version}"


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    specversion: Literal["1.0"] = "1.0"
    time: datetime
    subject: str | None = None
    datacontenttype: str = JSON_CONTENT_TYPE
    dataschema: str | None = None
    # Extension attribute: the organisation (tenant) the event belongs to.
    orgid: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def to_kafka(self) -> tuple[bytes, Headers]:
        """Binary-mode value and headers."""
        headers: Headers = [("content-type", self.datacontenttype.encode())]
        for name in _ATTRIBUTES:
            value = getattr(self, name)
            if value is None:
                continue
            text = value.isoformat() if isinstance(value, datetime) else str(value)
            headers.append((f"ce_{name}", text.encode()))
        value_bytes = json.dumps(self.data, separators=(",", ":"), default=str).encode()
        return value_bytes, headers

    @classmethod
    def from_kafka(cls, headers: Headers | None, value: bytes | None) -> CloudEvent:
        """Read a binary-mode record (or a structured-mode one, which some senders prefer)."""
        hdrs = {k.lower(): v.decode("utf-8", "replace") for k, v in (headers or [])}
        content_type = hdrs.get("content-type", JSON_CONTENT_TYPE)
        try:
            if content_type.startswith("application/cloudevents"):
                return cls.model_validate_json(value or b"")
            attrs: dict[str, Any] = {
                name[3:]: text for name, text in hdrs.items() if name.startswith("ce_")
            }
            attrs.pop("partitionkey", None)
            attrs["datacontenttype"] = content_type
            attrs["data"] = json.loads(value) if value else {}
            return cls.model_validate(attrs)
        except (ValidationError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidEvent(f"not a readable CloudEvent: {exc}") from exc

    def payload(self, model: builtins.type[P]) -> P:
        """The data as its versioned payload model (raises ValidationError if it does not fit)."""
        return model.model_validate(self.data)


P = TypeVar("P", bound=EventPayload)


def make_event(
    payload: EventPayload, *, source: str, subject: str | None, organisation_id: str | None
) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source=source,
        type=payload.event_type,
        time=datetime.now(UTC),
        subject=subject,
        orgid=organisation_id,
        dataschema=payload.dataschema(),
        data=payload.model_dump(mode="json"),
    )
