"""Who may read and change the weekly meeting, progress reports and milestones (scheduling feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

from portal.models import Project, Unit, User
from portal.permissions import (can_edit_project, can_edit_unit, can_read_unit, logged_in, subtree_ids,
                                units_projects_condition)


def can_read_scheduling(user: User) -> bool:
    """The meeting page and the wall chart: every logged-in user, restricted to what they read."""
    return logged_in(user)


def can_report_progress(user: User, unit: Unit) -> bool:
    """Enter weekly progress for a unit's projects: unit staff for their subtree, the bureau for all."""
    return can_edit_unit(user, unit)


def can_report_project_progress(user: User, project: Project) -> bool:
    """Enter a project's weekly progress: its responsible unit's reporters, and those of the
    stationed team that sourced it (the team follows its projects up and is credited with them;
    it reports progress but does not edit the project's own fields)."""
    if project is None or project.archived:
        return False
    if can_report_progress(user, project.responsible_unit):
        return True
    if project.source_team_id is None:
        return False
    # Read afresh: pages load the source team with its name only.
    return can_report_progress(user, Unit.get_or_none(Unit.id == project.source_team_id))


def report_projects_condition(unit: Unit, responsible=Project.responsible_unit, source_team=Project.source_team):
    """SQL on Project: the projects on a unit's weekly report (its subtree's, and those it sourced);
    written on a table's copies of the two columns where given (the tally's)."""
    return units_projects_condition(subtree_ids(unit), responsible, source_team)


def can_read_progress(user: User, unit: Unit) -> bool:
    """Read a unit's weekly report page (leaders and the bureau read every unit's)."""
    return can_read_unit(user, unit)


def can_edit_milestones(user: User, project: Project) -> bool:
    """Add and complete a project's milestones: whoever edits the project."""
    return can_edit_project(user, project)
