"""ISO weeks as strings ("2026-W47"): parsing, neighbours, bounds and deadlines in local time."""
from __future__ import annotations

import datetime as dt
import re

from portal.timeutil import iso_week, to_utc_naive, tz, week_start  # noqa: F401 - to_utc_naive: W.to_utc_naive

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(value: str | None) -> str | None:
    """The week if ``value`` is a valid ISO week ("2026-W53" only in years that have one), else None."""
    if not value or not WEEK_RE.match(value.strip()):
        return None
    value = value.strip()
    try:
        monday = week_start(value)
    except ValueError:
        return None
    return value if iso_week(monday) == value else None


def week_days(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of a week."""
    monday = week_start(week)
    return monday, monday + dt.timedelta(days=6)


def shift_week(week: str, weeks: int) -> str:
    return iso_week(week_start(week) + dt.timedelta(weeks=weeks))


def week_end(week: str) -> dt.datetime:
    """The last moment of the week (Sunday 23:59:59) in the deployment time zone."""
    monday = week_start(week)
    return dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0, 0), tzinfo=tz()) - dt.timedelta(seconds=1)


def deadline(week: str, weekday: int, at: dt.time) -> dt.datetime:
    """The weekly report deadline of a week (ISO weekday 1–7 at a local time), aware."""
    monday = week_start(week)
    return dt.datetime.combine(monday + dt.timedelta(days=weekday - 1), at, tzinfo=tz())


def weeks_between(first: str, last: str) -> list[str]:
    """Every week from ``first`` to ``last`` inclusive (empty when first is after last)."""
    out = []
    day, end = week_start(first), week_start(last)
    while day <= end:
        out.append(iso_week(day))
        day += dt.timedelta(weeks=1)
    return out


def week_start_date(week: str) -> dt.date:
    """The Monday of a week (an alias of portal.timeutil.week_start)."""
    return week_start(week)
