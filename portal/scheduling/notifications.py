"""The scheduling feature's notifications: weekly reports missing before the deadline and clues
without follow-up (registered with ``portal.notifications.kinds`` when the scheduling plugin loads)."""
from __future__ import annotations

import datetime as dt

import peewee
from flask_babel import lazy_gettext as _l

from portal.models import Contact, ProgressReport, Project
from portal.notifications.kinds import Due, Kind
from portal.notifications.scheduled import not_sent, project_link
from portal.notifications.service import unit_user_ids
from portal.scheduling import flags
from portal.timeutil import iso_week, local_midnight_utc


def reports_missing(today: dt.date) -> list[Due]:
    """The responsible unit, once a week, on the day before the weekly report deadline (or on the
    day itself when the portal first runs then): how many of its projects have no report yet."""
    settings = flags.flag_settings(today.year)
    weekday = settings["deadline_weekday"]
    if today.isoweekday() not in {weekday, max(1, weekday - 1)}:
        return []
    week = iso_week(today)
    reported = peewee.fn.EXISTS(ProgressReport.select(ProgressReport.id).where(
        ProgressReport.project == Project.id, ProgressReport.week == week))
    rows = list(Project.select(Project.responsible_unit, peewee.fn.COUNT(Project.id).alias("missing"))
                .where(Project.stage.in_(flags.REPORTING_STAGES), Project.archived == False, ~reported,  # noqa: E712
                       not_sent("report_missing", Project.responsible_unit, week))
                .group_by(Project.responsible_unit).dicts())
    users = unit_user_ids(row["responsible_unit"] for row in rows)
    return [Due(tuple(users.get(row["responsible_unit"], ())),
                {"count": row["missing"], "week": week, "deadline": f"{settings['deadline_time']}"},
                "/scheduling/report", row["responsible_unit"], week) for row in rows]


def clues_without_follow_up(today: dt.date) -> list[Due]:
    """The responsible unit, once a week per clue, for a clue with neither a progress note nor a
    logged contact for more than ``clue_followup_days`` (the yellow flag's threshold)."""
    days = flags.flag_settings(today.year)["clue_followup_days"]
    cutoff = today - dt.timedelta(days=days)
    week = iso_week(today)
    noted = peewee.fn.EXISTS(ProgressReport.select(ProgressReport.id).where(
        ProgressReport.project == Project.id, ProgressReport.created_at >= local_midnight_utc(cutoff)))
    contacted = peewee.fn.EXISTS(Contact.select(Contact.id).where(
        Contact.project == Project.id, Contact.happened_on >= cutoff))
    old_enough = ((Project.clue_on < cutoff)
                  | (Project.clue_on.is_null() & (Project.created_at < local_midnight_utc(cutoff))))
    rows = list(Project.select(Project.id, Project.name, Project.responsible_unit)
                .where(Project.stage == "clue", Project.archived == False, old_enough, ~noted, ~contacted,  # noqa: E712
                       not_sent("clue_stale", Project.id, week))
                .order_by(Project.id).dicts())
    users = unit_user_ids(row["responsible_unit"] for row in rows)
    return [Due(tuple(users.get(row["responsible_unit"], ())),
                {"project": row["name"], "project_id": row["id"], "count": days},
                project_link(row["id"]), row["id"], week) for row in rows]


#: Scheduling's kinds (``portal_notification_kinds`` of its plugin).
KINDS = (
    Kind("report_missing", _l("Weekly reports missing before the deadline"),
         _l("Projects of your unit without a progress report for %(week)s: %(count)s. "
            "The deadline is this week at %(deadline)s."),
         roles=("unit", "bureau"), daily=reports_missing, order=40),
    Kind("clue_stale", _l("A clue without follow-up"),
         _l("The clue %(project)s has had no follow-up for more than %(count)s days."),
         roles=("unit", "bureau"), daily=clues_without_follow_up, order=50),
)
