"""Helpers of the scheduling tests: moments in the deployment's time zone, contexts, reports."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from portal import flag_reasons
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


def shown(reasons, locale="en"):
    """Stored flag reasons (``{"level", "reason"}`` entries or bare reasons) as a reader of ``locale`` reads them."""
    with force_locale(locale):
        return [{"level": r["level"], "reason": flag_reasons.render(r)} if isinstance(r, dict) and "level" in r
                else flag_reasons.render(r) for r in reasons or []]
