"""What happens to problems and commitments: raising, answering, handing over, the state machine,
overdue detection with escalation, and the notifications each step sends.

Views check permissions with portal.problems.permissions first; these functions also refuse
a change the state machine does not allow (TransitionError) and audit every change.
"""
from __future__ import annotations

import datetime as dt

import peewee
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit, choice_lists, flag_reasons, plugins, timeutil
from portal.problems import permissions as problems_permissions
from portal.db import database
from portal.models import Commitment, Notification, Problem, ProblemResponse, Project, Unit, User
from portal.models.fields import utcnow
from portal.models.problems import OPEN_STATES
from portal.notifications.kinds import Kind
from portal.notifications import service as notifications


class TransitionError(ValueError):
    """A state change the state machine does not allow from the problem's current state."""


class MissingReason(ValueError):
    """A change that needs a reason was asked without one."""


#: action → (states it may start from, state it leads to)
TRANSITIONS = {
    "handle": (("open", "reopened"), "handling"),
    "resolve": (OPEN_STATES, "resolved"),
    "close": (("resolved",), "closed"),
    "reopen": (("resolved", "closed"), "reopened"),
}
#: Actions the assigned unit takes; the others belong to the raiser (or the bureau).
UNIT_ACTIONS = ("handle", "resolve")


def allowed_actions(problem: Problem) -> list[str]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if problem.state in sources]


def is_overdue(problem: Problem, today: dt.date | None = None) -> bool:
    return problem.state in OPEN_STATES and problem.deadline < (today or timeutil.today())


def days_overdue(deadline: dt.date, today: dt.date | None = None) -> int:
    return max(0, ((today or timeutil.today()) - deadline).days)


def overdue_condition(today: dt.date | None = None):
    """SQL: the problem is still open and its deadline has passed."""
    return Problem.state.in_(OPEN_STATES) & (Problem.deadline < (today or timeutil.today()))


def commitment_overdue_condition(today: dt.date | None = None):
    return Commitment.fulfilled_on.is_null() & (Commitment.due_date < (today or timeutil.today()))


def commitment_is_overdue(commitment: Commitment, today: dt.date | None = None) -> bool:
    """The Python twin of ``commitment_overdue_condition``."""
    return commitment.fulfilled_on is None and commitment.due_date < (today or timeutil.today())


def summary(text: str, length: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


# Notifications ------------------------------------------------------------------------

NOTIFICATION_TEXTS = {
    "assigned": _l("A problem of %(project)s was assigned to your unit: %(summary)s"),
    "handover": _l("A problem of %(project)s was handed over to your unit by %(unit)s: %(summary)s"),
    "answered": _l("%(unit)s answered your problem on %(project)s: %(summary)s"),
    "resolved": _l("%(unit)s marked your problem on %(project)s resolved; please confirm it or reopen it."),
    "reopened": _l("A problem of %(project)s was reopened: %(summary)s"),
    "overdue": _l("A problem of %(project)s assigned to your unit is overdue (deadline %(deadline)s): %(summary)s"),
    "escalated": _l("A problem of %(project)s, a project you lead, is overdue at %(unit)s "
                    "(deadline %(deadline)s): %(summary)s"),
}
#: What a user chooses each kind by on the notification preferences page.
NOTIFICATION_LABELS = {
    "assigned": _l("A problem assigned to my unit"),
    "handover": _l("A problem handed over to my unit"),
    "answered": _l("An answer to a problem I raised"),
    "resolved": _l("A problem I raised marked resolved"),
    "reopened": _l("A problem of my unit reopened"),
    "overdue": _l("A problem of my unit overdue"),
    "escalated": _l("An overdue problem of a project I lead"),
}
NOTIFICATION_ROLES = {"escalated": ("leader", "bureau")}


#: What a notification says once its problem moved out of the reader's reach (handed over to
#: another unit): neither the project nor the problem, which the reader may no longer read.
NO_LONGER_READABLE = _l("A problem you were notified about has moved to a unit whose problems you do not read.")


def notification_text(notification: Notification, problem: Problem | None = None) -> str:
    """The notification's text; with ``problem``, its project's name and summary as they are now."""
    args = dict(notification.args or {})
    if problem is not None:
        args.update(project=problem.project.name, summary=summary(problem.description))
    return notifications.text(notification.kind, args)


def readable_notifications(notifications_, user) -> dict[int, dict]:
    """``{notification id: {"text", "readable"}}`` as ``user`` may read each one now: its problem's
    live project name and text while the user reads the problem (problems_permissions.visible_problems,
    one query), a text naming neither once the problem moved out of the user's reach."""
    problem_ids = {(n.args or {}).get("problem") for n in notifications_} - {None}
    problems = {}
    if problem_ids:
        query = Problem.select(Problem, Project).join(Project).where(Problem.id.in_(list(problem_ids)))
        problems = {p.id: p for p in problems_permissions.visible_problems(user, query)}
    shown = {}
    for n in notifications_:
        problem_id = (n.args or {}).get("problem")
        if problem_id is not None and problem_id not in problems:
            shown[n.id] = {"text": str(NO_LONGER_READABLE), "readable": False}
        else:
            shown[n.id] = {"text": notification_text(n, problems.get(problem_id)), "readable": True}
    return shown


#: The problems' kinds (``portal_notification_kinds`` of their plugin).
KINDS = tuple(Kind(code, NOTIFICATION_LABELS[code], text, roles=NOTIFICATION_ROLES.get(code),
                   readable=readable_notifications, order=order)
              for order, (code, text) in enumerate(NOTIFICATION_TEXTS.items(), start=60))


def _unit_user_ids(unit_id: int) -> list[int]:
    return [u.id for u in User.select(User.id).where(User.unit == unit_id, User.active == True)]  # noqa: E712


def notify(user_ids, kind: str, problem: Problem, skip: User | None = None, **extra) -> int:
    """One notification per user (never to the author of the change, nor to whoever turned the kind off)."""
    args = {"project": problem.project.name, "summary": summary(problem.description),
            "problem": problem.id, **{k: str(v) for k, v in extra.items()}}
    link = f"/problems/{problem.id}"  # a plain path: also works from the CLI, outside a request
    return notifications.send(user_ids, kind, args, link, skip=skip)


def unread_count(user) -> int:
    return notifications.unread_count(user)


# Audit --------------------------------------------------------------------------------

def _audit(problem: Problem, action: str, user, changes=None, note: str = "") -> None:
    audit.record(action, "problem", problem.id, changes, note=note, user=user)
    audit.record(f"problem_{action}", "project", problem.project_id, {"problem": problem.id, **(changes or {})},
                 note=note, user=user)


def _changed(project: Project, user) -> None:
    plugins.project_changed(project, "problem", user)


# Problems -----------------------------------------------------------------------------

def raise_problem(project: Project, user: User, *, category: str, description: str, assigned_unit: Unit,
                  deadline: dt.date, priority: str = "normal") -> Problem:
    with database.atomic():
        problem = Problem.create(project=project, category=category, description=description.strip(),
                                 raised_by=user, assigned_unit=assigned_unit, deadline=deadline, priority=priority)
        _audit(problem, "create", user, {"category": category, "assigned_unit": assigned_unit,
                                         "deadline": deadline, "priority": priority}, note=summary(description))
        notify(_unit_user_ids(assigned_unit.id), "assigned", problem, skip=user)
        _changed(project, user)
    return problem


def answer(problem: Problem, user: User, text: str) -> ProblemResponse:
    """An answer from the assigned unit (or the bureau); an open problem becomes 'being handled'."""
    if problem.state not in OPEN_STATES:
        raise TransitionError(_("This problem is no longer open; reopen it to continue the thread."))
    with database.atomic():
        response = ProblemResponse.create(problem=problem, kind="answer", text=text.strip(), by=user, unit=user.unit)
        changes = {}
        if problem.state in ("open", "reopened"):
            changes["state"] = [problem.state, "handling"]
            problem.state = "handling"
        problem.updated_at = utcnow()
        problem.save()
        _audit(problem, "answer", user, changes, note=summary(text, 200))
        notify([problem.raised_by_id], "answered", problem, skip=user, unit=user.unit.name)
        _changed(problem.project, user)
    return response


def change_state(problem: Problem, user: User, action: str, text: str = "",
                 new_deadline: dt.date | None = None) -> ProblemResponse:
    """Move a problem along the state machine; reopening needs a reason."""
    if action not in TRANSITIONS:
        raise TransitionError(_("Unknown action."))
    sources, target = TRANSITIONS[action]
    if problem.state not in sources:
        raise TransitionError(_("A problem that is “%(state)s” cannot be changed this way.",
                                state=_state_label(problem.state)))
    text = (text or "").strip()
    if action == "reopen" and not text:
        raise MissingReason(_("Say why the problem is reopened."))
    now = utcnow()
    before = problem.state
    changes = {"state": [before, target]}
    with database.atomic():
        problem.state = target
        problem.updated_at = now
        if target == "resolved":
            problem.resolved_at = now
            problem.resolve_days = max(0, (now.date() - problem.created_at.date()).days)
        elif target == "closed":
            problem.closed_at = now
        elif target == "reopened":
            problem.resolved_at = problem.closed_at = problem.resolve_days = None
            if new_deadline and new_deadline != problem.deadline:
                changes["deadline"] = [problem.deadline, new_deadline]
                problem.deadline = new_deadline
                problem.overdue_notified_at = None
        problem.save()
        response = ProblemResponse.create(problem=problem, kind="state", text=text, by=user, unit=user.unit,
                                          from_state=before, to_state=target)
        _audit(problem, action, user, changes, note=text)
        if target == "resolved":
            notify([problem.raised_by_id], "resolved", problem, skip=user, unit=user.unit.name)
        elif target == "reopened":
            notify(_unit_user_ids(problem.assigned_unit_id), "reopened", problem, skip=user)
        _changed(problem.project, user)
    return response


def hand_over(problem: Problem, user: User, to_unit: Unit, reason: str) -> ProblemResponse:
    if problem.state not in OPEN_STATES:
        raise TransitionError(_("Only an open problem can be handed over."))
    reason = (reason or "").strip()
    if not reason:
        raise MissingReason(_("Say why the problem is handed over."))
    if to_unit.id == problem.assigned_unit_id:
        raise TransitionError(_("The problem is already assigned to this unit."))
    from_unit = problem.assigned_unit
    with database.atomic():
        problem.assigned_unit = to_unit
        problem.updated_at = utcnow()
        problem.overdue_notified_at = None  # the new unit hears about it if it is (still) overdue
        problem.save()
        response = ProblemResponse.create(problem=problem, kind="handover", text=reason, by=user, unit=user.unit,
                                          from_unit=from_unit, to_unit=to_unit)
        _audit(problem, "handover", user, {"assigned_unit": [from_unit, to_unit]}, note=reason)
        notify(_unit_user_ids(to_unit.id), "handover", problem, skip=user, unit=from_unit.name)
        _changed(problem.project, user)
    return response


def check_overdue(today: dt.date | None = None) -> int:
    """Notify (once per problem) the assigned unit and the project's leader in charge of every
    problem that became overdue. Safe to call often and from several processes; returns how
    many problems were newly escalated. The system is the author (never the person whose
    request happens to run it): `portal problems check-overdue` and the first request of
    each day call it; pages compute overdue status on read and never call it."""
    today = today or timeutil.today()
    due = list(Problem.select(Problem.id).where(overdue_condition(today), Problem.overdue_notified_at.is_null()))
    escalated = 0
    for row in due:
        with database.atomic():
            won = (Problem.update(overdue_notified_at=utcnow())
                   .where(Problem.id == row.id, Problem.overdue_notified_at.is_null()).execute())
            if not won:  # another process got there first
                continue
            problem = Problem.select(Problem, Project, Unit).join(Project).switch(Problem).join(
                Unit, on=(Problem.assigned_unit == Unit.id)).where(Problem.id == row.id).get()
            deadline = problem.deadline.isoformat()
            notify(_unit_user_ids(problem.assigned_unit_id), "overdue", problem, deadline=deadline)
            if problem.project.leader_id:
                notify([problem.project.leader_id], "escalated", problem, deadline=deadline,
                       unit=problem.assigned_unit.name)
            audit.record("overdue", "problem", problem.id, {"deadline": problem.deadline}, user=audit.SYSTEM)
            _changed(problem.project, None)
            escalated += 1
    return escalated


# Commitments ----------------------------------------------------------------------------

def _audit_commitment(commitment: Commitment, action: str, user, changes=None, note: str = "") -> None:
    audit.record(action, "commitment", commitment.id, changes, note=note, user=user)
    audit.record(f"commitment_{action}", "project", commitment.project_id,
                 {"commitment": commitment.id, **(changes or {})}, note=note, user=user)


def add_commitment(project: Project, user: User, *, kind: str, promise: str, unit: Unit,
                   due_date: dt.date) -> Commitment:
    with database.atomic():
        commitment = Commitment.create(project=project, kind=kind, promise=promise.strip(), unit=unit,
                                       due_date=due_date, created_by=user)
        _audit_commitment(commitment, "create", user, {"kind": kind, "unit": unit, "due_date": due_date},
                          note=summary(promise, 200))
        plugins.project_changed(project, "commitment", user)
    return commitment


def fulfil_commitment(commitment: Commitment, user: User, fulfilled_on: dt.date, evidence: str) -> Commitment:
    if commitment.fulfilled_on is not None:
        raise TransitionError(_("This commitment is already fulfilled."))
    with database.atomic():
        commitment.fulfilled_on = fulfilled_on
        commitment.evidence = evidence.strip()
        commitment.updated_at = utcnow()
        commitment.save()
        _audit_commitment(commitment, "fulfil", user, {"fulfilled_on": [None, fulfilled_on]},
                          note=summary(evidence, 200))
        plugins.project_changed(commitment.project, "commitment", user)
    return commitment


# Flags ------------------------------------------------------------------------------------

RED_AFTER_DAYS = 30

#: The flag reasons of overdue problems and commitments (``portal_flag_reason_codes`` of the
#: feature's plugin): stored with the category or kind by code, shown by its label.
FLAG_REASON_CODES = (
    {"code": "problem_overdue", "message": _l("A problem (%(category)s) is %(days)s days overdue."),
     "formatters": {"category": lambda code: _category_label(code)}},
    {"code": "commitment_overdue", "message": _l("A government commitment (%(kind)s) is %(days)s days overdue."),
     "formatters": {"kind": lambda code: _commitment_label(code)}},
)


def overdue_items(project_ids, today: dt.date | None = None) -> dict[int, list[tuple]]:
    """Per project: its overdue problems and commitments as ``(kind, deadline, category or kind
    code)``, by deadline; two queries for any number of projects (chunks of 500 ids)."""
    today = today or timeutil.today()
    ids = list(project_ids)
    items: dict[int, list[tuple]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for pid, deadline, code in (Problem.select(Problem.project, Problem.deadline, Problem.category)
                                    .where(Problem.project.in_(chunk), overdue_condition(today))
                                    .order_by(Problem.deadline, Problem.id).tuples()):
            items.setdefault(pid, []).append(("problem", deadline, code))
        for pid, deadline, code in (Commitment.select(Commitment.project, Commitment.due_date, Commitment.kind)
                                    .where(Commitment.project.in_(chunk), commitment_overdue_condition(today))
                                    .order_by(Commitment.due_date, Commitment.id).tuples()):
            items.setdefault(pid, []).append(("commitment", deadline, code))
    return items


def project_flags(project: Project, today: dt.date | None = None, red_after: int = RED_AFTER_DAYS,
                  overdue: dict | None = None) -> list[dict]:
    """Yellow for each overdue problem or commitment, red when more than ``red_after`` days overdue.
    ``overdue``: ``overdue_items`` of a set of projects including this one (read once for many)."""
    today = today or timeutil.today()
    if overdue is None:
        overdue = overdue_items([project.id], today)
    flags = []
    for kind, deadline, code in overdue.get(project.id, []):
        days = days_overdue(deadline, today)
        reason = (flag_reasons.reason("problem_overdue", category=code, days=days) if kind == "problem"
                  else flag_reasons.reason("commitment_overdue", kind=code, days=days))
        flags.append({"level": "red" if days > red_after else "yellow", "reason": reason})
    return flags


# Board counts -----------------------------------------------------------------------------

def department_counts(query, today: dt.date | None = None) -> list[dict]:
    """Per assigned unit, in SQL: open, overdue, closed this month, average days to resolve.

    ``query`` is a (permission-restricted, filtered) problem query; its selection is replaced."""
    today = today or timeutil.today()
    month_start = timeutil.local_midnight_utc(today.replace(day=1))  # closed_at is stored in UTC
    open_ = peewee.Case(None, [(Problem.state.in_(OPEN_STATES), 1)], 0)
    overdue = peewee.Case(None, [(overdue_condition(today), 1)], 0)
    closed = peewee.Case(None, [((Problem.state == "closed") & (Problem.closed_at >= month_start), 1)], 0)
    counted = (query.select(Unit.id, Unit.name, Unit.path,
                            peewee.fn.SUM(open_).alias("open_count"),
                            peewee.fn.SUM(overdue).alias("overdue_count"),
                            peewee.fn.SUM(closed).alias("closed_count"),
                            peewee.fn.AVG(Problem.resolve_days).alias("avg_days"))
               .group_by(Unit.id, Unit.name, Unit.path).order_by(Unit.path))
    rows = []
    for row in counted.dicts():
        avg = row["avg_days"]
        rows.append({"unit_id": row["id"], "unit": row["name"], "open": int(row["open_count"] or 0),
                     "overdue": int(row["overdue_count"] or 0), "closed_this_month": int(row["closed_count"] or 0),
                     "avg_days": None if avg is None else round(float(avg), 1)})
    return rows


def _state_label(code):
    from portal.problems.labels import STATE_LABELS

    return str(STATE_LABELS.get(code, code))


def _category_label(code):
    return choice_lists.label("problem_category", code)


def _commitment_label(code):
    from portal.problems.labels import COMMITMENT_KIND_LABELS

    return str(COMMITMENT_KIND_LABELS.get(code, code))
