from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError

from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.events import CloudEvent, InvalidEvent, make_event


def registered() -> CloudEvent:
    payload = SystemRegisteredV1(
        system_id=uuid.uuid4(),
        facts=SystemFactsV1(name="Chatbot", intended_purpose="answer", business_owner="ops"),
    )
    return make_event(
        payload, source="/aigov/inventory", subject=str(payload.system_id), organisation_id="org-a"
    )


def test_binary_mode_round_trip_keeps_every_attribute() -> None:
    event = registered()
    value, headers = event.to_kafka()
    names = dict(headers)
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_type"] == b"aigov.inventory.system.registered"
    assert names["ce_dataschema"] == b"urn:aigov:event:aigov.inventory.system.registered:v1"
    assert names["content-type"] == b"application/json"
    assert json.loads(value)["facts"]["name"] == "Chatbot"
    assert CloudEvent.from_kafka(headers, value) == event


def test_structured_mode_is_read_too() -> None:
    event = registered()
    headers = [("content-type", b"application/cloudevents+json; charset=UTF-8")]
    assert CloudEvent.from_kafka(headers, event.model_dump_json().encode()) == event


@pytest.mark.parametrize(
    ("headers", "value"),
    [
        ([], b"{}"),  # no ce_ attributes at all
        ([("ce_id", b"1"), ("ce_source", b"/x"), ("ce_type", b"t")], b"{}"),  # no time
        (
            [("ce_id", b"1"), ("ce_source", b"/x"), ("ce_type", b"t"), ("ce_time", b"now")],
            b"{}",
        ),
        (
            [
                ("ce_id", b"1"),
                ("ce_source", b"/x"),
                ("ce_type", b"t"),
                ("ce_time", b"2026-01-01T00:00:00Z"),
            ],
            b"{broken",
        ),
        (
            [
                ("ce_id", b"1"),
                ("ce_source", b"/x"),
                ("ce_type", b"t"),
                ("ce_specversion", b"0.3"),
                ("ce_time", b"2026-01-01T00:00:00Z"),
            ],
            b"{}",
        ),
    ],
)
def test_unreadable_records_raise_invalid_event(
    headers: list[tuple[str, bytes]], value: bytes
) -> None:
    with pytest.raises(InvalidEvent):
        CloudEvent.from_kafka(headers, value)


def test_payload_is_validated_against_its_versioned_model() -> None:
    event = registered()
    assert event.payload(SystemRegisteredV1).facts.name == "Chatbot"
    broken = event.model_copy(update={"data": {"name": "no id"}})
    with pytest.raises(ValidationError):
        broken.payload(SystemRegisteredV1)
