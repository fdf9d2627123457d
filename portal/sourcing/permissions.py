"""Who may do what in sourcing's own features (credit shares); the
core's checks (reading projects, teams) stay in portal.permissions."""
from __future__ import annotations

from portal import permissions
from portal.models import Project, Unit, User


def can_set_credit(user: User, project: Project) -> bool:
    """The bureau decides how a project's credit is shared (成果认定), for projects it may read."""
    return permissions.is_bureau(user) and permissions.can_read_project(user, project)



def readable_teams(user: User):
    """The stationed teams whose workspace and results the user may read."""
    teams = Unit.select().where(Unit.kind == "team").order_by(Unit.path)
    if permissions.sees_everything(user):
        return teams
    return teams.where(Unit.id.in_(permissions.readable_unit_ids(user)))


def can_plan_team(user: User, team: Unit) -> bool:
    """The bureau sets a stationed team's quotas and regions (the team and its readers see them)."""
    return permissions.is_bureau(user) and team.kind == "team"
