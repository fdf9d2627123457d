"""Every permission decision of the portal, in one place.

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

Views ask these functions; they never test roles themselves.
"""
from __future__ import annotations

import peewee

from portal.models import Contact, Enterprise, EventUnit, Project, PromotionEvent, Unit, User

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


def can_read_sign_in_log(user: User) -> bool:
    """Sign-ins, failed sign-ins and the addresses they came from: administrators only."""
    return is_admin(user)


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

def units_projects_condition(unit_ids):
    """A SQL condition on Project: the projects of these units (a query of unit ids) — those
    they are responsible for and those they sourced as a stationed team (the ranking credits
    the team with them, so the team follows them up)."""
    return Project.responsible_unit.in_(unit_ids) | Project.source_team.in_(unit_ids)


def _sourced_by_users_unit(user: User, project: Project) -> bool:
    """Did the user's unit (or one below it) source this project as a stationed team?
    (Asked by id: pages load the source team with its name only.)"""
    if project.source_team_id is None:
        return False
    return Unit.select().where(Unit.id == project.source_team_id, Unit.path.startswith(user.unit.path)).exists()


def visible_projects(user: User, query=None):
    """Restrict a project query to the projects the user may read."""
    query = query if query is not None else Project.select()
    if sees_everything(user):
        return query
    if not _logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    condition = units_projects_condition(readable_unit_ids(user))
    if user.role == "department":
        for grant in DEPARTMENT_PROJECT_ACCESS:
            condition = condition | Project.id.in_(grant(user))
    return query.where(condition)


def can_read_project(user: User, project: Project) -> bool:
    if not _logged_in(user) or project is None:
        return False
    if sees_everything(user) or can_read_unit(user, project.responsible_unit):
        return True
    if _sourced_by_users_unit(user, project):
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
    return _logged_in(user) and (project.responsible_unit.is_within(user.unit)
                                 or _sourced_by_users_unit(user, project))


def sees_investor_condition(user: User):
    """SQL on Project mirroring ``can_see_confidential``: the rows whose investor ``user`` may read."""
    if sees_everything(user):
        return peewee.SQL("1 = 1")
    not_confidential = Project.is_confidential == False  # noqa: E712
    if not _logged_in(user):
        return not_confidential
    return not_confidential | units_projects_condition(readable_unit_ids(user))


# Problems, commitments and notifications (problems feature) -------------------------

def _units_projects(user: User):
    """A subquery of the ids of the user's units' projects (responsible for or sourced)."""
    return Project.select(Project.id).where(units_projects_condition(readable_unit_ids(user)))


def _own_project(user: User, project: Project) -> bool:
    """Is the project one of the user's units' (responsible for or sourced)?"""
    return project.responsible_unit.is_within(user.unit) or _sourced_by_users_unit(user, project)


def visible_problems(user: User, query=None):
    """Restrict a problem query: the bureau, leaders and admin read all; a department the problems
    assigned to its unit; unit staff those on their units' projects (or assigned to their units)."""
    from portal.models import Problem

    query = query if query is not None else Problem.select()
    if sees_everything(user):
        return query
    if not _logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    return query.where(Problem.assigned_unit.in_(readable_unit_ids(user))
                       | Problem.project.in_(_units_projects(user)))


def can_read_problem(user: User, problem) -> bool:
    if not _logged_in(user) or problem is None:
        return False
    if sees_everything(user):
        return True
    return problem.assigned_unit.is_within(user.unit) or _own_project(user, problem.project)


def can_raise_problem(user: User, project: Project) -> bool:
    """Anyone who may edit the project, and the bureau."""
    return is_bureau(user) or can_edit_project(user, project)


def can_answer_problem(user: User, problem) -> bool:
    """The assigned unit's staff (and staff of a unit above it) and the bureau."""
    if not _logged_in(user) or problem is None:
        return False
    if is_bureau(user):
        return True
    return user.role in ("department", "unit") and problem.assigned_unit.is_within(user.unit)


def can_hand_over_problem(user: User, problem) -> bool:
    return can_answer_problem(user, problem)


def can_confirm_problem(user: User, problem) -> bool:
    """Confirm a resolved problem closed, or reopen it: whoever raised it, or the bureau."""
    if not _logged_in(user) or problem is None:
        return False
    return is_bureau(user) or problem.raised_by_id == user.id


def has_problem_inbox(user: User) -> bool:
    return _logged_in(user) and user.role in ("bureau", "unit", "department")


def visible_commitments(user: User, query=None):
    """Commitments the user reads: all for those who see everything; else those of the user's units'
    projects or promised by the user's units."""
    from portal.models import Commitment

    query = query if query is not None else Commitment.select()
    if sees_everything(user):
        return query
    if not _logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    return query.where(Commitment.unit.in_(readable_unit_ids(user))
                       | Commitment.project.in_(_units_projects(user)))


def can_read_commitment(user: User, commitment) -> bool:
    if not _logged_in(user) or commitment is None:
        return False
    if sees_everything(user):
        return True
    return commitment.unit.is_within(user.unit) or _own_project(user, commitment.project)


def can_add_commitment(user: User, project: Project) -> bool:
    return is_bureau(user) or can_edit_project(user, project)


def can_fulfil_commitment(user: User, commitment) -> bool:
    """Record fulfilment: the bureau, the project's editors, or the promising unit's staff."""
    if not _logged_in(user) or commitment is None:
        return False
    if is_bureau(user) or can_edit_project(user, commitment.project):
        return True
    return user.role in ("department", "unit") and commitment.unit.is_within(user.unit)


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


# Weekly scheduling ----------------------------------------------------------------

def can_read_scheduling(user: User) -> bool:
    """The meeting page and the wall chart: every logged-in user, restricted to what they read."""
    return _logged_in(user)


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


def report_projects_condition(unit: Unit):
    """SQL on Project: the projects on a unit's weekly report (its subtree's, and those it sourced)."""
    return units_projects_condition(unit.subtree_ids())


def can_read_progress(user: User, unit: Unit) -> bool:
    """Read a unit's weekly report page (leaders and the bureau read every unit's)."""
    return can_read_unit(user, unit)


def can_edit_milestones(user: User, project: Project) -> bool:
    """Add and complete a project's milestones: whoever edits the project."""
    return can_edit_project(user, project)


# Dashboard (figures) -------------------------------------------------------------

def can_view_dashboard(user: User) -> bool:
    """Every logged-in user opens the dashboard; what it covers depends on the role."""
    return _logged_in(user)


def dashboard_unit(user: User) -> Unit | None:
    """The unit a user's figures are confined to (with its sub-units), or None for the whole city.

    Leaders, the bureau and administrators see the city; unit staff their subtree;
    departments their own unit. A unit's figures cover ``units_projects_condition``: a
    stationed team's are those of the projects it sourced.
    """
    if sees_everything(user):
        return None
    return user.unit


def can_view_dashboard_unit(user: User, unit: Unit) -> bool:
    """May the user see the figures of this unit (and its sub-units)?"""
    if not can_view_dashboard(user) or unit is None:
        return False
    confined = dashboard_unit(user)
    return confined is None or unit.is_within(confined)


# Plugins, industry chains and project review (plugin platform) ------------------------

def can_manage_industries(user: User) -> bool:
    """The portal's own industry list and chain links (used without a plugin system)."""
    return is_admin(user)


def can_manage_plugins(user: User) -> bool:
    """See every plugin with its errors, enable and disable plugins, choose the industry system."""
    return is_admin(user)


def can_read_chains(user: User) -> bool:
    """The chain pages (links, gaps, leader, team, targets); the projects on them stay filtered."""
    return _logged_in(user)


def can_edit_chain(user: User) -> bool:
    """Set a chain's leader and special team."""
    return is_bureau(user)


def can_add_target_enterprise(user: User) -> bool:
    """Departments keep the target-enterprise lists; the bureau may add to any."""
    return is_bureau(user) or (_logged_in(user) and user.role == "department")


def can_edit_target_enterprise(user: User, target) -> bool:
    if target is None or not _logged_in(user):
        return False
    if is_bureau(user):
        return True
    return user.role == "department" and target.unit_id == user.unit_id


def can_read_review(user: User, project: Project) -> bool:
    return can_read_project(user, project)


def can_decide_review(user: User, project: Project) -> bool:
    """Record the review decision on a project (the bureau)."""
    return is_bureau(user) and project is not None and not project.archived


# Sourcing: investors, contacts, promotion events, stationed teams (sourcing feature) ---------

def _writes_for_unit(user: User, unit: Unit) -> bool:
    """Bureau staff for every unit; unit and department staff for their own unit and those below."""
    if not _logged_in(user) or unit is None:
        return False
    if is_bureau(user):
        return True
    return user.role in ("unit", "department") and unit.is_within(user.unit)


def contact_units(user: User):
    """The active units a user may log contacts for (the choices of the contact form)."""
    query = Unit.select().where(Unit.active == True).order_by(Unit.path)  # noqa: E712
    if is_bureau(user):
        return query
    if _logged_in(user) and user.role in ("unit", "department"):
        return query.where(Unit.path.startswith(user.unit.path))
    return query.where(peewee.SQL("1 = 0"))


def readable_investors_condition(user: User):
    """SQL on Enterprise: the investors whose page ``user`` may open — as the project pages name
    them: those of a project the user reads with its investor shown (not masked), and those the
    user's units logged a contact with. An investor with neither projects nor contacts (a bare
    target) is open to all."""
    if sees_everything(user):
        return peewee.SQL("1 = 1")
    if not _logged_in(user):
        return peewee.SQL("1 = 0")
    seen = visible_projects(user, Project.select(Project.enterprise).where(Project.enterprise.is_null(False),
                                                                            sees_investor_condition(user)))
    own_contacts = Contact.select(Contact.enterprise).where(Contact.unit.in_(readable_unit_ids(user)))
    with_projects = Project.select(Project.enterprise).where(Project.enterprise.is_null(False))
    bare = Enterprise.id.not_in(with_projects) & Enterprise.id.not_in(Contact.select(Contact.enterprise))
    return Enterprise.id.in_(seen) | Enterprise.id.in_(own_contacts) | bare


def visible_investors(user: User, query=None):
    query = query if query is not None else Enterprise.select()
    return query.where(readable_investors_condition(user))


def can_read_investor(user: User, enterprise) -> bool:
    if enterprise is None or not _logged_in(user):
        return False
    return visible_investors(user, Enterprise.select().where(Enterprise.id == enterprise.id)).exists()


def investor_projects(user: User, enterprise, query=None):
    """The investor's projects ``user`` may read *and* whose investor they may see: a project
    whose investor is masked for them is left out (listing it under the investor would tell the
    very link the mask hides)."""
    query = query if query is not None else Project.select()
    query = query.where(Project.enterprise == enterprise.id, sees_investor_condition(user))
    return visible_projects(user, query)


def visible_contacts(user: User, query=None):
    """Contacts the user reads: all for those who see everything; else those of the user's units."""
    query = query if query is not None else Contact.select()
    if sees_everything(user):
        return query
    if not _logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    return query.where(Contact.unit.in_(readable_unit_ids(user)))


def can_read_contact(user: User, contact) -> bool:
    if not _logged_in(user) or contact is None:
        return False
    return sees_everything(user) or contact.unit.is_within(user.unit)


def can_log_contact(user: User, enterprise) -> bool:
    """Log a contact with an investor: whoever reads the investor and may write for some unit."""
    return can_read_investor(user, enterprise) and contact_units(user).exists()


def can_edit_contact(user: User, contact) -> bool:
    """Correct or delete a logged contact: the bureau, and the staff of the unit in touch."""
    return contact is not None and _writes_for_unit(user, contact.unit)


def visible_events(user: User, query=None):
    """Promotion events the user reads: all for those who see everything; else those kept by the
    user's units or in which one of them takes part."""
    query = query if query is not None else PromotionEvent.select()
    if sees_everything(user):
        return query
    if not _logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    units = readable_unit_ids(user)
    taking_part = EventUnit.select(EventUnit.event).where(EventUnit.unit.in_(units))
    return query.where(PromotionEvent.unit.in_(units) | PromotionEvent.id.in_(taking_part))


def can_read_event(user: User, event) -> bool:
    if not _logged_in(user) or event is None:
        return False
    return visible_events(user, PromotionEvent.select().where(PromotionEvent.id == event.id)).exists()


def can_create_event(user: User) -> bool:
    return is_bureau(user) or (_logged_in(user) and user.role == "unit")


def can_edit_event(user: User, event) -> bool:
    """Edit an event's record: the bureau, and the staff of the unit keeping it."""
    if event is None or not _logged_in(user):
        return False
    return is_bureau(user) or (user.role == "unit" and event.unit.is_within(user.unit))


def can_link_event_project(user: User, event, project: Project) -> bool:
    """Say a project was signed or sourced at an event (or take that back): who edits the
    project, at an event they read."""
    return can_read_event(user, event) and can_edit_project(user, project)


def can_read_team(user: User, team: Unit) -> bool:
    """A stationed team's workspace (visit log, results): its staff, units above it, and those
    who see everything."""
    return team is not None and team.kind == "team" and can_read_unit(user, team)


# API tokens (portal/api) ------------------------------------------------------------

def can_have_api_tokens(user: User) -> bool:
    """Every signed-in user may make tokens for their own scripts: a token reads and writes only
    what its user may in the pages."""
    return _logged_in(user)


def can_revoke_api_token(user: User, token) -> bool:
    """Its owner, and administrators (a lost laptop, a colleague who left)."""
    return _logged_in(user) and token is not None and (token.user_id == user.id or is_admin(user))


def can_read_all_api_tokens(user: User) -> bool:
    return is_admin(user)
