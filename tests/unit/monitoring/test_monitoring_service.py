"""The monitoring service's logic on a migrated SQLite database (no network)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.monitoring.drift import engine
from aigov.monitoring.drift.service import CurrentWindow, run_bias, run_drift, run_performance
from aigov.monitoring.errors import (
    EmptyWindow,
    InvalidObservation,
    InvalidTransition,
    PayloadTooLarge,
    SchemaMismatch,
    SystemNotFound,
)
from aigov.monitoring.incident import service as incidents
from aigov.monitoring.observation.service import ingest, ingest_ndjson, load_window
from aigov.monitoring.plan import service as plans
from aigov.monitoring.system import service as systems
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.inventory import SystemFactsV1
from aigov.shared.contracts.monitoring import ObservationRecord
from aigov.shared.db import transaction
from tests.unit.conftest import migrated_sqlite

ORG = "org-a"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_sqlite(tmp_path, "aigov.monitoring:migrations") as factory:
        yield factory


async def register(
    db: async_sessionmaker[AsyncSession], *, tier: str = "high_risk", roles: list[str] | None = None
) -> uuid.UUID:
    system_id = uuid.uuid4()
    async with transaction(db) as session:
        await systems.upsert_from_inventory(
            session,
            organisation_id=ORG,
            system_id=system_id,
            facts=SystemFactsV1(
                name="CV screener",
                intended_purpose="rank job applicants",
                business_owner="hr",
                roles=roles or ["provider"],
                countries=["DE", "FR"],
            ),
        )
        await systems.apply_classification(
            session,
            organisation_id=ORG,
            payload=SystemClassifiedV1(
                system_id=system_id,
                classification_id=uuid.uuid4(),
                risk_tier=tier,
                rulebook_version="test",
            ),
        )
    return system_id


def records(
    n: int, *, shift: float = 0.0, seed: int = 0, cats: tuple[str, ...] = ("a", "b")
) -> list[ObservationRecord]:
    rng = np.random.default_rng(seed)
    age = rng.normal(40 + shift * 10, 10, n)
    income = rng.lognormal(10 + shift, 0.5, n)
    city = rng.choice(list(cats), n)
    group = rng.choice(["f", "m"], n)
    label = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < 0.8 - shift / 2, label, 1 - label)
    return [
        ObservationRecord(
            features={"age": float(age[i]), "income": float(income[i]), "city": str(city[i])},
            prediction=int(pred[i]),
            score=float(pred[i]) * 0.5 + rng.random() * 0.5,
            label=int(label[i]),
            protected={"sex": str(group[i])},
        )
        for i in range(n)
    ]


async def put(
    db: async_sessionmaker[AsyncSession],
    system_id: uuid.UUID,
    recs: list[ObservationRecord],
    window: str = "current",
) -> None:
    async with transaction(db) as session:
        await ingest(
            session,
            organisation_id=ORG,
            system_id=system_id,
            model_version="v1",
            window=window,
            records=recs,
            chunk_rows=500,
            max_rows=100_000,
            transport="json",
        )


async def outbox_types(db: async_sessionmaker[AsyncSession]) -> list[str]:
    async with db() as session:
        rows = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))).all()
    return [row.envelope["type"] for row in rows]


async def test_drift_run_alerts_and_groups_alerts_into_one_incident(
    db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(db)
    await put(db, system_id, records(1500, seed=1), window="reference")
    await put(db, system_id, records(1200, shift=1.0, seed=2, cats=("a", "b", "c")))
    async with transaction(db) as session:
        run = await run_drift(
            session,
            organisation_id=ORG,
            system_id=system_id,
            model_version="v1",
            current=CurrentWindow(last_n=1000),
            options=engine.DriftOptions(),
            features=None,
            max_rows=100_000,
        )
    assert run.status == "ok"
    assert run.reference_size == 1500
    assert run.current_size == 1000
    assert run.summary["dataset_drift"] is True
    by_feature = {d["feature"]: d for d in run.details}
    assert by_feature["age"]["method"] == "wasserstein"
    assert by_feature["city"]["method"] == "jensenshannon"
    assert by_feature["age"]["bin_edges"]
    assert by_feature["age"]["threshold"] == 0.1
    assert by_feature["age"]["reference_size"] == 1500

    async with transaction(db) as session:
        await run_drift(
            session,
            organisation_id=ORG,
            system_id=system_id,
            model_version="v1",
            current=CurrentWindow(last_n=1000),
            options=engine.DriftOptions(),
            features=None,
            max_rows=100_000,
        )
        found = await incidents.list_incidents(
            session, organisation_id=ORG, system_id=system_id, status=None, serious=None
        )
        alerts = await incidents.list_alerts(session, organisation_id=ORG, system_id=system_id)
    drift_incidents = [i for i in found if i.dedupe_key and i.dedupe_key.endswith(":dataset_drift")]
    assert len(drift_incidents) == 1
    assert drift_incidents[0].alert_count == 2
    assert drift_incidents[0].severity == "high"  # high-risk default rule
    assert len([a for a in alerts if a.rule == "dataset_drift"]) == 2
    types = await outbox_types(db)
    assert types.count("aigov.monitoring.drift.evaluated") == 2
    assert types.count("aigov.monitoring.incident.opened") == len(found)
    assert "aigov.monitoring.alert.fired" in types
    assert "aigov.monitoring.incident.updated" in types


async def test_ndjson_stream_is_parsed_across_piece_boundaries(
    db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(db)
    body = b"".join(
        r.model_dump_json(exclude_none=True).encode() + b"\n" for r in records(1234, seed=3)
    )

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 997):  # cuts lines in the middle
            yield body[i : i + 997]

    async with transaction(db) as session:
        result = await ingest_ndjson(
            session,
            organisation_id=ORG,
            system_id=system_id,
            model_version="v1",
            window="current",
            stream=pieces(),
            chunk_rows=500,
            max_rows=100_000,
        )
    assert (result.accepted, result.chunks) == (1234, 3)
    async with db() as session:
        window = await load_window(
            session, system_id=system_id, model_version="v1", window="current", max_rows=10_000
        )
    assert window.rows == 1234
    assert window.kinds == {"age": "numeric", "income": "numeric", "city": "categorical"}
    assert len(window.columns["f:age"]) == 1234


async def test_bad_ndjson_line_is_reported_with_its_number_and_nothing_is_kept(
    db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(db)
    good = records(3, seed=4)
    body = b"\n".join(r.model_dump_json().encode() for r in good) + b'\n{"features": 5}\n'

    async def one() -> AsyncIterator[bytes]:
        yield body

    with pytest.raises(InvalidObservation) as err:
        async with transaction(db) as session:
            await ingest_ndjson(
                session,
                organisation_id=ORG,
                system_id=system_id,
                model_version="v1",
                window="current",
                stream=one(),
                chunk_rows=2,
                max_rows=100,
            )
    assert err.value.extensions["line"] == 4
    async with db() as session:
        window = await load_window(
            session, system_id=system_id, model_version="v1", window="current", max_rows=100
        )
    assert window.rows == 0


async def test_bad_input_gives_precise_errors(db: async_sessionmaker[AsyncSession]) -> None:
    system_id = await register(db)
    with pytest.raises(SystemNotFound):
        await put(db, uuid.uuid4(), records(5))
    mixed = [
        ObservationRecord(features={"x": 1.0}),
        ObservationRecord(features={"x": "one"}),
    ]
    with pytest.raises(InvalidObservation, match="'x' is categorical here but numeric"):
        await put(db, system_id, mixed)
    with pytest.raises(PayloadTooLarge):  # outside: the transaction rolls back
        async with transaction(db) as session:
            await ingest(
                session,
                organisation_id=ORG,
                system_id=system_id,
                model_version="v1",
                window="current",
                records=records(11),
                chunk_rows=5,
                max_rows=10,
                transport="json",
            )
    async with transaction(db) as session:
        with pytest.raises(EmptyWindow, match="no reference window"):
            await run_drift(
                session,
                organisation_id=ORG,
                system_id=system_id,
                model_version="v1",
                current=CurrentWindow(),
                options=engine.DriftOptions(),
                features=None,
                max_rows=1000,
            )
    # A feature numeric in the reference but categorical in the current window.
    await put(
        db, system_id, [ObservationRecord(features={"x": float(i)}) for i in range(50)], "reference"
    )
    await put(db, system_id, [ObservationRecord(features={"x": f"v{i}"}) for i in range(50)])
    async with transaction(db) as session:
        with pytest.raises(SchemaMismatch, match="numeric in the reference"):
            await run_drift(
                session,
                organisation_id=ORG,
                system_id=system_id,
                model_version="v1",
                current=CurrentWindow(),
                options=engine.DriftOptions(),
                features=None,
                max_rows=1000,
            )
    # Another organisation does not see the system.
    async with transaction(db) as session:
        with pytest.raises(SystemNotFound):
            await run_drift(
                session,
                organisation_id="org-b",
                system_id=system_id,
                model_version="v1",
                current=CurrentWindow(),
                options=engine.DriftOptions(),
                features=None,
                max_rows=1000,
            )


async def test_nan_and_tiny_windows_give_insufficient_data(
    db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(db)
    await put(
        db,
        system_id,
        [ObservationRecord(features={"x": float(i)}) for i in range(100)],
        "reference",
    )
    nan = [
        ObservationRecord(features={"x": float("nan") if i % 2 else float("inf")})
        for i in range(100)
    ]
    await put(db, system_id, nan)
    async with transaction(db) as session:
        run = await run_drift(
            session,
            organisation_id=ORG,
            system_id=system_id,
            model_version="v1",
            current=CurrentWindow(),
            options=engine.DriftOptions(),
            features=None,
            max_rows=1000,
        )
    assert run.status == "insufficient_data"
    assert run.summary["dataset_drift"] is None
    assert run.details[0]["dropped_current"] == 100
    assert "aigov.monitoring.drift.evaluated" in await outbox_types(db)


async def test_performance_and_bias_runs(db: async_sessionmaker[AsyncSession]) -> None:
    system_id = await register(db)
    await put(db, system_id, records(400, seed=5), "reference")
    await put(db, system_id, records(400, shift=0.6, seed=6))
    async with transaction(db) as session:
        perf = await run_performance(
            session,
            organisation_id=ORG,
            system_id=system_id,
            model_version="v1",
            current=CurrentWindow(),
            task="classification",
            positive_label="1",
            min_samples=30,
            max_rows=10_000,
        )
        fair = await run_bias(
            session,
            organisation_id=ORG,
            system_id=system_id,
            model_version="v1",
            current=CurrentWindow(),
            attribute="sex",
            positive_label="1",
            min_group_size=30,
            max_rows=10_000,
        )
    assert perf.status == "ok"
    assert perf.summary["degradation"]["accuracy"] > 0.2
    assert fair.status == "ok"
    assert 0 < fair.summary["disparate_impact_ratio"] <= 1
    async with db() as session:
        alerts = await incidents.list_alerts(session, organisation_id=ORG, system_id=system_id)
    assert "performance_drop" in {a.rule for a in alerts}


async def test_incident_lifecycle_serious_clock_and_reports(
    db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(db, roles=["deployer"])
    async with transaction(db) as session:
        incident = await incidents.open_incident(
            session,
            organisation_id=ORG,
            system_id=system_id,
            title="Applicant harmed",
            description="complaint",
            severity="medium",
            source="complaint",
            actor="alice",
            occurred_at=None,
            member_states=[],
        )
        incident_id = incident.id
        with pytest.raises(InvalidTransition):
            await incidents.transition(
                session,
                organisation_id=ORG,
                incident_id=incident_id,
                to="open",
                actor="a",
                note=None,
            )
        await incidents.transition(
            session,
            organisation_id=ORG,
            incident_id=incident_id,
            to="investigating",
            actor="a",
            note=None,
        )
        aware = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        assessed = await incidents.assess(
            session,
            organisation_id=ORG,
            incident_id=incident_id,
            criteria=["a"],
            death_involved=True,
            widespread_infringement=False,
            aware_at=aware,
            time_zone="Europe/Paris",
            actor="alice",
            note=None,
        )
        assert assessed.serious is True
        assert assessed.deadline_case == "death"
        assert assessed.deadline_at == aware + timedelta(days=10)
        assert assessed.severity == "critical"
        with pytest.raises(InvalidTransition, match="only after it was reported"):
            await incidents.transition(
                session,
                organisation_id=ORG,
                incident_id=incident_id,
                to="closed",
                actor="a",
                note=None,
            )
    # The clock: quiet a week before, "approaching" within 48 h, "missed" after; each once.
    async with transaction(db) as session:
        assert (
            await incidents.check_deadlines(session, now=aware + timedelta(days=3))
        ).approaching == 0
        near = await incidents.check_deadlines(session, now=aware + timedelta(days=9))
        assert near.approaching == 1
        assert near.nearest_seconds == pytest.approx(86400)
        assert (
            await incidents.check_deadlines(session, now=aware + timedelta(days=9, hours=1))
        ).approaching == 0
        late = await incidents.check_deadlines(session, now=aware + timedelta(days=11))
        assert late.missed == 1
        assert (
            await incidents.check_deadlines(session, now=aware + timedelta(days=12))
        ).missed == 0
        report = await incidents.authority_report(
            session, organisation_id=ORG, incident_id=incident_id
        )
        assert report["legal_basis"][0] == "Art. 73(4)"
        assert report["report_type"] == "initial"
        assert "causal_link" in report["missing_information"]
        notice = await incidents.provider_notice(
            session, organisation_id=ORG, incident_id=incident_id
        )
        assert notice["legal_basis"][0] == "Art. 26(5)"
        await incidents.transition(
            session,
            organisation_id=ORG,
            incident_id=incident_id,
            to="reported",
            actor="a",
            note=None,
        )
        closed = await incidents.transition(
            session,
            organisation_id=ORG,
            incident_id=incident_id,
            to="closed",
            actor="a",
            note="done",
        )
        assert closed.reported_at is not None
        timeline = await incidents.timeline(session, incident_id=incident_id)
    kinds = [e.kind for e in timeline]
    assert kinds[0] == "opened"
    assert {"assessed", "deadline_approaching", "deadline_missed", "status_changed"} <= set(kinds)
    types = await outbox_types(db)
    for expected in ("serious", "deadline_approaching", "deadline_missed"):
        assert f"aigov.monitoring.incident.{expected}" in types


async def test_provider_notice_only_for_deployers(db: async_sessionmaker[AsyncSession]) -> None:
    system_id = await register(db, roles=["provider"])
    async with transaction(db) as session:
        incident = await incidents.open_incident(
            session,
            organisation_id=ORG,
            system_id=system_id,
            title="x",
            description="",
            severity="low",
            source="manual",
            actor="a",
            occurred_at=None,
            member_states=[],
        )
        with pytest.raises(InvalidTransition, match="deployer"):
            await incidents.provider_notice(session, organisation_id=ORG, incident_id=incident.id)


async def test_monitoring_plan_execution(db: async_sessionmaker[AsyncSession]) -> None:
    system_id = await register(db)
    async with transaction(db) as session:
        overview = await plans.plans_overview(session, organisation_id=ORG, now=datetime.now(UTC))
        assert overview[0]["required"] is True
        assert overview[0]["plan"] is False
        plan = await plans.upsert_plan(
            session,
            organisation_id=ORG,
            system_id=system_id,
            monitored=["drift", "accuracy"],
            thresholds={"drifted_share": 0.3},
            data_sources=["production telemetry"],
            review_cadence_days=30,
            max_observation_gap_hours=24,
            responsible="ml-ops lead",
            notes="",
        )
        system = await systems.list_monitored_systems(session, organisation_id=ORG)
        status = await plans.execution(session, system=system[0], plan=plan, now=datetime.now(UTC))
        assert status["executed"] is False
        assert status["problems"] == ["no observations received"]
    await put(db, system_id, records(10))
    async with transaction(db) as session:
        system = await systems.list_monitored_systems(session, organisation_id=ORG)
        status = await plans.execution(session, system=system[0], plan=plan, now=datetime.now(UTC))
        assert status["executed"] is True
        late = datetime.now(UTC) + timedelta(days=40)
        review = await plans.record_review(
            session,
            organisation_id=ORG,
            system_id=system_id,
            reviewer="bob",
            outcome="satisfactory",
            notes="",
            reviewed_at=late,
        )
        assert review.on_time is False
        status = await plans.execution(session, system=system[0], plan=plan, now=late)
        assert "1 review(s) were late" in status["problems"]
    assert "aigov.monitoring.plan.reviewed" in await outbox_types(db)


def test_event_payload_json_is_small_enough() -> None:
    # 50 features with Sturges edges for a million rows stay well below 64 KiB.
    from aigov.shared.contracts.monitoring import DriftEvaluatedV1, FeatureDriftSummaryV1

    feature = FeatureDriftSummaryV1(
        feature="f" * 30,
        kind="numeric",
        status="ok",
        method="wasserstein",
        threshold=0.1,
        score=0.123,
        drifted=True,
        psi=0.2,
        psi_band="moderate",
        reference_size=10**6,
        current_size=10**6,
        bin_edges=[1.234567890123] * 23,
    )
    payload = DriftEvaluatedV1(
        system_id=uuid.uuid4(),
        run_id=uuid.uuid4(),
        model_version="v1",
        status="ok",
        dataset_drift=True,
        drifted_share=0.5,
        drift_share_threshold=0.5,
        features_evaluated=50,
        features_drifted=25,
        reference_size=10**6,
        current_size=10**6,
        features=[feature] * 50,
    )
    assert len(json.dumps(payload.model_dump(mode="json"))) < 64 * 1024


async def test_plans_overview_lists_high_risk_and_planned_systems_only(
    db: async_sessionmaker[AsyncSession],
) -> None:
    high = await register(db)
    planned = await register(db, tier="minimal_risk")
    await register(db, tier="minimal_risk")  # neither required nor planned: not listed
    async with transaction(db) as session:
        await plans.upsert_plan(
            session,
            organisation_id=ORG,
            system_id=planned,
            monitored=["drift"],
            thresholds={},
            data_sources=["telemetry"],
            review_cadence_days=90,
            max_observation_gap_hours=24,
            responsible="ml-ops lead",
            notes="voluntary",
        )
        overview = await plans.plans_overview(session, organisation_id=ORG, now=datetime.now(UTC))
    listed = {row["system_id"]: row for row in overview}
    assert set(listed) == {high, planned}
    assert listed[high]["required"] is True
    assert listed[high]["plan"] is False
    assert listed[planned]["required"] is False
    assert listed[planned]["plan"] is True
