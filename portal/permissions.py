"""Every permission decision of the portal, in one place.

Roles (codes as in ``portal users list``):
- admin: manages units, users and plugins; reads everything; restores archived projects.
- bureau: the Investment Promotion Bureau's staff; reads and edits everything,
  verifies stage changes, moves stages backwards and corrects dates.
- unit: staff of a county, zone, town or team; reads and edits the records of
  their unit and every unit below it.
- department: staff of a municipal department; reads its own unit's records and
  the projects where it holds a problem or commitment; answers its problems.
- leader: reads everything, edits nothing.

Views ask these functions; they never test roles themselves.
"""
from __future__ import annotations

import peewee

from portal.models import Project, Unit, User

SEES_EVERYTHING = frozenset({"admin", "bureau", "leader"})
EDITS_EVERYTHING = frozenset({"bureau"})

#: Callables ``fn(user) -> query of project ids`` that grant a department read
#: access to extra projects (the problems feature adds "holds a problem there").
DEPARTMENT_PROJECT_ACCESS: list = []


def _logged_in(user) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False) and getattr(user, "active", False)


def sees_everything(user: User) -> bool:
    return _logged_in(user) and user.role in SEES_EVERYTHING


def is_admin(user: User) -> bool:
    return _logged_in(user) and user.role == "admin"


def is_bureau(user: User) -> bool:
    return _logged_in(user) and user.role in EDITS_EVERYTHING


def can_manage_organisation(user: User) -> bool:
    """Create and deactivate units and users, unlock accounts, manage plugins."""
    return is_admin(user)


def can_read_audit_log(user: User) -> bool:
    return is_admin(user) or is_bureau(user)


# Units -------------------------------------------------------------------

def can_read_unit(user: User, unit: Unit) -> bool:
    """May the user read this unit's records (projects, reports, problems)?"""
    if not _logged_in(user) or unit is None:
        return False
    if sees_everything(user):
        return True
    return unit.is_within(user.unit)


def can_edit_unit(user: User, unit: Unit) -> bool:
    """May the user create or change this unit's records?"""
    if not _logged_in(user) or unit is None:
        return False
    if is_bureau(user):
        return True
    if user.role == "unit":
        return unit.is_within(user.unit)
    return False


def readable_unit_ids(user: User):
    """A subquery of the unit ids whose records the user reads, or None for all units."""
    if sees_everything(user):
        return None
    if not _logged_in(user):
        return Unit.select(Unit.id).where(peewee.SQL("1 = 0"))
    return Unit.select(Unit.id).where(Unit.path.startswith(user.unit.path))


def editable_units(user: User):
    """The active units the user may file records for (choices in forms)."""
    query = Unit.select().where(Unit.active == True).order_by(Unit.path)  # noqa: E712
    if is_bureau(user):
        return query
    if _logged_in(user) and user.role == "unit":
        return query.where(Unit.path.startswith(user.unit.path))
    return query.where(peewee.SQL("1 = 0"))


# Projects ------------------------------------------------------------------

def visible_projects(user: User, query=None):
    """Restrict a project query to the projects the user may read."""
    query = query if query is not None else Project.select()
    if sees_everything(user):
        return query
    if not _logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    condition = Project.responsible_unit.in_(readable_unit_ids(user))
    if user.role == "department":
        for grant in DEPARTMENT_PROJECT_ACCESS:
            condition = condition | Project.id.in_(grant(user))
    return query.where(condition)


def can_read_project(user: User, project: Project) -> bool:
    if not _logged_in(user) or project is None:
        return False
    if sees_everything(user) or can_read_unit(user, project.responsible_unit):
        return True
    if user.role == "department":
        return any(
            Project.select().where(Project.id == project.id, Project.id.in_(grant(user))).exists()
            for grant in DEPARTMENT_PROJECT_ACCESS
        )
    return False


def can_create_project(user: User) -> bool:
    return is_bureau(user) or (_logged_in(user) and user.role == "unit")


def can_edit_project(user: User, project: Project) -> bool:
    if project is None or (project.archived and not is_bureau(user)):
        return False
    return can_edit_unit(user, project.responsible_unit)


def can_correct_stages(user: User) -> bool:
    """Move a project backwards or correct a stage date (with a reason)."""
    return is_bureau(user)


def can_verify_stages(user: User) -> bool:
    return is_bureau(user)


def can_archive_project(user: User, project: Project) -> bool:
    return can_edit_project(user, project)


def can_restore_project(user: User) -> bool:
    return is_admin(user)


def can_see_confidential(user: User, project: Project) -> bool:
    """The investor of a confidential project is shown only to the owning unit, the bureau and leaders."""
    if not project.is_confidential:
        return True
    if sees_everything(user):
        return True
    return _logged_in(user) and project.responsible_unit.is_within(user.unit)


# Assessment and ranking --------------------------------------------------------

def can_read_ranking(user: User) -> bool:
    """The ranking is published within the city: every logged-in user reads it."""
    return _logged_in(user)


def can_edit_targets(user: User) -> bool:
    """Only the bureau enters and uploads units' annual targets."""
    return is_bureau(user)


def can_read_top_ten_candidates(user: User) -> bool:
    """The candidate list (every project of the year) is for those who see everything."""
    return sees_everything(user)


def can_select_top_ten(user: User) -> bool:
    """Only the bureau records the year's "Top ten projects"."""
    return is_bureau(user)
