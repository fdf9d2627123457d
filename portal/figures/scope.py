"""What the figures cover: the whole city, or a unit with its sub-units, an industry, a team."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee

from portal import permissions
from portal.models import Project, Unit
from portal.web import per_request


@dataclass(frozen=True)
class ProjectColumns:
    """The columns a scope's condition is written on: the project's own, or the copies a table
    keeps of them (the tally of migration 0051, the capital entries of migration 0052)."""

    archived: Any
    responsible_unit: Any
    source_team: Any
    industry_code: Any
    project_id: Any = None  # the project's id (None: a table of groups, not of rows of a project)
    stage: Any = None  # the stage and the flag, where the table keeps them (the tally does)
    flag: Any = None


PROJECT_COLUMNS = ProjectColumns(Project.archived, Project.responsible_unit, Project.source_team, Project.industry_code,
                                 Project.id, Project.stage, Project.flag)


@dataclass(frozen=True)
class Scope:
    """What the figures cover: the whole city, or a unit with its sub-units, an industry, a team."""

    unit_id: int | None = None
    industry: str | None = None
    team_id: int | None = None
    #: Queries grouped by credited unit: only the shares credited to these unit ids (``for_units``
    #: of a few units, e.g. the stationed teams, reads their projects only, not the city's).
    credited_to: tuple = ()

    @property
    def is_city(self) -> bool:
        return not (self.unit_id or self.industry or self.team_id)

    def unit(self) -> Unit | None:
        """The scope's unit, read once per request (every query of a page asks for it)."""
        if not self.unit_id:
            return None
        return per_request(("figures.scope_unit", self.unit_id), lambda: Unit.get_or_none(Unit.id == self.unit_id))

    def subtree_ids(self) -> list[int]:
        """The ids of the scope's unit and those below it (none for an unknown unit), read once per request."""
        unit = self.unit()
        if unit is None:
            return []
        return permissions.subtree_ids(unit)

    def condition(self, with_archived: bool = False, credited: bool = False,
                  columns: ProjectColumns = PROJECT_COLUMNS):
        """The WHERE condition on Project for this scope (archived projects excluded unless asked).
        ``credited``: the query joins the credit shares (``credit_parts.credited``), which choose the unit's
        projects themselves; else a unit's projects are those it hosts or sourced as a team.
        ``columns``: written on these copies of the project's columns instead."""
        c = columns
        cond = peewee.SQL("1 = 1") if with_archived else c.archived == False  # noqa: E712
        if self.unit_id and not credited:  # a team: what it sourced
            cond &= permissions.units_projects_condition(self.subtree_ids(), c.responsible_unit, c.source_team)
        if self.industry:
            cond &= c.industry_code == self.industry
        if self.team_id:
            cond &= c.source_team == self.team_id
        return cond

    def query_args(self) -> dict:
        args = {}
        if self.unit_id:
            args["unit"] = self.unit_id
        if self.industry:
            args["industry"] = self.industry
        if self.team_id:
            args["team"] = self.team_id
        return args

    def narrowed(self, **changes) -> "Scope":
        values = {"unit_id": self.unit_id, "industry": self.industry, "team_id": self.team_id,
                  "credited_to": self.credited_to}
        values.update(changes)
        return Scope(**values)
