"""THE one place for stage rules: which moves are allowed, what each stage needs, verification.

A project's life: clue → negotiating → signed → started (landed) → completed →
production. Stalled and dropped are off-ramps, taken with a reason from any
stage before production; a stalled project resumes to the stage it had
(``Project.stage_before_stall``). Forward moves go one stage at a time.

Moving backwards and correcting the date of a stage already reached are for
the bureau only (``permissions.can_correct_stages``), always with a reason.

Every change creates a ``StageChange`` row (actual date entered by the user,
who, note, reason) and keeps the Project's actual date columns in step. With
``VERIFY_STAGES`` on (the default), changes to signed or later wait for the
bureau's verification; only approved or not-required changes count in figures
(``counted_changes()``). A change undone by a backwards move or replaced by a
date correction is marked ``superseded`` and no longer counts.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import audit, permissions, plugins
from portal.db import database
from portal.labels import STAGE_LABELS
from portal.notifications import service as notifications
from portal.models import (
    ACTIVE_STAGES,
    INVESTOR_CLASSES,
    STAGE_DATE_COLUMNS,
    STAGE_LINE,
    Enterprise,
    Project,
    StageChange,
    Unit,
    User,
)
from portal.models.fields import utcnow
from portal.timeutil import today

#: The main line of a project's life, in order (portal.models.projects holds the stage lists).
LINE = STAGE_LINE
OFF_RAMPS = ("stalled", "dropped")
#: Stages from which a project may stall or be dropped.
ACTIVE = ACTIVE_STAGES
#: Changes into these stages are verified by the bureau (when verification is on).
VERIFIED = frozenset({"signed", "started", "completed", "production"})
#: The Project column holding each stage's actual date.
DATE_COLUMN = STAGE_DATE_COLUMNS
#: Verification states whose changes count in statistics.
COUNTED = ("approved", "not_required")


class StageError(ValueError):
    """A stage change that the rules refuse; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


class StageConflict(StageError):
    """Someone else changed the project since the form was loaded."""


def rank(stage: str) -> int:
    return LINE.index(stage) if stage in LINE else -1


def verify_enabled() -> bool:
    return bool(current_app.config.get("VERIFY_STAGES", True))


def needs_verification(to_stage: str) -> bool:
    return verify_enabled() and to_stage in VERIFIED


def effective_stage(project: Project) -> str:
    """The main-line stage a project holds (for stalled/dropped: the stage it had)."""
    if project.stage in OFF_RAMPS:
        return project.stage_before_stall or "clue"
    return project.stage


# Which moves ---------------------------------------------------------------

def forward_targets(project: Project) -> list[str]:
    """Moves any editor may make: the next stage, an off-ramp, or resuming."""
    stage = project.stage
    if stage == "stalled":
        return [project.stage_before_stall or "clue", "dropped"]
    if stage == "dropped":
        return []
    targets = []
    if stage in LINE and rank(stage) + 1 < len(LINE):
        targets.append(LINE[rank(stage) + 1])
    if stage in ACTIVE:
        targets += ["stalled", "dropped"]
    return targets


def backward_targets(project: Project) -> list[str]:
    """Earlier main-line stages the bureau may move the project back to (a dropped project may be reopened)."""
    stage = effective_stage(project)
    earlier = list(LINE[: rank(stage)])
    if project.stage == "dropped":
        earlier.append(stage)  # reopen at the stage it had
    return earlier


def allowed_targets(project: Project, user) -> list[str]:
    targets = forward_targets(project)
    if permissions.can_correct_stages(user):
        targets += [s for s in backward_targets(project) if s not in targets]
    return targets


def is_backwards(project: Project, to_stage: str) -> bool:
    if project.stage == "dropped" and to_stage in LINE:
        return True
    return to_stage in LINE and rank(to_stage) < rank(effective_stage(project))


def last_date(project: Project) -> dt.date | None:
    """The latest actual date the project already has (stage columns and counted changes)."""
    dates = [getattr(project, col) for col in DATE_COLUMN.values() if getattr(project, col)]
    latest = (StageChange.select(peewee.fn.MAX(StageChange.on_date))
              .where(StageChange.project == project.id, StageChange.verification != "superseded").scalar())
    if latest:
        dates.append(latest if isinstance(latest, dt.date) else dt.date.fromisoformat(str(latest)[:10]))
    return max(dates) if dates else None


# Making a change ---------------------------------------------------------------

def _check_date(on_date, not_before: dt.date | None, field="on_date"):
    if not isinstance(on_date, dt.date):
        raise StageError(field, _l("Enter the date."))
    if on_date > today():
        raise StageError(field, _l("The date cannot be in the future."))
    if not_before and on_date < not_before:
        raise StageError(field, _l("The date cannot be before the previous stage's date (%(date)s).",
                                   date=not_before.isoformat()))


def _save_project(project: Project, values: dict, expected_version: int | None) -> None:
    """Conditional update (optimistic lock); raises StageConflict when someone else saved first."""
    version = project.version if expected_version is None else expected_version
    values = dict(values, version=version + 1, updated_at=utcnow())
    updated = (Project.update(**values)
               .where(Project.id == project.id, Project.version == version).execute())
    if not updated:
        raise StageConflict(
            "version", _l("Someone else changed this project at the same time. Reload the page and try again."))
    for key, value in values.items():
        setattr(project, key, value)


def change_stage(project: Project, user, to_stage: str, on_date, *, note: str = "", reason: str = "",
                 contracted_amount: Decimal | None = None, expected_version: int | None = None) -> StageChange:
    """Move ``project`` to ``to_stage`` on ``on_date``; raises StageError when the rules refuse.

    Runs in one transaction: the StageChange row, the Project columns, the audit
    entry and the project-changed hook.
    """
    if not permissions.can_edit_project(user, project):
        raise StageError("to_stage", _l("You may not change this project's stage."))
    if to_stage not in LINE + OFF_RAMPS:
        raise StageError("to_stage", _l("Choose a stage from the list."))
    note, reason = (note or "").strip(), (reason or "").strip()
    backwards = is_backwards(project, to_stage)
    if to_stage == project.stage:
        raise StageError(
            "to_stage", _l("The project is already at this stage. To correct its date, use the date correction."))
    if backwards:
        if not permissions.can_correct_stages(user):
            raise StageError("to_stage", _l("Only the bureau may move a project backwards."))
        if not reason:
            raise StageError("reason", _l("Give the reason for moving the project backwards."))
    elif to_stage not in forward_targets(project):
        raise StageError("to_stage", _l("A project at stage %(from)s cannot move to %(to)s.",
                                        **{"from": STAGE_LABELS.get(project.stage, project.stage),
                                           "to": STAGE_LABELS[to_stage]}))
    if to_stage in OFF_RAMPS and not reason:
        raise StageError("reason", _l("Give the reason why the project stalled or was dropped."))
    _check_date(on_date, None if backwards else last_date(project))
    if to_stage == "signed" and not backwards:
        if contracted_amount is None and project.contracted_amount is None:
            raise StageError("contracted_amount", _l("Signing needs the contracted amount."))
        if contracted_amount is not None and contracted_amount <= 0:
            raise StageError("contracted_amount", _l("The contracted amount must be greater than zero."))

    old_stage = project.stage
    values: dict = {"stage": to_stage}
    resuming = old_stage == "stalled" and to_stage == project.stage_before_stall
    if to_stage in OFF_RAMPS:
        values["stage_before_stall"] = effective_stage(project)
        values["stage_reason"] = reason
    else:
        values["stage_before_stall"] = ""
        values["stage_reason"] = ""
    if to_stage in LINE and not backwards and not resuming:
        values[DATE_COLUMN[to_stage]] = on_date
    if to_stage == "signed" and contracted_amount is not None and not backwards:
        values["contracted_amount"] = contracted_amount
    undone_stages: list[str] = []
    if backwards:
        # Stages after the target are undone: their dates go, their changes stop counting.
        undone_stages = [s for s in LINE if rank(s) > rank(to_stage)]
        for s in undone_stages:
            values[DATE_COLUMN[s]] = None
        if getattr(project, DATE_COLUMN[to_stage]) is None:
            values[DATE_COLUMN[to_stage]] = on_date
        if old_stage in OFF_RAMPS:
            undone_stages += list(OFF_RAMPS)
    before = {k: getattr(project, k) for k in values}
    before_version = project.version

    with database.atomic():
        _save_project(project, values, expected_version)
        if undone_stages:
            (StageChange.update(verification="superseded")
             .where(StageChange.project == project.id, StageChange.to_stage.in_(undone_stages))
             .execute())
        change = StageChange.create(
            project=project.id, from_stage=old_stage, to_stage=to_stage, on_date=on_date,
            note=note, reason=reason, by=user.id,
            verification="pending" if (needs_verification(to_stage) and not backwards and not resuming)
            else "not_required",
        )
        refresh_counted([project.id])
        changes = audit.diff(before, values)
        changes["version"] = [before_version, project.version]
        audit.record("stage", "project", project.id, changes, note=reason or note, user=user)
        plugins.project_changed(project, "stage", user)
    return change


def _check_date_between_neighbours(project, stage: str, on_date) -> None:
    """A redated stage stays after the previous stage's date and not after the next one's."""
    earlier = [getattr(project, DATE_COLUMN[s]) for s in LINE[: rank(stage)] if getattr(project, DATE_COLUMN[s])]
    later = [getattr(project, DATE_COLUMN[s]) for s in LINE[rank(stage) + 1:] if getattr(project, DATE_COLUMN[s])]
    _check_date(on_date, max(earlier) if earlier else None)
    if later and on_date > min(later):
        raise StageError("on_date", _l("The date cannot be after the next stage's date (%(date)s).",
                                       date=min(later).isoformat()))


def correct_date(project: Project, user, change: StageChange, on_date, reason: str,
                 expected_version: int | None = None) -> StageChange:
    """The bureau corrects the actual date of a stage already reached; the old change is superseded."""
    if not permissions.can_correct_stages(user):
        raise StageError("on_date", _l("Only the bureau may correct a stage date."))
    if change.project_id != project.id or change.verification == "superseded" or change.to_stage not in LINE:
        raise StageError("on_date", _l("This stage change cannot be corrected."))
    reason = (reason or "").strip()
    if not reason:
        raise StageError("reason", _l("Give the reason for the correction."))
    stage = change.to_stage
    _check_date_between_neighbours(project, stage, on_date)
    column = DATE_COLUMN[stage]
    before = {column: getattr(project, column)}
    before_version = project.version
    with database.atomic():
        _save_project(project, {column: on_date}, expected_version)
        StageChange.update(verification="superseded").where(StageChange.id == change.id).execute()
        state = change.verification if change.verification != "returned" else "pending"
        if state == "pending" and not needs_verification(stage):
            state = "not_required"
        correction = StageChange.create(
            project=project.id, from_stage=change.from_stage, to_stage=stage, on_date=on_date,
            reason=reason, is_correction=True, by=user.id, verification=state,
            verified_by=change.verified_by_id if state == "approved" else None,
            verified_at=change.verified_at if state == "approved" else None,
        )
        refresh_counted([project.id])
        changes = audit.diff(before, {column: on_date})
        changes["version"] = [before_version, project.version]
        audit.record("stage_correction", "project", project.id, changes, note=reason, user=user)
        plugins.project_changed(project, "stage", user)
    return correction


def verify(change: StageChange, user, approve: bool, opinion: str = "") -> StageChange:
    """The bureau approves a pending change, or returns it with an opinion; both are recorded."""
    if not permissions.can_verify_stages(user):
        raise StageError("decision", _l("Only the bureau may verify stage changes."))
    if change.verification != "pending":
        raise StageError("decision", _l("This stage change is not awaiting verification."))
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise StageError("opinion", _l("Give your opinion when returning a stage change."))
    if approve and current_app.config.get("VERIFY_BY_ANOTHER") and change.by_id == user.id:
        raise StageError("decision", _l("You entered this change: another member of the bureau must approve it."))
    state = "approved" if approve else "returned"
    with database.atomic():
        updated = (StageChange.update(verification=state, verified_by=user.id, verified_at=utcnow(),
                                      verification_note=opinion)
                   .where(StageChange.id == change.id, StageChange.verification == "pending").execute())
        if not updated:
            raise StageError("decision", _l("This stage change is not awaiting verification."))
        change.verification, change.verified_by, change.verification_note = state, user, opinion
        refresh_counted([change.project_id])
        audit.record("verify", "project", change.project_id,
                     {"verification": ["pending", state], "stage": change.to_stage,
                      "on_date": change.on_date},
                     note=opinion, user=user)
        project = Project.get_by_id(change.project_id)
        if not approve:
            _notify_returned(project, change, opinion, user)
        plugins.project_changed(project, "verify", user)
    return change


def _notify_returned(project: Project, change: StageChange, opinion: str, user) -> None:
    """The project's unit and whoever entered the change hear that it came back for rework."""
    recipients = notifications.unit_user_ids([project.responsible_unit_id]).get(project.responsible_unit_id, [])
    notifications.send([change.by_id, *recipients], "stage_returned",
                       {"project": project.name, "project_id": project.id, "stage": change.to_stage,
                        "summary": opinion[:200]}, f"/projects/{project.id}", skip=user)


def approve_many(change_ids, user) -> tuple[list[StageChange], list[tuple[StageChange, str]]]:
    """Approve several pending changes, each on its own and audited as one approval; returns the
    approved ones and the refused ones with the reason (one refusal does not stop the others)."""
    approved, refused = [], []
    changes = StageChange.select().where(StageChange.id.in_(sorted(set(change_ids)))).order_by(StageChange.id)
    for change in changes:
        try:
            approved.append(verify(change, user, True))
        except StageError as exc:
            refused.append((change, str(exc.message)))
    return approved, refused


def resubmit(change: StageChange, user, on_date, note: str = "") -> StageChange:
    """The project's editors answer a returned change: corrected date and note, pending again."""
    project = Project.get_by_id(change.project_id)
    if not permissions.can_edit_project(user, project):
        raise StageError("on_date", _l("You may not change this project's stage."))
    if change.verification != "returned":
        raise StageError("on_date", _l("Only a returned stage change can be submitted again."))
    stage = change.to_stage
    if stage in LINE:
        _check_date_between_neighbours(project, stage, on_date)
    else:
        _check_date(on_date, None)
    before_version = project.version
    with database.atomic():
        if stage in LINE:
            column = DATE_COLUMN[stage]
            before = {column: getattr(project, column)}
            _save_project(project, {column: on_date}, None)
        else:
            before = {}
        StageChange.update(on_date=on_date, note=(note or change.note).strip(), verification="pending",
                           verified_by=None, verified_at=None).where(StageChange.id == change.id).execute()
        refresh_counted([project.id])
        changes = audit.diff(before, {DATE_COLUMN[stage]: on_date}) if stage in LINE else {}
        changes["verification"] = ["returned", "pending"]
        if project.version != before_version:  # someone editing the project sees what changed (views._conflicts)
            changes["version"] = [before_version, project.version]
        audit.record("resubmit", "project", project.id, changes, note=note, user=user)
        plugins.project_changed(project, "stage", user)
    return StageChange.get_by_id(change.id)


# Entering a project with its history (the new-project form and the import) -----------------

def history_problems(stage: str, dates: dict, known: dict | None = None) -> list[tuple[str, object]]:
    """What is wrong with entering a project at main-line ``stage`` with ``dates`` (stage ->
    date, for the passed stages that have one; a passed stage without a date is simply left
    out): ``(stage whose date is wrong, message)`` pairs, none when all is well. Dates must
    follow the stages' order and not lie in the future; a date for a stage after ``stage`` is
    refused. ``known``: dates the project already has (a re-import), part of the order check."""
    problems = []
    for s, on_date in dates.items():
        if rank(s) > rank(stage):
            problems.append((s, _l("The project has not reached this stage (its stage is %(stage)s).",
                                   stage=STAGE_LABELS[stage])))
        elif on_date > today():
            problems.append((s, _l("The date cannot be in the future.")))
    merged = {**dates, **{s: d for s, d in (known or {}).items() if d}}
    previous = None
    for s in LINE:
        if s in merged:
            if previous and merged[s] < previous:
                problems.append((s, _l("This date is before the date of an earlier stage (%(date)s).",
                                       date=previous.isoformat())))
            previous = merged[s]
    return problems


def enter_history(project_id: int, dates: dict, user, note: str, insert=None) -> list[int]:
    """Record a project's passed stages as they happened: one stage change per stage of
    ``dates`` (stage -> date; passed stages without a date get none: "passed with no date").
    They count at once, without a verification round: where verification applies they are
    recorded as approved by the user who enters them (the bureau entering history, or the
    importer). ``insert(**values) -> id`` writes a row (the import passes its fast inserter);
    the caller refreshes the counted dates (``refresh_counted``) once it has written the
    project. Returns the new changes' ids, in stage order. THE one place both the new-project
    form and the import go through, so entered history is the same whichever way it came in."""
    insert = insert or _insert_change
    ids = []
    now = utcnow()
    for stage in LINE:
        if stage not in dates:
            continue
        verified = needs_verification(stage)
        ids.append(insert(
            project=project_id, from_stage=LINE[rank(stage) - 1] if rank(stage) > 0 else "", to_stage=stage,
            on_date=dates[stage], note=note, by=user.id, at=now,
            verification="approved" if verified else "not_required",
            verified_by=user.id if verified else None, verified_at=now if verified else None))
    return ids


def counted_of_entered_history(dates: dict) -> dict:
    """The counted milestone columns (``refresh_counted``'s) of a project whose whole history is
    ``dates`` as ``enter_history`` records it: each change counts, one per stage, so the latest
    counted date of a milestone is its date (None where it was passed with no date) and no
    milestone repeats. A bulk import of new projects writes these with the project instead of
    reading its changes back (on MySQL a fresh table's statistics made that read quadratic); the
    investor's class at signing still comes from ``keep_class_at_signing``."""
    values = {f"counted_{m}_on": dates.get(m) for m in COUNTED_MILESTONES}
    values["counted_repeats"] = False
    return values


def _insert_change(**values) -> int:
    return StageChange.insert(**values).execute()


def record_initial(project: Project, user, on_date) -> StageChange:
    """The first change of a new project (its clue date); called inside the create transaction."""
    return StageChange.create(project=project.id, from_stage="", to_stage=project.stage,
                              on_date=on_date, by=user.id, verification="not_required")


# Queries for pages and figures -------------------------------------------------------

def counted_changes():
    """StageChange rows that count in statistics: verified or not needing verification, not superseded.

    For example the projects signed in a period:
    ``counted_changes().where(StageChange.to_stage == "signed", StageChange.on_date.between(a, b))``.
    A project moved backwards (or a date corrected) leaves only its current rows counted.
    """
    return StageChange.select().where(StageChange.verification.in_(COUNTED))


#: The milestones whose latest counted date is kept on the project (``Project.counted_<stage>_on``).
COUNTED_MILESTONES = ("signed", "started", "completed", "production")


def refresh_counted(project_ids=None) -> None:
    """Recompute the projects' counted milestone columns from their stage history, in SQL.

    ``Project.counted_<milestone>_on`` is the latest date of a counted change (``counted_changes``)
    to that milestone; ``Project.counted_repeats`` is set when some milestone has more than one
    counted change (the figures then read that project's stage changes); with them the investor's
    class at signing (``Project.<flag>_at_signing``). THE one place that writes these columns:
    every stage change written here calls it, ``StageChange.save`` and ``delete_instance`` call
    it, and bulk loads (demo, seed) call it after their inserts.
    ``project_ids``: the projects to refresh (None: all).
    """
    sc = StageChange.alias("scc")

    def latest(stage):
        return (sc.select(peewee.fn.MAX(sc.on_date))
                .where(sc.project == Project.id, sc.to_stage == stage, sc.verification.in_(COUNTED)))

    repeats = peewee.fn.EXISTS(sc.select(sc.to_stage)
                               .where(sc.project == Project.id, sc.to_stage.in_(COUNTED_MILESTONES),
                                      sc.verification.in_(COUNTED))
                               .group_by(sc.to_stage).having(peewee.fn.COUNT(sc.id) > 1))
    values = {getattr(Project, f"counted_{m}_on"): latest(m) for m in COUNTED_MILESTONES}
    values[Project.counted_repeats] = repeats
    if project_ids is None:
        Project.update(values).execute()
        keep_class_at_signing(None)
        return
    ids = sorted({int(i) for i in project_ids if i is not None})
    for start in range(0, len(ids), 500):
        chunk = Project.id.in_(ids[start:start + 500])
        Project.update(values).where(chunk).execute()
        keep_class_at_signing(chunk)


def keep_class_at_signing(where) -> None:
    """Copy the investor's class onto the projects whose signing has just come to count (the
    figures count a signed project by the class it had then, whatever the investor's class
    becomes), and clear it where no signing counts any more (an unsigned project follows its
    investor). A copy once taken stays while the signing counts: a date correction or a full
    recompute (``portal db refresh-figures``) does not rewrite it. ``where``: a condition on the
    projects (None: all)."""
    columns = {flag: getattr(Project, f"{flag}_at_signing") for flag in INVESTOR_CLASSES}
    taken = Project.foreign_invested_at_signing.is_null(False)  # the flags are written together
    signed = Project.counted_signed_on.is_null(False)
    investor = {column: peewee.fn.COALESCE(Enterprise.select(getattr(Enterprise, flag))
                                           .where(Enterprise.id == Project.enterprise), False)
                for flag, column in columns.items()}
    for values, condition in ((investor, signed & ~taken), (dict.fromkeys(columns.values()), ~signed & taken)):
        Project.update(values).where(condition if where is None else (where & condition)).execute()


def pending_changes():
    """Changes awaiting the bureau's verification, oldest first."""
    return (StageChange.select(StageChange, Project, Unit.id, Unit.name, User.id, User.display_name)
            .join(Project, on=(StageChange.project == Project.id))
            .join(Unit, on=(Project.responsible_unit == Unit.id), attr="responsible_unit")
            .switch(StageChange).join(User, on=(StageChange.by == User.id), attr="by")
            .where(StageChange.verification == "pending")
            .order_by(StageChange.at, StageChange.id))


def history(project: Project):
    return (StageChange.select().where(StageChange.project == project.id)
            .order_by(StageChange.on_date, StageChange.id))


def timeline(project: Project, changes=None) -> list[dict]:
    """One row per main-line stage: planned date, actual date, verification of the current change.

    ``changes``: the project's history (by date and id) when the caller has read it already.
    """
    planned = {"signed": project.planned_sign_date, "started": project.planned_start_date,
               "completed": project.planned_completion_date, "production": project.planned_production_date}
    current = {}
    for change in (history(project) if changes is None else changes):
        if change.verification != "superseded" and change.to_stage in LINE:
            current[change.to_stage] = change
    rows = []
    for stage in LINE:
        actual = getattr(project, DATE_COLUMN[stage])
        plan = planned.get(stage)
        change = current.get(stage) if actual else None
        rows.append({
            "stage": stage, "planned": plan, "actual": actual, "change": change,
            "late": bool(plan and ((actual and actual > plan) or (not actual and plan < today()))),
            "reached": bool(actual), "current": stage == project.stage,
        })
    return rows
