"""Helpers of the scheduling tests: moments in the deployment's time zone, contexts, reports."""
import datetime as dt
from zoneinfo import ZoneInfo

from portal.models import ProgressReport
from portal.scheduling import weeks as W
from portal.scheduling.flags import FlagContext, flag_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG_AGO = dt.datetime(2025, 6, 1)


def at(year, month, day, hour=12, minute=0, zone=SHANGHAI):
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def context(moment):
    return FlagContext(now=moment, settings=flag_settings(moment.year))


def report(project, week, user, when=None, **fields):
    """A progress entry written at ``when`` (aware), by default on the Wednesday of the week at 10:00."""
    when = when or dt.datetime.combine(W.week_start_date(week) + dt.timedelta(days=2), dt.time(10), tzinfo=SHANGHAI)
    values = {"happened": "Met the investor", "next_steps": "", "percent_complete": None}
    values.update(fields)
    return ProgressReport.create(project=project, week=week, author=user,
                                 created_at=W.to_utc_naive(when), **values)
