"""Dates and weeks in the deployment's time zone (PORTAL_TIMEZONE)."""
import datetime as dt

from flask import current_app

from portal.models.fields import utcnow


def tz():
    return current_app.config["TZ"]


def now_local() -> dt.datetime:
    return dt.datetime.now(tz())


def today() -> dt.date:
    """Today in the deployment's time zone: weeks, deadlines and overdue days use this."""
    return now_local().date()


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) timestamp as local time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(tz())


def to_utc_naive(moment: dt.datetime) -> dt.datetime:
    """An aware local moment as the naive UTC the database stores (the inverse of ``to_local``)."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of a local day as the naive UTC the database stores: compare timestamps with this."""
    return to_utc_naive(dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz()))


def iso_week(day: dt.date) -> str:
    """'2026-W47' for a date (ISO 8601 week, so the last days of December may be week 1)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> dt.date:
    """The Monday of an ISO week given as '2026-W47'; ValueError when malformed."""
    year_s, _, week_s = week.partition("-W")
    return dt.date.fromisocalendar(int(year_s), int(week_s), 1)


__all__ = ["iso_week", "now_local", "to_local", "today", "tz", "utcnow", "week_start"]
