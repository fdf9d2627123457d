"""Weekly snapshots: freezing a completed week's flags, list counts, unit flags and every other
figure its meeting page shows, once.

A week is frozen by inserting its ``WeekFreeze`` row first, inside the same
transaction as the snapshot rows: the unique week means a second process
(or thread) that tries the same week gets an IntegrityError and leaves it,
so no week is frozen twice. Frozen rows are never updated afterwards.

A frozen week's page is rendered from these rows only ("a figure reported upward
does not change unless its facts did"): a stage date corrected into the week, or a
stage change dated in it, later, changes the current figures, not the frozen week's.
Weeks frozen before the shown figures were stored (migration 0012) get them once,
from the data as it stands then (``freeze_missing_figures``, run by `portal db upgrade`).
"""
from __future__ import annotations

import datetime as dt
import logging

import peewee
from flask import current_app

from portal import flag_reasons, plugins
from portal.db import database
from portal.models import (
    STAGE_DATE_COLUMNS,
    STAGE_LINE,
    FlagSnapshot,
    ListCountSnapshot,
    ProgressReport,
    Project,
    StageChange,
    Unit,
    UnitWeekFlag,
    WeekFreeze,
    WeekNewInList,
    WeekUnitFigures,
)
from portal.models.fields import utcnow
from portal.scheduling import flags as F
from portal.scheduling import weeks as W
from portal.timeutil import iso_week, to_local, today

log = logging.getLogger(__name__)

#: How many weeks back `portal snapshot` catches up at most (and the first request of a week).
DEFAULT_CATCHUP_WEEKS = 104
DEFAULT_REQUEST_CATCHUP_WEEKS = 8

#: list name -> the date column that puts a project on it
LIST_DATE_FIELDS = {
    "clues": Project.clue_on,
    "signed": Project.signed_on,
    "landed": Project.started_on,
    "production": Project.production_on,
}

#: "new in the lists" of a week: list key -> the stage date that puts a project on it that week
NEW_IN_LIST_DATES = {stage: STAGE_DATE_COLUMNS[stage] for stage in STAGE_LINE[1:]}
#: The stages a project advances to (the "stage advances" of a week).
FORWARD_STAGES = STAGE_LINE[1:]
NO_FIGURES = {"projects": 0, "reported": 0, "on_time": 0, "advances": 0}


def last_completed_week(day: dt.date | None = None) -> str:
    return iso_week((day or today()) - dt.timedelta(days=7))


def is_frozen(week: str) -> bool:
    return WeekFreeze.select().where(WeekFreeze.week == week).exists()


def _projects_as_of(week: str):
    """Projects (not archived) that existed by the end of the week."""
    end_utc = W.to_utc_naive(W.week_end(week))
    return F.active_projects().where(Project.created_at <= end_utc)


def list_counts(week: str) -> dict[int, dict[str, int]]:
    """Per unit, how many projects were on each list by the end of the week (one grouped query)."""
    _monday, sunday = W.week_days(week)
    columns = [peewee.fn.SUM(peewee.Case(None, [((column.is_null(False)) & (column <= sunday), 1)], 0)).alias(name)
               for name, column in LIST_DATE_FIELDS.items()]
    query = (_projects_as_of(week).select(Project.responsible_unit, *columns)
             .where(Project.stage != "dropped").group_by(Project.responsible_unit).tuples())
    return {row[0]: {name: int(value or 0) for name, value in zip(LIST_DATE_FIELDS, row[1:])} for row in query}


class WeekNotFrozen(Exception):
    """A flag plugin failed while ``week`` was being frozen: nothing of that week (nor of any
    later week) was stored; the week is frozen by a later run, once the plugin answers."""

    def __init__(self, week: str, failure: F.FlagPluginsFailed, frozen: list[str]):
        super().__init__(f"week {week} not frozen: {failure}; it is frozen once the plugin answers")
        self.week, self.failure, self.frozen = week, failure, frozen


def freeze_week(week: str) -> bool:
    """Freeze one completed week; False when it was frozen already (by us or another process).

    The flags (the slow part: every project through the flag rules and plugins) are computed
    before the transaction, so the database's write lock (all of it, on SQLite) is held only
    while the rows are written, not while the rules run.

    Raises FlagPluginsFailed (and stores nothing) when a flag plugin fails: a frozen week
    never records a plugin's silence as its answer."""
    if is_frozen(week):
        return False
    context = F.FlagContext.for_week(week)
    flag_rows = _flag_snapshot_rows(week, context)
    unit_flag_rows = _unit_flag_rows(week, context)
    count_rows = [{"week": week, "unit": unit_id, "list_name": name, "count": count}
                  for unit_id, counts in list_counts(week).items() for name, count in counts.items()]
    try:
        with database.atomic():
            WeekFreeze.insert(week=week, frozen_at=utcnow()).execute()
            _insert_batches(FlagSnapshot, flag_rows)
            _insert_batches(ListCountSnapshot, count_rows)
            _insert_batches(UnitWeekFlag, unit_flag_rows)
            _freeze_shown_figures(week, context)
    except peewee.IntegrityError:
        log.info("week %s was frozen already (by another process)", week)
        return False
    log.info("froze week %s", week)
    return True


def _flag_snapshot_rows(week: str, context) -> list[dict]:
    """Every project's flag as of the week, read 500 projects at a time."""
    rows, last_id = [], 0
    while True:
        projects = list(_projects_as_of(week).where(Project.id > last_id).order_by(Project.id).limit(500))
        if not projects:
            return rows
        context.preload([p.id for p in projects])
        for project in projects:
            flag, reasons = F.compute(project, context)
            rows.append({"week": week, "project": project.id, "unit": project.responsible_unit_id,
                         "stage": F.stage_as_of(project, context.today), "flag": flag, "reasons": reasons or None})
        last_id = projects[-1].id


def _unit_flag_rows(week: str, context) -> list[dict]:
    """The units' own flags for the week, as the unit-flag hook answers them."""
    unit_ids = (Project.select(Project.responsible_unit).distinct()
                .where(Project.archived == False, Project.stage.in_(F.ACTIVE_STAGES)))  # noqa: E712
    units = list(Unit.select().where(Unit.id.in_(unit_ids)).order_by(Unit.path))
    if not units:
        return []
    from flask_babel import force_locale

    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        outcome = plugins.call_hook("portal_unit_week_flags", week=week, units=units, context=context)
    if outcome.failed:  # a failed county rule must not be frozen as the default rule's answer
        raise F.FlagPluginsFailed("portal_unit_week_flags", outcome.failed)
    answer = outcome.results[0] if outcome.results else []
    known = {u.id for u in units}
    rows, seen = [], set()
    for item in answer:
        if item.get("flag") in ("red", "yellow") and item.get("unit_id") in known and item["unit_id"] not in seen:
            seen.add(item["unit_id"])
            rows.append({"week": week, "unit": item["unit_id"], "flag": item["flag"],
                         "reasons": [flag_reasons.stored(item.get("reason", ""))]})
    return rows


def new_in_list_query(week: str, list_name: str):
    """Projects (not archived), with their unit's name, whose stage date of ``list_name`` is in the
    week: their id, name, unit and that date only (whole rows were a third of the meeting's time)."""
    monday, sunday = W.week_days(week)
    column = getattr(Project, NEW_IN_LIST_DATES[list_name])
    return (Project.select(Project.id, Project.name, Project.responsible_unit, column, Unit.id, Unit.name)
            .join(Unit, on=(Project.responsible_unit == Unit.id))
            .where(Project.archived == False, column.between(monday, sunday)))  # noqa: E712


def _unit_figures_from_snapshot(week: str, context) -> dict[int, dict]:
    """Like ``flags.unit_week_figures`` but over the week's flag snapshot: the projects, units and
    stages as the snapshot recorded them (grouped SQL), with the reports and stage changes as they
    stand when this runs (at freezing)."""
    monday, sunday = W.week_days(week)
    deadline_utc = context.report_deadline_utc(week)
    active = (FlagSnapshot.week == week) & FlagSnapshot.stage.in_(F.ACTIVE_STAGES)
    figures: dict[int, dict] = {}

    def put(rows, key):
        for unit_id, count in rows:
            figures.setdefault(unit_id, dict(NO_FIGURES))[key] = int(count)

    put(FlagSnapshot.select(FlagSnapshot.unit, peewee.fn.COUNT(FlagSnapshot.id)).where(active)
        .group_by(FlagSnapshot.unit).tuples(), "projects")
    for key, extra in (("reported", True), ("on_time", ProgressReport.created_at <= deadline_utc)):
        put(FlagSnapshot.select(FlagSnapshot.unit, peewee.fn.COUNT(peewee.fn.DISTINCT(FlagSnapshot.project)))
            .join(ProgressReport, on=(ProgressReport.project == FlagSnapshot.project))
            .where(active, ProgressReport.week == week, extra).group_by(FlagSnapshot.unit).tuples(), key)
    put(FlagSnapshot.select(FlagSnapshot.unit, peewee.fn.COUNT(StageChange.id))
        .join(StageChange, on=(StageChange.project == FlagSnapshot.project))
        .where(FlagSnapshot.week == week, StageChange.on_date.between(monday, sunday),
               StageChange.to_stage.in_(FORWARD_STAGES), StageChange.is_correction == False)  # noqa: E712
        .group_by(FlagSnapshot.unit).tuples(), "advances")
    return figures


def _insert_batches(model, rows) -> None:
    for start in range(0, len(rows), 500):
        model.insert_many(rows[start:start + 500]).execute()


def _freeze_shown_figures(week: str, context) -> bool:
    """Store what the week's meeting page shows besides flags and list counts (unit figures, new in
    the lists, who reported, the deadline); inside the caller's transaction. False when they were
    stored already: the conditional update lets one process only claim a week."""
    claimed = (WeekFreeze.update(figures_frozen_at=utcnow(), report_deadline=context.report_deadline_utc(week))
               .where(WeekFreeze.week == week, WeekFreeze.figures_frozen_at.is_null()).execute())
    if not claimed:
        return False
    reported = ProgressReport.select(ProgressReport.project).where(ProgressReport.week == week)
    FlagSnapshot.update(reported=FlagSnapshot.project.in_(reported)).where(FlagSnapshot.week == week).execute()
    _insert_batches(WeekUnitFigures, [{"week": week, "unit": unit_id, **figures} for unit_id, figures
                                      in _unit_figures_from_snapshot(week, context).items()])
    _insert_batches(WeekNewInList, [
        {"week": week, "list_name": name, "project": p.id, "unit": p.responsible_unit_id,
         "on_date": getattr(p, field)}
        for name, field in NEW_IN_LIST_DATES.items() for p in new_in_list_query(week, name)])
    return True


def freeze_missing_figures(weeks: list[str] | None = None) -> list[str]:
    """Store the shown figures of frozen weeks that lack them (frozen before migration 0012), from
    the data as it stands now; the weeks done. Safe to run at once from several processes."""
    query = WeekFreeze.select(WeekFreeze.week).where(WeekFreeze.figures_frozen_at.is_null())
    if weeks is not None:
        query = query.where(WeekFreeze.week.in_(weeks))
    done = []
    for week in [row.week for row in query.order_by(WeekFreeze.week)]:
        with database.atomic():
            if _freeze_shown_figures(week, F.FlagContext.for_week(week)):
                done.append(week)
    if done:
        log.info("stored the shown figures of weeks frozen before they were kept: %s", ", ".join(done))
    return done


def frozen_unit_figures(week: str) -> dict[int, dict]:
    """Per unit, the figures of a frozen week as they were stored when it was frozen."""
    return {row.unit_id: {"projects": row.projects, "reported": row.reported, "on_time": row.on_time,
                          "advances": row.advances}
            for row in WeekUnitFigures.select().where(WeekUnitFigures.week == week)}


def frozen_new_in_lists(week: str, unit_ids=None) -> dict[str, list]:
    """The projects new in each list in a frozen week, with the unit and date stored then
    (set on the project objects, which are not to be saved); ``unit_ids`` restricts the units."""
    query = (WeekNewInList.select(WeekNewInList, Project, Unit)
             .join(Project, on=(WeekNewInList.project == Project.id))
             .switch(WeekNewInList).join(Unit, on=(WeekNewInList.unit == Unit.id))
             .where(WeekNewInList.week == week))
    if unit_ids is not None:
        query = query.where(WeekNewInList.unit.in_(unit_ids))
    lists: dict[str, list] = {name: [] for name in NEW_IN_LIST_DATES}
    for row in query.order_by(Unit.path, Project.name):
        project = row.project
        project.responsible_unit = row.unit
        setattr(project, NEW_IN_LIST_DATES[row.list_name], row.on_date)
        lists[row.list_name].append(project)
    return lists


def frozen_report_deadline(week: str) -> dt.datetime | None:
    """The report deadline a frozen week was judged by (aware, local)."""
    row = WeekFreeze.get_or_none(WeekFreeze.week == week)
    return to_local(row.report_deadline) if row else None


def frozen_list_counts(week: str) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for row in ListCountSnapshot.select().where(ListCountSnapshot.week == week):
        counts.setdefault(row.unit_id, {})[row.list_name] = row.count
    return counts


def earliest_week() -> str | None:
    """The week of the earliest project date (clue date or entry), or None without projects."""
    first_clue = Project.select(peewee.fn.MIN(Project.clue_on)).scalar()
    first_created = Project.select(peewee.fn.MIN(Project.created_at)).scalar()
    days = []
    if first_clue:
        days.append(first_clue if isinstance(first_clue, dt.date) else dt.date.fromisoformat(str(first_clue)[:10]))
    if first_created:
        days.append(first_created.date() if isinstance(first_created, dt.datetime)
                    else dt.date.fromisoformat(str(first_created)[:10]))
    return iso_week(min(days)) if days else None


def pending_weeks(max_weeks: int | None = None, day: dt.date | None = None) -> list[str]:
    """Completed weeks not yet frozen, oldest first: after the latest frozen week, or from the
    earliest project date on an empty history; at most the last ``max_weeks``."""
    max_weeks = max_weeks or int(current_app.config.get("SCHEDULING_CATCHUP_WEEKS", DEFAULT_CATCHUP_WEEKS))
    last = last_completed_week(day)
    latest = WeekFreeze.select(peewee.fn.MAX(WeekFreeze.week)).scalar()
    first = W.shift_week(latest, 1) if latest else earliest_week()
    if first is None:
        return []
    weeks = [w for w in W.weeks_between(first, last) if not is_frozen(w)] if first <= last else []
    return weeks[-max_weeks:]


def freeze_pending(max_weeks: int | None = None, day: dt.date | None = None, refresh: bool = True) -> list[str]:
    """Freeze every pending week in order, then refresh the live flags; the weeks frozen here."""
    frozen = []
    for week in pending_weeks(max_weeks, day):
        try:
            if freeze_week(week):
                frozen.append(week)
        except F.FlagPluginsFailed as failure:
            # Later weeks wait too: they build on this week's flags, and the next run starts after
            # the latest frozen week. The administrator reads this on /admin/plugins and in the CLI.
            refused = WeekNotFrozen(week, failure, frozen)
            for name in failure.plugin_names:
                plugins.registry().report(name, "snapshot", refused)
            raise refused from failure
    if refresh and frozen:
        F.recompute_all()
    return frozen


def last_frozen_week(first: str, last: str) -> str | None:
    """The latest frozen week from ``first`` to ``last`` (ISO week strings sort in time order)."""
    return (WeekFreeze.select(peewee.fn.MAX(WeekFreeze.week))
            .where(WeekFreeze.week >= first, WeekFreeze.week <= last).scalar())


def flag_counts(week: str, unit_ids=None, project_ids=None) -> dict[str, int]:
    """``{"red": n, "yellow": n, "green": n}`` for a week, counted in SQL.

    A frozen week is counted from its snapshot; the current (or a not yet
    frozen) week from the stored ``Project.flag`` of projects not archived.
    ``unit_ids`` (a list or a subquery) restricts to those responsible units;
    ``project_ids`` (a subquery) to those projects.
    """
    counts = {"red": 0, "yellow": 0, "green": 0}
    if is_frozen(week):
        query = (FlagSnapshot.select(FlagSnapshot.flag, peewee.fn.COUNT(FlagSnapshot.id))
                 .where(FlagSnapshot.week == week))
        if unit_ids is not None:
            query = query.where(FlagSnapshot.unit.in_(unit_ids))
        if project_ids is not None:
            query = query.where(FlagSnapshot.project.in_(project_ids))
        query = query.group_by(FlagSnapshot.flag)
    else:
        query = F.active_projects().select(Project.flag, peewee.fn.COUNT(Project.id))
        if unit_ids is not None:
            query = query.where(Project.responsible_unit.in_(unit_ids))
        if project_ids is not None:
            query = query.where(Project.id.in_(project_ids))
        query = query.group_by(Project.flag)
    for flag, count in query.tuples():
        if flag in counts:
            counts[flag] = int(count)
    return counts


__all__ = ["WeekNotFrozen", "flag_counts", "freeze_missing_figures", "freeze_pending", "freeze_week",
           "frozen_new_in_lists", "frozen_unit_figures", "is_frozen", "last_completed_week", "last_frozen_week",
           "list_counts", "new_in_list_query", "pending_weeks"]
