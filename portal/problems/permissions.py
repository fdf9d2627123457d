"""Who may read and change problems, commitments and the problem inbox (problems feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

import peewee

from portal.models import Commitment, Problem, Project, User
from portal.permissions import (
    can_edit_project, is_bureau, logged_in, readable_unit_ids, sees_everything, sourced_by_users_unit,
    units_projects_condition,
)


def _on_units_project(user: User, project_field):
    """SQL: ``project_field`` is one of the user's units' projects (responsible for or sourced), asked of
    each row (EXISTS): problems and commitments are few, a unit's projects many. As a set of ids, a
    county's 20,000 were read for each of /problems' four queries (100,000 projects: 14 ms each)."""
    own = Project.alias("own")
    units = units_projects_condition(readable_unit_ids(user), own.responsible_unit, own.source_team)
    return peewee.fn.EXISTS(own.select(peewee.SQL("1")).where(own.id == project_field, units))


def _own_project(user: User, project: Project) -> bool:
    """Is the project one of the user's units' (responsible for or sourced)?"""
    return project.responsible_unit.is_within(user.unit) or sourced_by_users_unit(user, project)


def visible_problems(user: User, query=None):
    """Restrict a problem query: the bureau, leaders and admin read all; a department the problems
    assigned to its unit; unit staff those on their units' projects (or assigned to their units)."""
    query = query if query is not None else Problem.select()
    if sees_everything(user):
        return query
    if not logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    return query.where(Problem.assigned_unit.in_(readable_unit_ids(user)) | _on_units_project(user, Problem.project))


def can_read_problem(user: User, problem) -> bool:
    if not logged_in(user) or problem is None:
        return False
    if sees_everything(user):
        return True
    return problem.assigned_unit.is_within(user.unit) or _own_project(user, problem.project)


def can_raise_problem(user: User, project: Project) -> bool:
    """Anyone who may edit the project, and the bureau."""
    return is_bureau(user) or can_edit_project(user, project)


def can_answer_problem(user: User, problem) -> bool:
    """The assigned unit's staff (and staff of a unit above it) and the bureau."""
    if not logged_in(user) or problem is None:
        return False
    if is_bureau(user):
        return True
    return user.role in ("department", "unit") and problem.assigned_unit.is_within(user.unit)


def can_hand_over_problem(user: User, problem) -> bool:
    return can_answer_problem(user, problem)


def can_confirm_problem(user: User, problem) -> bool:
    """Confirm a resolved problem closed, or reopen it: whoever raised it, or the bureau."""
    if not logged_in(user) or problem is None:
        return False
    return is_bureau(user) or problem.raised_by_id == user.id


def has_problem_inbox(user: User) -> bool:
    return logged_in(user) and user.role in ("bureau", "unit", "department")


def visible_commitments(user: User, query=None):
    """Commitments the user reads: all for those who see everything; else those of the user's units'
    projects or promised by the user's units."""
    query = query if query is not None else Commitment.select()
    if sees_everything(user):
        return query
    if not logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    return query.where(Commitment.unit.in_(readable_unit_ids(user)) | _on_units_project(user, Commitment.project))


def can_read_commitment(user: User, commitment) -> bool:
    if not logged_in(user) or commitment is None:
        return False
    if sees_everything(user):
        return True
    return commitment.unit.is_within(user.unit) or _own_project(user, commitment.project)


def can_add_commitment(user: User, project: Project) -> bool:
    return is_bureau(user) or can_edit_project(user, project)


def can_fulfil_commitment(user: User, commitment) -> bool:
    """Record fulfilment: the bureau, the project's editors, or the promising unit's staff."""
    if not logged_in(user) or commitment is None:
        return False
    if is_bureau(user) or can_edit_project(user, commitment.project):
        return True
    return user.role in ("department", "unit") and commitment.unit.is_within(user.unit)
