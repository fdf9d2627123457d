"""The meeting's two long lists: the red and yellow projects, and the reports missing this week.

At province scale each runs to tens of thousands of rows, more than a meeting reads, so the page
shows one page of rows with the full count (``flagged_page``, ``missing_page``), and the workbook
every row (``flagged_query``, ``missing_query``). Both lists are ordered by the responsible unit's
place in the tree (red before yellow), then by name. Sorted as one list, the database read and
sorted every flagged project for a page of 50 (the bureau at 100,300 projects on PostgreSQL:
55 ms), and counted every unreported one (78 ms). For the current week each list is now counted
per unit first, from the tally where the database keeps one (migration 0051), and read unit by
unit (``portal.unit_pages``). A frozen week is read from its snapshot as one list.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import peewee

from portal import permissions, unit_pages
from portal.figures import tally
from portal.models import FlagSnapshot, ProgressReport, Project, Unit
from portal.scheduling import flags as F
from portal.scheduling import weeks as W

FLAGGED = ("red", "yellow")  # in the order the list shows them


@dataclass(frozen=True)
class Readable:
    """The units whose projects a meeting shows (None: every unit), and the conditions that say so."""

    unit_ids: list | None

    def on(self, query, column):
        """``query`` narrowed to rows whose ``column`` is one of the units."""
        return query.where(*self.on_column(column))

    def on_column(self, column) -> list:
        """The condition of ``on`` (none, or one)."""
        return [] if self.unit_ids is None else [column.in_(self.unit_ids)]

    def projects(self, query):
        """``query`` narrowed to the units' projects: a team also follows the projects it sourced."""
        return query.where(*self.on_columns(Project.responsible_unit, Project.source_team))

    def on_columns(self, responsible, source_team) -> list:
        """The condition of ``projects`` (none, or one) written on a table's copies of the two columns."""
        if self.unit_ids is None:
            return []
        return [permissions.units_projects_condition(self.unit_ids, responsible, source_team)]


@dataclass
class Page:
    rows: list
    total: int


def unit_flag_counts(week: str, frozen: bool, readable: Readable) -> dict:
    """``{unit id: {"red": n, "yellow": n, "green": n}}``: each unit's active projects by flag (of a
    frozen week, as its snapshot recorded them). From the tally where the database keeps one: grouping
    every active project took 71 ms for the bureau at 100,300 projects on PostgreSQL."""
    counts: dict = defaultdict(lambda: {"red": 0, "yellow": 0, "green": 0})
    if frozen:
        rows = (readable.on(FlagSnapshot.select(FlagSnapshot.unit, FlagSnapshot.flag, peewee.fn.COUNT(FlagSnapshot.id))
                            .where(FlagSnapshot.week == week), FlagSnapshot.unit)
                .group_by(FlagSnapshot.unit, FlagSnapshot.flag).tuples())
    elif tally.available():
        columns = tally.COLUMNS
        totals = tally.grouped_totals((columns.responsible_unit, columns.flag), columns.archived == False,  # noqa: E712
                                      columns.stage.in_(F.ACTIVE_STAGES), *readable.on_column(columns.responsible_unit))
        rows = [(unit_id, flag, count) for (unit_id, flag), count in totals.items()]
    else:
        rows = (readable.on(F.active_projects().select(Project.responsible_unit, Project.flag,
                                                       peewee.fn.COUNT(Project.id))
                            .where(Project.stage.in_(F.ACTIVE_STAGES)), Project.responsible_unit)
                .group_by(Project.responsible_unit, Project.flag).tuples())
    for unit_id, flag, count in rows:
        if flag in ("red", "yellow", "green"):
            counts[unit_id][flag] = int(count)
    return counts


# The lists as one query each (the workbook, a frozen week) ---------------------------------------

def _flag_order(column):
    return peewee.Case(None, [(column == "red", 0)], 1)


def flagged_query(week: str, frozen: bool, readable: Readable):
    if frozen:
        q = (FlagSnapshot.select(FlagSnapshot, Project, Unit)
             .join(Project, on=(FlagSnapshot.project == Project.id))
             .switch(FlagSnapshot).join(Unit, on=(FlagSnapshot.unit == Unit.id))
             .where(FlagSnapshot.week == week, FlagSnapshot.flag.in_(FLAGGED)))
        return readable.on(q, FlagSnapshot.unit).order_by(_flag_order(FlagSnapshot.flag), Unit.path, Project.name,
                                                          Project.id)
    return readable.projects(_flagged_projects()).order_by(_flag_order(Project.flag), Unit.path, Project.name,
                                                           Project.id)


def _flagged_projects():
    return (Project.select(Project, Unit).join(Unit, on=(Project.responsible_unit == Unit.id))
            .where(Project.archived == False, Project.flag.in_(FLAGGED)))  # noqa: E712


def missing_query(week: str, frozen: bool, readable: Readable):
    if frozen:
        q = (FlagSnapshot.select(FlagSnapshot, Project, Unit)
             .join(Project, on=(FlagSnapshot.project == Project.id))
             .switch(FlagSnapshot).join(Unit, on=(FlagSnapshot.unit == Unit.id))
             .where(FlagSnapshot.week == week, FlagSnapshot.stage.in_(F.ACTIVE_STAGES),
                    FlagSnapshot.reported == False))  # noqa: E712 - as the week was frozen
        return readable.on(q, FlagSnapshot.unit).order_by(Unit.path, Project.name, Project.id)
    return readable.projects(_missing_projects(week)).order_by(Unit.path, Project.name, Project.id)


def _missing_projects(week: str):
    """Active projects that existed by the end of ``week`` and have no progress report for it."""
    reported_ids = ProgressReport.select(ProgressReport.project).where(ProgressReport.week == week)
    return (Project.select(Project, Unit).join(Unit, on=(Project.responsible_unit == Unit.id))
            .where(Project.archived == False, Project.stage.in_(F.ACTIVE_STAGES),  # noqa: E712
                   Project.created_at <= W.to_utc_naive(W.week_end(week)), Project.id.not_in(reported_ids)))


def flagged_row(row, frozen) -> dict:
    if frozen:
        return {"project": row.project, "unit": row.unit, "flag": row.flag, "reasons": row.reasons or []}
    return {"project": row, "unit": row.responsible_unit, "flag": row.flag, "reasons": row.flag_reasons or []}


def missing_row(row, frozen):
    if not frozen:
        return row
    project = row.project
    project.responsible_unit, project.stage = row.unit, row.stage  # as they were that week
    return project


def written_columns(query, frozen):
    """The flagged or missing rows with only the columns the page and the workbook show (name, unit,
    stage, flag and reasons): a whole project and unit built for each of 106,000 rows was half of the
    workbook's time at 100,000 projects, and for a page's 100 rows 18 ms of the page's 95."""
    if frozen:
        return query.select(FlagSnapshot.id, FlagSnapshot.flag, FlagSnapshot.reasons, FlagSnapshot.stage,
                            FlagSnapshot.project, FlagSnapshot.unit, Project.id, Project.name, Unit.id, Unit.name)
    return query.select(Project.id, Project.name, Project.stage, Project.flag, Project.flag_reasons,
                        Project.responsible_unit, Unit.id, Unit.name)


# A page of the current week's lists, unit by unit -------------------------------------------------

def _page_of(groups, page: int, limit: int, rows_of) -> Page:
    rows, total = unit_pages.page_of(groups, (page - 1) * limit, limit, rows_of)
    return Page(rows, total)


def flagged_page(week: str, frozen: bool, readable: Readable, page: int, limit: int) -> Page:
    if frozen:
        query = written_columns(flagged_query(week, frozen, readable), frozen)
        return Page([flagged_row(row, frozen) for row in query.paginate(page, limit)], query.count())
    groups = unit_pages.in_unit_order(_flagged_counts(readable), leading=FLAGGED)

    def rows_of(group):
        flag, unit_id = group
        return written_columns(readable.projects(_flagged_projects()), frozen).where(
            Project.flag == flag, Project.responsible_unit == unit_id).order_by(Project.name, Project.id)

    found = _page_of(groups, page, limit, rows_of)
    return Page([flagged_row(row, frozen) for row in found.rows], found.total)


def _flagged_counts(readable: Readable) -> dict:
    """``{(flag, unit id): projects}`` of the flagged list."""
    if tally.available():
        columns = tally.COLUMNS
        return tally.grouped_totals((columns.flag, columns.responsible_unit), columns.archived == False,  # noqa: E712
                                    columns.flag.in_(FLAGGED),
                                    *readable.on_columns(columns.responsible_unit, columns.source_team))
    query = readable.projects(Project.select(Project.flag, Project.responsible_unit, peewee.fn.COUNT(Project.id))
                              .where(Project.archived == False, Project.flag.in_(FLAGGED)))  # noqa: E712
    return {(flag, unit_id): n for flag, unit_id, n in query.group_by(Project.flag, Project.responsible_unit).tuples()}


def missing_page(week: str, frozen: bool, readable: Readable, page: int, limit: int) -> Page:
    if frozen:
        query = written_columns(missing_query(week, frozen, readable), frozen)
        return Page([missing_row(row, frozen) for row in query.paginate(page, limit)], query.count())
    groups = unit_pages.in_unit_order(_missing_counts(week, readable))

    def rows_of(group):
        _lead, unit_id = group
        return (written_columns(readable.projects(_missing_projects(week)), frozen)
                .where(Project.responsible_unit == unit_id).order_by(Project.name, Project.id))

    return _page_of(groups, page, limit, rows_of)


def _missing_counts(week: str, readable: Readable) -> dict:
    """``{(None, unit id): projects}`` of the missing list. With the tally: each unit's active
    projects, less those created after the week (none, for the current week) and those reported in
    it (as many as the week's reports), so that no query reads every project."""
    end_utc = W.to_utc_naive(W.week_end(week))
    if not tally.available():
        return unit_pages.counts_by_unit(readable.projects(_missing_projects(week)))
    columns = tally.COLUMNS
    tallied = tally.grouped_totals((columns.responsible_unit,), columns.archived == False,  # noqa: E712
                                   columns.stage.in_(F.ACTIVE_STAGES),
                                   *readable.on_columns(columns.responsible_unit, columns.source_team))
    counts = {(None, unit_id): n for (unit_id,), n in tallied.items()}
    active = Project.select(Project.responsible_unit, peewee.fn.COUNT(peewee.fn.DISTINCT(Project.id))).where(
        Project.archived == False, Project.stage.in_(F.ACTIVE_STAGES))  # noqa: E712
    reported = (active.join(ProgressReport, on=(ProgressReport.project == Project.id))
                .where(ProgressReport.week == week, Project.created_at <= end_utc))
    # Asked alone, so that the database looks in the index of creation times (migration 0057): in one
    # query with the units, SQLite read the units' projects instead.
    created_later = Project.select().where(Project.created_at > end_utc).exists()
    later = [active.where(Project.created_at > end_utc)] if created_later else []
    for query in (*later, reported):
        for unit_id, n in readable.projects(query).group_by(Project.responsible_unit).tuples():
            counts[(None, unit_id)] = counts.get((None, unit_id), 0) - n
    return counts
