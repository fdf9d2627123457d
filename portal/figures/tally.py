"""Projects counted by stage or by flag from ``project_tally``, which the database keeps.

The dashboard's funnel and flag counts grouped every project of the city (at 1,000,000 projects
on PostgreSQL a read of the whole table: 184 and 44 ms). Migration 0051's triggers add a row of
+1 / -1 (and the investment in cents) to ``project_tally`` for every project inserted, changed
or deleted, so these counts read a few thousand rows instead. The rows are only added, so
writers never wait for one another; when a count reads more than ``COMPACT_AFTER`` of them, they
are folded into one row per group (``compact``).

SQLite and PostgreSQL only: MySQL keeps no triggers (``available``), and its counts are read
from the projects as before.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from decimal import Decimal

import peewee
from peewee import fn

from portal.db import SQLITE_PRAGMAS, backend, database, keeps_figure_triggers
from portal.figures.scope import ProjectColumns, Scope
from portal.figures.sql import money
from portal.models import ProjectTally

log = logging.getLogger(__name__)

#: Fold the rows when a count reads more than this many (a count then takes a few milliseconds).
COMPACT_AFTER = 20_000

T = ProjectTally
GROUP = (T.responsible_unit_id, T.source_team_id, T.industry_code, T.stage, T.flag, T.archived)
_GROUP = ", ".join(f.column_name for f in GROUP)
_COLUMNS = f"{_GROUP}, projects, investment_cents"


def _folded(rows: str, where: str = "") -> str:
    """``rows`` of the tally folded: each group's sums, no group that adds up to nothing."""
    return (f"SELECT {_GROUP}, sum(projects), sum(investment_cents) FROM {rows} {where} GROUP BY {_GROUP} "
            "HAVING sum(projects) <> 0 OR sum(investment_cents) <> 0")


def available() -> bool:
    """Whether the database keeps the tally (migration 0051's triggers)."""
    return keeps_figure_triggers()


#: The tally's copies of the project's columns a scope is written on.
COLUMNS = ProjectColumns(T.archived, T.responsible_unit_id, T.source_team_id, T.industry_code,
                         stage=T.stage, flag=T.flag)


def counts(scope: Scope, column) -> dict:
    """``{value of column: (projects, investment)}`` of the scope's projects (archived ones
    left out), for ``column`` ``T.stage`` or ``T.flag``."""
    query = (T.select(column, fn.SUM(T.projects), fn.SUM(T.investment_cents), fn.COUNT(peewee.SQL("*")))
             .where(scope.condition(columns=COLUMNS)).group_by(column))
    result, rows = {}, 0
    for value, projects, cents, n in query.tuples():
        rows += n
        if projects:
            result[value] = (int(projects), money(Decimal(int(cents or 0)) / 100))
    _fold_if_many(rows)
    return result


def total(*conditions) -> int:
    """How many projects the tally counts where ``conditions`` hold (written on ``COLUMNS``)."""
    projects, rows = T.select(fn.SUM(T.projects), fn.COUNT(peewee.SQL("*"))).where(*conditions).tuples().get()
    _fold_if_many(rows)
    return int(projects or 0)


def readable_conditions(user) -> list | None:
    """The conditions on ``COLUMNS`` for the projects ``user`` reads (none for those who read all), or
    None where the tally cannot say: the database keeps no tally (MySQL), or the user reads projects a
    feature grants one by one (a department with problems)."""
    from portal import permissions

    if not available():
        return None
    try:
        visible = permissions.visible_condition(user, COLUMNS.responsible_unit, COLUMNS.source_team, project_id=None)
    except permissions.GrantedOneByOne:
        return None
    return [] if visible is None else [visible]


def totals_by(column, *conditions) -> dict:
    """``{value of column: projects}`` the tally counts where ``conditions`` hold (written on ``COLUMNS``)."""
    return {values[0]: projects for values, projects in grouped_totals((column,), *conditions).items()}


def grouped_totals(columns: tuple, *conditions) -> dict:
    """``{(value of each column, …): projects}`` the tally counts where ``conditions`` hold."""
    query = (T.select(*columns, fn.SUM(T.projects), fn.COUNT(peewee.SQL("*"))).where(*conditions)
             .group_by(*columns))
    result, rows = {}, 0
    for *values, projects, n in query.tuples():
        rows += n
        if projects:
            result[tuple(values)] = int(projects)
    _fold_if_many(rows)
    return result


def share(condition) -> float:
    """The share (0 to 1) of all projects that ``condition`` (written on ``COLUMNS``) holds for, in one read."""
    part = fn.SUM(peewee.Case(None, [(condition, T.projects)], 0))
    projects, held, rows = T.select(fn.SUM(T.projects), part, fn.COUNT(peewee.SQL("*"))).tuples().get()
    _fold_if_many(rows)
    return int(held or 0) / int(projects) if projects else 0.0


def _fold_if_many(rows_read: int) -> None:
    if rows_read > COMPACT_AFTER:
        compact()


def compact() -> None:
    """Fold the rows into one per group (groups that add up to nothing are dropped). A count folds
    them when they grow many; a bulk write (the seed, a start after a rule change) folds at its
    end, so the first page read afterwards does not.

    PostgreSQL: one statement deletes the rows it sees and adds their sums, so a row another
    transaction adds meanwhile is neither lost nor counted twice, and two foldings at once each
    fold only what they deleted. SQLite: one writer at a time, in one transaction; when another
    process is writing, the folding waits for a later count."""
    if not available():
        return
    try:
        with _without_waiting(), database.atomic():
            if backend() == "postgresql":
                database.execute_sql(f"WITH gone AS (DELETE FROM project_tally RETURNING {_COLUMNS}) "
                                     f"INSERT INTO project_tally ({_COLUMNS}) {_folded('gone')}")
            else:
                last = database.execute_sql("SELECT max(id) FROM project_tally").fetchone()[0] or 0
                database.execute_sql(f"INSERT INTO project_tally ({_COLUMNS}) "
                                     f"{_folded('project_tally', 'WHERE id <= ?')}", (last,))
                database.execute_sql("DELETE FROM project_tally WHERE id <= ?", (last,))
    except peewee.OperationalError as exc:  # SQLite busy: another process writes; a later count folds
        log.info("project_tally not folded now: %s", exc)


@contextmanager
def _without_waiting():
    """SQLite: while another process writes, give up at once instead of waiting up to the busy
    timeout (15 s): a page reading the counts must not wait for an import to fold them."""
    if backend() != "sqlite":
        yield
        return
    database.execute_sql("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {int(SQLITE_PRAGMAS['busy_timeout'])}")


def _from_the_projects() -> str:
    """The tally's rows as a count of the projects would give them (the investment in cents)."""
    cents = ("CAST(round(total_investment * 100) AS INTEGER)" if backend() == "sqlite"
             else "round(total_investment * 100)")
    return f"SELECT {_GROUP}, count(*), sum({cents}) FROM project GROUP BY {_GROUP}"


def repair_if_wrong() -> bool:
    """Compare the tally with a count of the projects and rebuild it when they differ (triggers
    switched off during a restore, rows written by hand). ``portal db upgrade`` runs it: a read
    of every project, about a second at 1,000,000. Returns whether it rebuilt."""
    if not available():
        return False
    counted, tallied = _from_the_projects(), _folded("project_tally")
    differ = database.execute_sql(
        f"SELECT EXISTS (SELECT * FROM ({counted}) AS p EXCEPT SELECT * FROM ({tallied}) AS t) "
        f"OR EXISTS (SELECT * FROM ({tallied}) AS t EXCEPT SELECT * FROM ({counted}) AS p)").fetchone()[0]
    if not differ:
        return False
    with database.atomic():
        if backend() == "postgresql":  # one statement, one snapshot: a change committed meanwhile counts once
            database.execute_sql(f"WITH gone AS (DELETE FROM project_tally) "
                                 f"INSERT INTO project_tally ({_COLUMNS}) {counted}")
        else:
            database.execute_sql("DELETE FROM project_tally")
            database.execute_sql(f"INSERT INTO project_tally ({_COLUMNS}) {counted}")
    log.warning("project_tally differed from the projects: rebuilt")
    return True
