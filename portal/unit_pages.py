"""A page of a long list ordered by the responsible unit's place in the tree, read unit by unit.

Lists such as the meeting's flagged projects and the wall chart are ordered by unit path, then by
name. As one query, the database joins every listed project to its unit and sorts them all for a
page (a county's wall chart at 100,300 projects on PostgreSQL: 63 ms for 300 of its 19,571
projects). Counted per unit first, the units are walked in path order (``in_unit_order``) to find
the few a page covers (``segments``), and only their rows are read and sorted (``page_of``).
"""
from __future__ import annotations

from peewee import fn

from portal.models import Project, Unit


def segments(groups: list[tuple[object, int]], start: int, limit: int) -> list[tuple[object, int, int]]:
    """The rows ``start`` to ``start + limit`` of a list made of ``groups`` in order, each given as
    ``(group, its number of rows)``: ``[(group, first row within it, rows), …]``."""
    found, position, end = [], 0, start + limit
    for group, rows in groups:
        if position >= end:
            break
        if rows > 0 and position + rows > start:
            first = max(0, start - position)
            found.append((group, first, min(rows, end - position) - first))
        position += rows
    return found


def in_unit_order(counts: dict, leading=(None,)) -> list[tuple[object, int]]:
    """``counts`` keyed ``(lead, unit id)`` as a list in the list's order: by ``leading`` (a flag, say),
    then by the unit's path as the database orders it (so that a page holds the rows one query
    ordered by ``Unit.path`` would)."""
    unit_ids = {unit_id for _lead, unit_id in counts}
    order = [unit_id for (unit_id,) in Unit.select(Unit.id).where(Unit.id.in_(list(unit_ids or {0})))
             .order_by(Unit.path).tuples()]
    return [((lead, unit_id), counts.get((lead, unit_id), 0)) for lead in leading for unit_id in order]


def counts_by_unit(query, distinct: bool = False) -> dict:
    """``{(None, unit id): projects}`` of a project query, grouped by the responsible unit in the
    database (``distinct``: a query joined to rows of which a project may have several)."""
    counted = fn.COUNT(fn.DISTINCT(Project.id)) if distinct else fn.COUNT(Project.id)
    grouped = query.select(Project.responsible_unit, counted).group_by(Project.responsible_unit)
    return {(None, unit_id): n for unit_id, n in grouped.tuples()}


def counts_for(user, query, condition_on) -> dict:
    """``{(None, unit id): projects}`` of a project query ``user`` reads: from the database's tally
    (portal.figures.tally, a few thousand rows) where it can say what the user reads, else grouped
    from the projects. ``condition_on(columns)``: the query's condition (without the user's) written
    on a ``ProjectColumns``; it is asked for the tally's."""
    from portal.figures import tally

    readable = tally.readable_conditions(user)
    if readable is None:
        return counts_by_unit(query)
    columns = tally.COLUMNS
    totals = tally.grouped_totals((columns.responsible_unit,), condition_on(columns), *readable)
    return {(None, unit_id): n for (unit_id,), n in totals.items()}


#: From this row of a group on, a page of whole rows is read by its ids (``_rows_by_key``).
DEFER_FROM = 500


def page_of(groups: list[tuple[object, int]], start: int, limit: int, rows_of,
            whole_rows: bool = False) -> tuple[list, int]:
    """The rows ``start`` to ``start + limit`` and the total of a list of ``groups`` (as from
    ``in_unit_order``); ``rows_of(group)`` is the query of one group's projects in their order.
    ``whole_rows``: its rows are wide (every project column), read as ``_rows_by_key`` says."""
    rows = []
    for group, first, count in segments(groups, start, limit):
        query = rows_of(group)
        rows.extend(_rows_by_key(query, first, count) if whole_rows and first >= DEFER_FROM
                    else query.offset(first).limit(count))
    return rows, sum(n for _group, n in groups)


def _rows_by_key(query, first: int, count: int) -> list:
    """``count`` rows of ``query`` from its row ``first``, deep in the group: the database reads and
    sorts every row before the page to skip them, and whole rows of the weekly report made PostgreSQL
    sort 8,494 of them on disk for its 100th page (28 ms at 100,300 projects; the page 51-54 ms, 42-43
    so). The page's ids are sorted alone, then their rows read by key. (Narrow rows gain nothing: on
    SQLite, which walks an index in the list's order, the second query cost 1 ms.)"""
    ids = [row_id for (row_id,) in query.select(Project.id).offset(first).limit(count).tuples()]
    by_id = {row.id: row for row in query.where(Project.id.in_(ids or [0])).order_by()}
    return [by_id[row_id] for row_id in ids if row_id in by_id]
