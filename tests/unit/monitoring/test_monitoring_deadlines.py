"""Art. 73 deadline arithmetic: the three cases, offsets, time zones and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from aigov.monitoring.incident.deadlines import UnknownTimeZone, reporting_deadline

AWARE = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("criteria", "death", "widespread", "case", "days"),
    [
        (["d"], False, False, "general", 15),
        (["c"], False, False, "general", 15),
        (["a"], False, False, "general", 15),  # serious harm to health, no death
        (["a"], True, False, "death", 10),
        (["b"], False, False, "widespread_or_critical_infrastructure", 2),
        (["c"], False, True, "widespread_or_critical_infrastructure", 2),
        (["a", "b"], True, False, "widespread_or_critical_infrastructure", 2),  # shortest wins
        (["a", "d"], True, False, "death", 10),
    ],
)
def test_governing_case_is_the_shortest_applicable(
    criteria: list[str], death: bool, widespread: bool, case: str, days: int
) -> None:
    deadline = reporting_deadline(
        aware_at=AWARE, criteria=criteria, death_involved=death, widespread_infringement=widespread
    )
    assert deadline.case == case
    assert deadline.days == days
    assert deadline.deadline_at == AWARE + timedelta(days=days)
    assert any(basis.startswith("Art. 73(") for basis in deadline.legal_basis)


def test_the_same_instant_in_any_offset_gives_the_same_deadline() -> None:
    tokyo = AWARE.astimezone(timezone(timedelta(hours=9)))
    new_york = AWARE.astimezone(timezone(timedelta(hours=-5)))
    results = {
        reporting_deadline(aware_at=at, criteria=["b"]).deadline_at
        for at in (AWARE, tokyo, new_york)
    }
    assert results == {datetime(2026, 11, 29, 10, 0, tzinfo=UTC)}


def test_period_end_counts_whole_days_in_the_reporting_time_zone() -> None:
    # 23:30 UTC on 27 Nov is already 28 Nov in Athens: the period starts a day later there.
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    utc = reporting_deadline(aware_at=late, criteria=["d"], time_zone="UTC")
    athens = reporting_deadline(aware_at=late, criteria=["d"], time_zone="Europe/Athens")
    assert utc.period_end_local == datetime(2026, 12, 13, 0, 0, tzinfo=ZoneInfo("UTC"))
    assert athens.period_end_local == datetime(2026, 12, 14, 0, 0, tzinfo=ZoneInfo("Europe/Athens"))
    # The safe deadline never falls after the legal end of the period.
    for d in (utc, athens):
        assert d.deadline_at <= d.period_end_local


def test_across_a_daylight_saving_change_the_clock_runs_in_real_hours() -> None:
    # Europe/Berlin leaves summer time on 25 Oct 2026: two days span 49 wall-clock hours.
    aware = datetime(2026, 10, 24, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    deadline = reporting_deadline(aware_at=aware, criteria=["b"], time_zone="Europe/Berlin")
    assert deadline.deadline_at - deadline.aware_at == timedelta(hours=48)
    local = deadline.deadline_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.day, local.hour) == (26, 11)
    assert deadline.period_end_local.isoformat() == "2026-10-27T00:00:00+01:00"


def test_naive_awareness_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        reporting_deadline(aware_at=datetime(2026, 1, 1), criteria=["a"])
    with pytest.raises(UnknownTimeZone):
        reporting_deadline(aware_at=AWARE, criteria=["a"], time_zone="Mars/Olympus")
