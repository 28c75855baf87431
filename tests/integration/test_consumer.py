"""The consumer runner: one effect per event, poison to the DLQ, no loss across restarts."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.shared.bus import Publisher
from aigov.shared.consumer import ConsumerRunner, Subscription
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.events import CloudEvent, make_event
from aigov.shared.topics import dlq
from tests.integration.conftest import header, read_topic, wait_for_offset

pytestmark = pytest.mark.integration


def an_event(name: str = "credit scoring") -> CloudEvent:
    payload = SystemRegisteredV1(
        system_id=uuid.uuid4(),
        facts=SystemFactsV1(name=name, intended_purpose="score loans", business_owner="risk"),
    )
    return make_event(
        payload, source="/tests", subject=str(payload.system_id), organisation_id="org-a"
    )


class Recorder:
    """A handler whose effects the test can count; fails on the events it is told to."""

    def __init__(self, poison: set[str] | None = None, delay: float = 0.0) -> None:
        self.delay = delay
        self.effects: list[str] = []
        self.attempts: dict[str, int] = {}
        self.sessions: list[AsyncSession] = []  # kept alive, so each one counts once
        self.poison = poison or set()

    async def __call__(self, session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
        self.attempts[event.id] = self.attempts.get(event.id, 0) + 1
        if not any(seen is session for seen in self.sessions):
            self.sessions.append(session)
        if event.id in self.poison:
            raise ValueError(f"cannot apply {event.id}")
        await asyncio.sleep(self.delay)
        # The effect counts once its transaction commits, as a database write would.
        sa_event.listen(
            session.sync_session,
            "after_commit",
            lambda _: self.effects.append(event.id),
            once=True,
        )


def runner_for(
    recorder: Recorder,
    topic: str,
    group: str,
    *,
    factory: async_sessionmaker[AsyncSession],
    publisher: Publisher,
    kafka: str,
) -> ConsumerRunner:
    return ConsumerRunner(
        Subscription(group_id=group, topics=[topic], handler=recorder),
        factory=factory,
        publisher=publisher,
        bootstrap_servers=kafka,
        max_retries=2,
        retry_backoff_s=0.01,
    )


async def test_same_event_delivered_twice_has_one_effect(
    bus_db: async_sessionmaker[AsyncSession], publisher: Publisher, kafka: str, topic: str
) -> None:
    event = an_event()
    await publisher.publish(topic, event, key=event.subject)
    await publisher.publish(topic, event, key=event.subject)

    recorder = Recorder()
    runner = runner_for(recorder, topic, "g-dup", factory=bus_db, publisher=publisher, kafka=kafka)
    await runner.start()
    try:
        await wait_for_offset(runner, topic, 2)
    finally:
        await runner.stop()
    assert recorder.effects == [event.id]


async def test_poison_events_go_to_the_dlq_and_the_partition_keeps_flowing(
    bus_db: async_sessionmaker[AsyncSession], publisher: Publisher, kafka: str, topic: str
) -> None:
    good1, bad, good2 = an_event("a"), an_event("b"), an_event("c")
    await publisher.publish(topic, good1, key="k")
    await publisher.publish(topic, bad, key="k")
    garbage = await publisher.send(topic, key="k", value=b"{not json", headers=[])
    await garbage
    await publisher.publish(topic, good2, key="k")

    recorder = Recorder(poison={bad.id})
    runner = runner_for(
        recorder, topic, "g-poison", factory=bus_db, publisher=publisher, kafka=kafka
    )
    await runner.start()
    try:
        await wait_for_offset(runner, topic, 4)
    finally:
        await runner.stop()

    assert recorder.effects == [good1.id, good2.id]
    assert recorder.attempts[bad.id] == 3  # first try + 2 bounded retries

    dead = await read_topic(kafka, dlq(topic), expect=2)
    assert len(dead) == 2
    handler_failure, unreadable = dead
    assert header(handler_failure, "ce_id") == bad.id
    assert header(handler_failure, "dlq_original_topic") == topic
    assert header(handler_failure, "dlq_original_partition") == "0"
    assert header(handler_failure, "dlq_original_offset") == "1"
    assert header(handler_failure, "dlq_error_type") == "ValueError"
    assert bad.id in (header(handler_failure, "dlq_error_message") or "")
    assert header(unreadable, "dlq_original_offset") == "2"
    assert header(unreadable, "dlq_error_type") == "InvalidEvent"
    assert unreadable.value == b"{not json"


async def test_a_fetch_shares_one_transaction_and_a_poison_event_fails_only_itself(
    bus_db: async_sessionmaker[AsyncSession], publisher: Publisher, kafka: str, topic: str
) -> None:
    clean = [an_event(f"system {i}") for i in range(30)]
    for event in clean:
        await publisher.publish(topic, event, key="same-partition")
    later = [an_event(f"later {i}") for i in range(10)]
    bad = later[5]

    recorder = Recorder(poison={bad.id})
    runner = runner_for(
        recorder, topic, "g-together", factory=bus_db, publisher=publisher, kafka=kafka
    )
    await runner.start()
    try:
        await wait_for_offset(runner, topic, len(clean))
        # Fewer transactions than events: fetched records were handled together.
        assert recorder.effects == [e.id for e in clean]
        assert len(recorder.sessions) < len(clean)
        for event in later:
            await publisher.publish(topic, event, key="same-partition")
        await wait_for_offset(runner, topic, len(clean) + len(later))
    finally:
        await runner.stop()

    # Everything good applied once and in order, though a fetch holding the poison event is
    # rolled back and handled again one event per transaction.
    assert recorder.effects == [e.id for e in clean + later if e is not bad]
    assert recorder.attempts[bad.id] in (3, 4)  # (once together, then) first try + 2 retries
    dead = await read_topic(kafka, dlq(topic), expect=1)
    assert [header(d, "ce_id") for d in dead] == [bad.id]


async def test_restarted_consumer_resumes_without_loss(
    bus_db: async_sessionmaker[AsyncSession], publisher: Publisher, kafka: str, topic: str
) -> None:
    events = [an_event(f"system {i}") for i in range(60)]
    for event in events[:30]:
        await publisher.publish(topic, event, key="same-partition")

    first = Recorder(delay=0.02)
    runner = runner_for(first, topic, "g-restart", factory=bus_db, publisher=publisher, kafka=kafka)
    await runner.start()
    await wait_for_offset(runner, topic, 30)
    for event in events[30:]:
        await publisher.publish(topic, event, key="same-partition")
    for _ in range(500):
        if len(first.attempts) >= 40:
            break
        await asyncio.sleep(0.01)
    await runner.stop()  # mid-stream: some handled, the fetch in hand neither kept nor committed

    second = Recorder()
    runner = runner_for(
        second, topic, "g-restart", factory=bus_db, publisher=publisher, kafka=kafka
    )
    await runner.start()
    try:
        await wait_for_offset(runner, topic, len(events))
    finally:
        await runner.stop()

    handled = first.effects + second.effects
    assert sorted(handled) == sorted(e.id for e in events)  # none lost, none applied twice
    assert first.effects  # really stopped mid-stream
    assert second.effects


class FlakyDatabase(Recorder):
    """Fails like an unreachable database for the first ``outage`` attempts."""

    def __init__(self, outage: int) -> None:
        super().__init__()
        self.outage = outage

    async def __call__(self, session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
        if self.outage > 0:
            self.outage -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("db is down"))
        await super().__call__(session, event, topic=topic)


async def test_database_outage_is_waited_out_not_dead_lettered(
    bus_db: async_sessionmaker[AsyncSession], publisher: Publisher, kafka: str, topic: str
) -> None:
    event = an_event()
    await publisher.publish(topic, event, key="k")
    recorder = FlakyDatabase(outage=5)  # more failures than the retry budget (2)
    runner = runner_for(
        recorder, topic, "g-outage", factory=bus_db, publisher=publisher, kafka=kafka
    )
    await runner.start()
    try:
        await wait_for_offset(runner, topic, 1)
    finally:
        await runner.stop()
    assert recorder.effects == [event.id]
    assert await read_topic(kafka, dlq(topic), expect=0, timeout=2) == []
