"""The core's permission decisions: units, people, projects and investors.

Each feature decides about its own records in ``portal/<feature>/permissions.py``, built on
these functions; a feature that lets users read more projects (a department reads the projects
where it holds a problem) answers the ``portal_project_read_grants`` hook.

Roles (codes as in ``portal users list``):
- admin: manages units, users and plugins; reads everything; restores archived projects.
- bureau: the Investment Promotion Bureau's staff; reads and edits everything,
  verifies stage changes, moves stages backwards and corrects dates.
- unit: staff of a county, zone, town or team; reads and edits the records of
  their unit and every unit below it. A stationed team (驻点招商组) also reads the
  projects it sourced (``Project.source_team``) and their problems and commitments, and
  files their weekly progress; their own fields stay with the responsible unit.
- department: staff of a municipal department; reads its own unit's records and
  the projects where it holds a problem or commitment; answers its problems.
- leader: reads everything, edits nothing.

Views ask these functions; they never test roles themselves. A record the user may not read is
404 (its existence is not told); an action they may not take on a record they read is 403.
"""
from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

import peewee

from portal import plugins
from portal.db import refusal_spoils_nothing
from portal.models import Project, Unit, User
from portal.plugin_answers import BadReturnValue
from portal.web import per_request

SEES_EVERYTHING = frozenset({"admin", "bureau", "leader"})
EDITS_EVERYTHING = frozenset({"bureau"})


def logged_in(user) -> bool:
    return bool(user) and getattr(user, "is_authenticated", False) and getattr(user, "active", False)


def sees_everything(user: User) -> bool:
    return logged_in(user) and user.role in SEES_EVERYTHING


def is_admin(user: User) -> bool:
    return logged_in(user) and user.role == "admin"


def is_bureau(user: User) -> bool:
    return logged_in(user) and user.role in EDITS_EVERYTHING


def can_manage_organisation(user: User) -> bool:
    """Create and deactivate units and users, unlock accounts, manage plugins."""
    return is_admin(user)


def can_read_audit_log(user: User) -> bool:
    return is_admin(user) or is_bureau(user)


def can_read_sign_in_log(user: User) -> bool:
    """Sign-ins, failed sign-ins and the addresses they came from: administrators only."""
    return is_admin(user)


# Units -------------------------------------------------------------------

def can_read_unit(user: User, unit: Unit) -> bool:
    """May the user read this unit's records (projects, reports, problems)?"""
    if not logged_in(user) or unit is None:
        return False
    if sees_everything(user):
        return True
    return unit.is_within(user.unit)


def can_edit_unit(user: User, unit: Unit) -> bool:
    """May the user create or change this unit's records?"""
    if not logged_in(user) or unit is None:
        return False
    if is_bureau(user):
        return True
    if user.role == "unit":
        return unit.is_within(user.unit)
    return False


def subtree_ids(unit: Unit) -> list[int]:
    """``unit.subtree_ids()`` (the unit and those below it, a list: that method says why not a
    subquery), read once per request for each unit: every query of a page filters by it."""
    return per_request(("subtree_ids", unit.path), unit.subtree_ids)


def readable_unit_ids(user: User):
    """The ids of the units whose records the user reads (``subtree_ids``), or None for all units."""
    if sees_everything(user):
        return None
    if not logged_in(user):
        return []
    return subtree_ids(user.unit)


def editable_units(user: User):
    """The active units the user may file records for (choices in forms)."""
    query = Unit.select().where(Unit.active == True).order_by(Unit.path)  # noqa: E712
    if is_bureau(user):
        return query
    if logged_in(user) and user.role == "unit":
        return query.where(Unit.path.startswith(user.unit.path))
    return query.where(peewee.SQL("1 = 0"))


# Projects ------------------------------------------------------------------

def units_projects_condition(unit_ids, responsible=Project.responsible_unit, source_team=Project.source_team):
    """A SQL condition on Project: the projects of these units (a query of unit ids) — those
    they are responsible for and those they sourced as a stationed team (the ranking credits
    the team with them, so the team follows them up). ``responsible`` and ``source_team``: the
    columns holding those units (copies of the project's, in the figures' own tables)."""
    return responsible.in_(unit_ids) | source_team.in_(unit_ids)


def sourced_by_users_unit(user: User, project: Project) -> bool:
    """Did the user's unit (or one below it) source this project as a stationed team?
    (Asked by id: pages load the source team with its name only.)"""
    if project.source_team_id is None:
        return False
    return Unit.select().where(Unit.id == project.source_team_id, Unit.path.startswith(user.unit.path)).exists()


@dataclass(frozen=True)
class Grants:
    """What features let a user read besides their units' projects (``portal_project_read_grants``)."""

    queries: list  # each a query of project ids that the database accepted
    ids: list[int] | None  # the projects they grant; None for more than GRANTED_IDS_WRITTEN_OUT


def _grants(user: User) -> Grants:
    """The user's grants, read once per request. Each plugin's queries are read one by one, so that a
    query the database refuses, or one that selects no project ids, is that plugin's reported failure
    and grants nothing, and the page still renders (a plugin's answer is untrusted input)."""
    def read() -> Grants:
        queries, ids = [], set()
        for plugin, answer in plugins.call_with_plugins("portal_project_read_grants", user=user)[0]:
            for query in answer:
                found = _read_grant(plugin, query)
                if found is not None:
                    queries.append(query)
                    ids.update(found)
        return Grants(queries, None if len(ids) > GRANTED_IDS_WRITTEN_OUT else sorted(ids))

    return per_request(("grants", user.id), read)


def _read_grant(plugin: str, query) -> list[int] | None:
    """The project ids one grant selects (up to GRANTED_IDS_WRITTEN_OUT + 1), or None when the database
    refuses the query or it selects anything but ids (reported as the plugin's failure)."""
    try:
        with refusal_spoils_nothing():
            rows = list(query.limit(GRANTED_IDS_WRITTEN_OUT + 1).tuples())
        if any(len(row) != 1 or type(row[0]) is not int for row in rows):
            raise BadReturnValue("a grant must select project ids (Project.select(Project.id))")
    except Exception as exc:  # noqa: BLE001 - a plugin's query is untrusted: whatever it raises is its failure
        plugins.registry().report(plugin, "portal_project_read_grants", exc)
        return None
    return [row[0] for row in rows]


class GrantedOneByOne(Exception):
    """The user reads projects a feature grants one by one: a table of groups of projects cannot say which."""


def visible_condition(user: User, responsible=Project.responsible_unit, source_team=Project.source_team,
                      project_id=Project.id):
    """The SQL condition for the projects the user may read, or None when they read every project.
    Written on the project's columns, or on a table's copies of them (``project_id=None``: a table of
    groups, such as the tally, which raises GrantedOneByOne for a user with projects granted one by one)."""
    parts = visible_parts(user, responsible, source_team, project_id)
    if parts is None:
        return None
    units, grants = parts
    return functools.reduce(operator.or_, grants, units)


def visible_parts(user: User, responsible=Project.responsible_unit, source_team=Project.source_team,
                  project_id=Project.id) -> tuple | None:
    """``visible_condition`` in its parts: ``(the user's units' projects, [each grant's projects])``, or
    None when the user reads every project. For a query that must find each part's projects by its own
    index: PostgreSQL cannot join an index's answer to a grant's subquery in one OR, and reads every
    project instead (a department's investors at 100,000 projects: 30-45 ms)."""
    if sees_everything(user):
        return None
    if not logged_in(user):
        return peewee.SQL("1 = 0"), []
    grants = _grants(user)
    if grants.queries and project_id is None:
        raise GrantedOneByOne
    units = units_projects_condition(readable_unit_ids(user), responsible, source_team)
    if grants.ids is None:  # too many to write out
        return units, [project_id.in_(query) for query in grants.queries]
    # Written out by their ids, found by the primary key: as subqueries in the OR of visible_condition,
    # PostgreSQL found a department's few projects by reading a list's every project in its order
    # (100,000 projects: 114 ms for the first page of /projects; with the ids 0.7 ms).
    return units, [project_id.in_(grants.ids)] if grants.ids else []


#: Granted projects up to this many are written into the SQL by their ids, more as the grants' queries.
GRANTED_IDS_WRITTEN_OUT = 5000


#: From this share of the city's projects held by a user's units, the user "reads many projects".
MANY_PROJECTS_SHARE = 0.02


def units_hold_many_projects(user: User) -> bool:
    """Do the user's units hold MANY_PROJECTS_SHARE of the city's projects or more (the tally's count,
    once per request; projects a feature grants one by one are few and left aside)? Queries choose by
    it how to find what the user reads: in a list's own order where it is much of the city, by the
    user's units where it is little. True for those who read everything, and where the database keeps
    no tally (MySQL: the queries as before)."""
    from portal.figures import tally

    if sees_everything(user) or not tally.available():
        return True
    if not logged_in(user):
        return False

    def share() -> float:
        return tally.share(units_projects_condition(readable_unit_ids(user), tally.COLUMNS.responsible_unit,
                                                    tally.COLUMNS.source_team))

    return per_request(("units_share", user.id), share) >= MANY_PROJECTS_SHARE


def visible_projects(user: User, query=None):
    """Restrict a project query to the projects the user may read."""
    query = query if query is not None else Project.select()
    condition = visible_condition(user)
    return query if condition is None else query.where(condition)


def can_read_project(user: User, project: Project) -> bool:
    if not logged_in(user) or project is None:
        return False
    if sees_everything(user) or can_read_unit(user, project.responsible_unit):
        return True
    if sourced_by_users_unit(user, project):
        return True
    grants = _grants(user)
    if grants.ids is not None:
        return project.id in grants.ids
    return any(Project.select().where(Project.id == project.id, Project.id.in_(query)).exists()
               for query in grants.queries)


def can_create_project(user: User) -> bool:
    return is_bureau(user) or (logged_in(user) and user.role == "unit")


def can_edit_project(user: User, project: Project) -> bool:
    if project is None or (project.archived and not is_bureau(user)):
        return False
    return can_edit_unit(user, project.responsible_unit)


def can_change_investor_class(user: User, enterprise) -> bool:
    """Set an investor's class (Fortune Global 500, China 500, …, foreign-invested, listed), which
    every project of that investor counts by: the bureau and administrators always; unit staff for
    a new investor (``enterprise`` None) or one whose every project is a project of their units, so
    no other unit's figures move. (A signed project keeps its class at signing anyway.)"""
    if is_bureau(user) or is_admin(user):
        return True
    if not can_create_project(user):
        return False
    if enterprise is None:
        return True
    others = Project.select().where(Project.enterprise == enterprise.id,
                                    Project.responsible_unit.not_in(readable_unit_ids(user)))
    return not others.exists()


def can_import_projects(user: User) -> bool:
    """Import projects from a sheet (and undo an import): the bureau and the administrator."""
    return is_bureau(user) or is_admin(user)


def can_enter_history(user: User) -> bool:
    """Enter a new project at the stage it has reached, with the dates of the stages it passed,
    counted at once without a verification round: the bureau only (the staff who verify stage
    changes anyway; the administrator creates no projects, the units' entries are verified)."""
    return is_bureau(user)


def can_import_organisation(user: User) -> bool:
    """Import the unit tree and the users from a sheet: whoever creates units and users."""
    return can_manage_organisation(user)


def can_import_investors(user: User) -> bool:
    """Import investors with their class: the bureau (who changes any investor's class and edits
    every project; the administrator edits no project)."""
    return is_bureau(user)


def can_import_capital(user: User) -> bool:
    """Import capital in place for any project: the bureau, who records it on every project."""
    return is_bureau(user)


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
    """The investor of a confidential project is shown only to the owning unit, the bureau,
    leaders and the stationed team that sourced it (it brought the investor in)."""
    if not project.is_confidential:
        return True
    if sees_everything(user):
        return True
    return logged_in(user) and (project.responsible_unit.is_within(user.unit)
                                 or sourced_by_users_unit(user, project))


def sees_investor_condition(user: User):
    """SQL on Project mirroring ``can_see_confidential``: the rows whose investor ``user`` may read."""
    if sees_everything(user):
        return peewee.SQL("1 = 1")
    not_confidential = Project.is_confidential == False  # noqa: E712
    if not logged_in(user):
        return not_confidential
    return not_confidential | units_projects_condition(readable_unit_ids(user))


# Industries ---------------------------------------------------------------------

def can_manage_industries(user: User) -> bool:
    """The portal's own industry list and chain links (used without a plugin system)."""
    return is_admin(user)
