"""The capital in place of a period per unit, industry or team, from the capital entries alone.

Each entry keeps a copy of its project's unit, stationed team, industry and archiving (migration
0052's triggers), so the figure reads the period's entries through one index instead of joining
each to its project: at 1,000,000 projects on PostgreSQL the join read the whole project table
(260 ms of a 710 ms dashboard). The credit parts are written on the copies too (a team's
share, the bureau's shares joined by the entry's project). On MySQL, which keeps no triggers, the
figures join the projects as before (``portal.figures.aggregate``). (A county's own figures cannot
count by the capital entry's date: ``portal_figures`` refuses it.)
"""
from __future__ import annotations

import logging

from portal.db import backend, database, keeps_figure_triggers
from portal.figures.credit_parts import CREDITED_UNIT, CreditPart, credit_parts, credited
from portal.figures.scope import ProjectColumns, Scope
from portal.figures.sql import in_period
from portal.models import CapitalEntry, Project
from portal.periods import Period

log = logging.getLogger(__name__)

C = CapitalEntry
#: The entries' copies of the project's columns a scope is written on.
COLUMNS = ProjectColumns(C.project_archived, C.project_responsible_unit_id, C.project_source_team_id,
                         C.project_industry_code, C.project)
#: Each project column the entries copy, and its copy.
_COPY_OF = ((Project.responsible_unit, C.project_responsible_unit_id), (Project.source_team, C.project_source_team_id),
            (Project.industry_code, C.project_industry_code), (Project.archived, C.project_archived))
#: The figures of the capital family that read the entry alone: today the family holds only this
#: one; a figure added to it that asks about the project is joined to the projects instead.
ENTRY_ONLY = frozenset({"capital_in_place"})


def kept() -> bool:
    """Whether the database keeps the copies (migration 0052's triggers)."""
    return keeps_figure_triggers()


def _copy(column):
    # By identity: a peewee column's == builds SQL instead of comparing.
    return next((copy for original, copy in _COPY_OF if original is column), None)


def answers(cat, families, group) -> bool:
    """Can the copies answer these families of the capital source, grouped so? Not on MySQL, not
    for a figure outside ``ENTRY_ONLY``, not grouped by a column not copied."""
    if not kept() or any(d.key not in ENTRY_ONLY for family in families for d in cat.families[family][1]):
        return False
    columns = group if isinstance(group, (tuple, list)) else (() if group is None else (group,))
    return all(column is CREDITED_UNIT or _copy(column) is not None for column in columns)


def parts(scope: Scope, group) -> list[CreditPart]:
    """The credit parts of the query (``credit_parts``), written on the entries' copies."""
    return credit_parts(scope, group, COLUMNS)


def query(period: Period, scope: Scope, group, part: CreditPart):
    """``(query, group)`` of one credit part (from ``parts``): the scope's capital entries dated in
    the period, grouped by the copies of the group's project columns, as ``credited`` gives a part
    of the projects joined to their entries."""
    if isinstance(group, (tuple, list)):
        group = tuple(column if column is CREDITED_UNIT else _copy(column) for column in group)
    elif group is not None and group is not CREDITED_UNIT:
        group = _copy(group)
    where = scope.condition(credited=part.credited, columns=COLUMNS) & in_period(C.on_date, period)
    return credited(C.select().where(where), group, scope, part, COLUMNS)


def repair_if_wrong() -> bool:
    """Compare each entry's copies with its project and copy again where they differ (triggers
    switched off during a restore, a copy written by hand). ``portal db upgrade`` runs it.
    Returns whether it copied."""
    if not kept():
        return False
    sources = [original.column_name for original, _ in _COPY_OF]
    copies = [copy.column_name for _, copy in _COPY_OF]
    differs = " IS NOT " if backend() == "sqlite" else " IS DISTINCT FROM "
    wrong = " OR ".join(f"c.{copy}{differs}p.{source}" for copy, source in zip(copies, sources))
    if not database.execute_sql(f"SELECT EXISTS (SELECT 1 FROM capital_entry AS c JOIN project AS p "
                                f"ON p.id = c.project_id WHERE {wrong})").fetchone()[0]:
        return False
    with database.atomic():
        database.execute_sql(f"UPDATE capital_entry SET ({', '.join(copies)}) = (SELECT {', '.join(sources)} "
                             f"FROM project WHERE project.id = capital_entry.project_id)")
    log.warning("capital entries' copies of their projects' columns differed: copied again")
    return True
