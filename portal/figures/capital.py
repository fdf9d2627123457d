"""The capital in place of a period per unit, industry or team, from the capital entries alone.

Each entry keeps a copy of its project's unit, stationed team, industry and archiving (migration
0052's triggers), so the figure reads the period's entries through one index instead of joining
each to its project: at 1,000,000 projects on PostgreSQL the join read the whole project table
(260 ms of a 710 ms dashboard). Where the copies cannot answer — MySQL, which keeps no triggers;
a county's figure of the capital family that asks about the project; a credit share weighted or
set by the bureau — the figures join the projects as before (``portal.figures.aggregate``).
"""
from __future__ import annotations

import logging

from portal.db import backend, database
from portal.figures.credit_parts import CREDITED_UNIT, CreditPart
from portal.figures.scope import ProjectColumns, Scope
from portal.figures.sql import in_period
from portal.models import CapitalEntry, Project
from portal.periods import Period

log = logging.getLogger(__name__)

C = CapitalEntry
#: The entries' copies of the project's columns a scope is written on.
COLUMNS = ProjectColumns(C.project_archived, C.project_responsible_unit_id, C.project_source_team_id,
                         C.project_industry_code)
#: Each project column the entries copy, and its copy.
_COPY_OF = ((Project.responsible_unit, C.project_responsible_unit_id), (Project.source_team, C.project_source_team_id),
            (Project.industry_code, C.project_industry_code), (Project.archived, C.project_archived))
#: The figures of the capital family that read the entry alone.
ENTRY_ONLY = frozenset({"capital_in_place"})


def kept() -> bool:
    """Whether the database keeps the copies (migration 0052's triggers)."""
    return backend() in ("sqlite", "postgresql")


def _copy(column):
    # By identity: a peewee column's == builds SQL instead of comparing.
    return next((copy for original, copy in _COPY_OF if original is column), None)


def from_copies(cat, families, period: Period, scope: Scope, group, part: CreditPart):
    """``(query, group)`` of the scope's capital entries dated in the period, the group's project
    columns replaced by the entries' copies, as ``credit_parts.credited`` gives them on the
    join; None where the copies cannot answer (the caller joins the projects)."""
    if not kept() or scope.credited_to or part.join or part.where is not None or part.w is not None:
        return None
    if any(d.key not in ENTRY_ONLY for family in families for d in cat.families[family][1]):
        return None
    unit = _copy(part.unit) if part.credited else None
    if part.credited and unit is None:
        return None
    columns = group if isinstance(group, (tuple, list)) else (() if group is None else (group,))
    copies = [unit if column is CREDITED_UNIT else _copy(column) for column in columns]
    if any(copy is None for copy in copies):
        return None
    where = scope.condition(credited=part.credited, columns=COLUMNS) & in_period(C.on_date, period)
    if part.credited and scope.unit_id:
        where &= unit.in_(scope.subtree_ids())
    by = tuple(copies) if isinstance(group, (tuple, list)) else (copies[0] if copies else None)
    return C.select().where(where), by


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
