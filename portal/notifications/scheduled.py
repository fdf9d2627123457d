"""The portal's own notification kinds beyond problems, and the collectors of the scheduled ones.

Each collector selects the day's due items in SQL (never a loop over all projects), leaving out
what was sent already (``NotificationSend``: the same kind, subject and key), and names the
recipients by unit in one more query."""
from __future__ import annotations

import datetime as dt

import peewee
from flask_babel import lazy_gettext as _l

from portal.labels import STAGE_LABELS
from portal.models import Commitment, Contact, ProgressReport, Project, StageChange, User
from portal.models.notifications import NotificationSend
from portal.notifications import kinds
from portal.notifications.kinds import Due
from portal.notifications.service import unit_user_ids
from portal.scheduling import flags
from portal.timeutil import iso_week, local_midnight_utc

#: A commitment is "due" this many days before its date (once), and "overdue" the day after (once).
DUE_SOON_DAYS = 3


def _not_sent(kind: str, subject, key):
    """SQL: no NotificationSend row for this kind, subject and key (it would be a second send)."""
    return ~peewee.fn.EXISTS(NotificationSend.select(NotificationSend.id).where(
        NotificationSend.kind == kind, NotificationSend.subject_id == subject, NotificationSend.key == key))


def _project_link(project_id: int) -> str:
    return f"/projects/{project_id}"  # a plain path: also works from the CLI, outside a request


def verification_digest(today: dt.date) -> list[Due]:
    """The bureau, once a day while stage changes wait for verification: how many."""
    pending = StageChange.select().where(StageChange.verification == "pending").count()
    if not pending:
        return []
    bureau = [uid for (uid,) in User.select(User.id).where(User.role == "bureau", User.active == True).tuples()]  # noqa: E712
    return [Due(tuple(bureau), {"count": pending}, "/projects/verification", 0, today.isoformat())]


def _commitments(kind: str, key: str, condition) -> list[Due]:
    rows = list(Commitment.select(Commitment.id, Commitment.unit, Commitment.due_date, Commitment.promise,
                                  Project.id.alias("project_id"), Project.name.alias("project_name"))
                .join(Project, on=(Commitment.project == Project.id))
                .where(Commitment.fulfilled_on.is_null(), Project.archived == False, condition,  # noqa: E712
                       _not_sent(kind, Commitment.id, key))
                .order_by(Commitment.due_date, Commitment.id).dicts())
    users = unit_user_ids(row["unit"] for row in rows)
    return [Due(tuple(users.get(row["unit"], ())),
                {"project": row["project_name"], "project_id": row["project_id"],
                 "summary": _summary(row["promise"]), "deadline": row["due_date"].isoformat()},
                _project_link(row["project_id"]), row["id"], key) for row in rows]


def commitments_due(today: dt.date) -> list[Due]:
    """The promising unit, once, when a commitment falls due within DUE_SOON_DAYS."""
    soon = (Commitment.due_date >= today) & (Commitment.due_date <= today + dt.timedelta(days=DUE_SOON_DAYS))
    return _commitments("commitment_due", "due", soon)


def commitments_overdue(today: dt.date) -> list[Due]:
    """The promising unit, once, when a commitment passed its date unfulfilled."""
    return _commitments("commitment_overdue", "overdue", Commitment.due_date < today)


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
                       _not_sent("report_missing", Project.responsible_unit, week))
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
                       _not_sent("clue_stale", Project.id, week))
                .order_by(Project.id).dicts())
    users = unit_user_ids(row["responsible_unit"] for row in rows)
    return [Due(tuple(users.get(row["responsible_unit"], ())),
                {"project": row["name"], "project_id": row["id"], "count": days},
                _project_link(row["id"]), row["id"], week) for row in rows]


def _summary(text: str, length: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


UNIT_ROLES = ("unit", "department", "bureau")

kinds.register("stage_returned", _l("A stage change returned for rework"),
               _l("The bureau returned the change of %(project)s to “%(stage)s” for rework: %(summary)s"),
               roles=("unit", "bureau", "department"), order=10, labels={"stage": STAGE_LABELS})
kinds.register("verify_digest", _l("Daily digest of stage changes waiting for verification"),
               _l("Stage changes waiting for verification: %(count)s."),
               roles=("bureau",), daily=verification_digest, order=20)
kinds.register("commitment_due", _l("A government commitment falling due"),
               _l("A commitment of your unit on %(project)s falls due on %(deadline)s: %(summary)s"),
               roles=UNIT_ROLES, daily=commitments_due, order=30)
kinds.register("commitment_overdue", _l("A government commitment overdue"),
               _l("A commitment of your unit on %(project)s is overdue (due %(deadline)s): %(summary)s"),
               roles=UNIT_ROLES, daily=commitments_overdue, order=31)
kinds.register("report_missing", _l("Weekly reports missing before the deadline"),
               _l("Projects of your unit without a progress report for %(week)s: %(count)s. "
                  "The deadline is this week at %(deadline)s."),
               roles=("unit", "bureau"), daily=reports_missing, order=40)
kinds.register("clue_stale", _l("A clue without follow-up"),
               _l("The clue %(project)s has had no follow-up for more than %(count)s days."),
               roles=("unit", "bureau"), daily=clues_without_follow_up, order=50)
