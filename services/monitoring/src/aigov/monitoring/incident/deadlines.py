"""The Art. 73 reporting clock: pure date arithmetic over the rulebook's deadline cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aigov.monitoring.rulebook import serious_incidents


class UnknownTimeZone(ValueError):
    pass


@dataclass(frozen=True)
class Deadline:
    case: str
    days: int
    legal_basis: list[str]
    text: str
    aware_at: datetime
    deadline_at: datetime  # aware_at + days x 24 h, UTC: the safe date to work to
    period_end_local: datetime  # end of the last day of the period in the reporting time zone
    approaching_within: timedelta


def _applies(when: dict[str, Any], *, criteria: set[str], death: bool, widespread: bool) -> bool:
    if when.get("always"):
        return True
    if when.get("death_involved") and death:
        return True
    if when.get("widespread_infringement") and widespread:
        return True
    return bool(criteria & set(when.get("criteria_any", ())))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(f"unknown time zone {name!r}") from exc


def reporting_deadline(
    *,
    aware_at: datetime,
    criteria: Iterable[str],
    death_involved: bool = False,
    widespread_infringement: bool = False,
    time_zone: str = "UTC",
) -> Deadline:
    """The governing (shortest) Art. 73 deadline for a serious incident.

    ``aware_at`` must carry its offset; the result is the same instant whatever offset it came
    with. ``period_end_local`` follows Regulation 1182/71 Art. 3: the day of awareness (in the
    reporting time zone) is not counted and the period ends at the end of its last day.
    """
    if aware_at.tzinfo is None:
        raise ValueError("aware_at needs a time zone offset")
    tz = zone(time_zone)
    aware_utc = aware_at.astimezone(UTC)
    wanted = set(criteria)
    cases = serious_incidents()["deadline_cases"]
    applicable = [
        c
        for c in cases
        if _applies(
            c["applies_when"],
            criteria=wanted,
            death=death_involved,
            widespread=widespread_infringement,
        )
    ]
    chosen = min(applicable, key=lambda c: int(c["days"]))
    days = int(chosen["days"])
    local_day = aware_utc.astimezone(tz).date()
    last_day = local_day + timedelta(days=days)
    # The first instant of the next day, in local wall-clock time, is when the period has expired.
    period_end = datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return Deadline(
        case=str(chosen["case"]),
        days=days,
        legal_basis=list(chosen["legal_basis"]),
        text=str(chosen["text"]),
        aware_at=aware_utc,
        deadline_at=aware_utc + timedelta(days=days),
        period_end_local=period_end,
        approaching_within=timedelta(hours=float(chosen["approaching_within_hours"])),
    )


def seconds_left(deadline_at: datetime, now: datetime) -> float:
    return (deadline_at - now).total_seconds()
