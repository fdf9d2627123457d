"""The portal's own notification kinds beyond problems, and the collectors of the scheduled ones.

Each collector selects the day's due items in SQL (never a loop over all projects), leaving out
what was sent already (``NotificationSend``: the same kind, subject and key), and names the
recipients by unit in one more query."""
from __future__ import annotations

import datetime as dt

import peewee
from flask_babel import lazy_gettext as _l

from portal.labels import STAGE_LABELS
from portal.models import Commitment, Project, StageChange, User
from portal.models.notifications import NotificationSend
from portal.notifications.kinds import Due, Kind
from portal.notifications.service import unit_user_ids

#: A commitment is "due" this many days before its date (once), and "overdue" the day after (once).
DUE_SOON_DAYS = 3


def not_sent(kind: str, subject, key):
    """SQL: no NotificationSend row for this kind, subject and key (it would be a second send)."""
    return ~peewee.fn.EXISTS(NotificationSend.select(NotificationSend.id).where(
        NotificationSend.kind == kind, NotificationSend.subject_id == subject, NotificationSend.key == key))


def project_link(project_id: int) -> str:
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
                       not_sent(kind, Commitment.id, key))
                .order_by(Commitment.due_date, Commitment.id).dicts())
    users = unit_user_ids(row["unit"] for row in rows)
    return [Due(tuple(users.get(row["unit"], ())),
                {"project": row["project_name"], "project_id": row["project_id"],
                 "summary": _summary(row["promise"]), "deadline": row["due_date"].isoformat()},
                project_link(row["project_id"]), row["id"], key) for row in rows]


def commitments_due(today: dt.date) -> list[Due]:
    """The promising unit, once, when a commitment falls due within DUE_SOON_DAYS."""
    soon = (Commitment.due_date >= today) & (Commitment.due_date <= today + dt.timedelta(days=DUE_SOON_DAYS))
    return _commitments("commitment_due", "due", soon)


def commitments_overdue(today: dt.date) -> list[Due]:
    """The promising unit, once, when a commitment passed its date unfulfilled."""
    return _commitments("commitment_overdue", "overdue", Commitment.due_date < today)


def _summary(text: str, length: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


UNIT_ROLES = ("unit", "department", "bureau")

#: The core's kinds (``portal_notification_kinds`` of the notifications plugin).
KINDS = (
    Kind("stage_returned", _l("A stage change returned for rework"),
         _l("The bureau returned the change of %(project)s to “%(stage)s” for rework: %(summary)s"),
         roles=("unit", "bureau", "department"), order=10, labels={"stage": STAGE_LABELS}),
    Kind("verify_digest", _l("Daily digest of stage changes waiting for verification"),
         _l("Stage changes waiting for verification: %(count)s."),
         roles=("bureau",), daily=verification_digest, order=20),
    Kind("commitment_due", _l("A government commitment falling due"),
         _l("A commitment of your unit on %(project)s falls due on %(deadline)s: %(summary)s"),
         roles=UNIT_ROLES, daily=commitments_due, order=30),
    Kind("commitment_overdue", _l("A government commitment overdue"),
         _l("A commitment of your unit on %(project)s is overdue (due %(deadline)s): %(summary)s"),
         roles=UNIT_ROLES, daily=commitments_overdue, order=31),
)
