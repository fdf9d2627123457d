"""Who may read and change investors, contacts, promotion events and stationed teams (sourcing feature).

Built on the core's rules in ``portal.permissions`` (units, projects); the same answer rule:
a record the user may not read is 404, an action they may not take on one they read is 403.
"""
from __future__ import annotations

import functools
import operator

import peewee

from portal.db import backend
from portal.sourcing import bare_investors
from portal.models import Contact, Enterprise, EventUnit, Project, PromotionEvent, Unit, User
from portal.permissions import (
    can_create_project, can_edit_project, can_read_project, can_read_unit, is_bureau, logged_in, readable_unit_ids,
    sees_everything, sees_investor_condition, units_hold_many_projects, visible_parts, visible_projects,
)


def _writes_for_unit(user: User, unit: Unit) -> bool:
    """Bureau staff for every unit; unit and department staff for their own unit and those below."""
    if not logged_in(user) or unit is None:
        return False
    if is_bureau(user):
        return True
    return user.role in ("unit", "department") and unit.is_within(user.unit)


def contact_units(user: User):
    """The active units a user may log contacts for (the choices of the contact form)."""
    query = Unit.select().where(Unit.active == True).order_by(Unit.path)  # noqa: E712
    if is_bureau(user):
        return query
    if logged_in(user) and user.role in ("unit", "department"):
        return query.where(Unit.path.startswith(user.unit.path))
    return query.where(peewee.SQL("1 = 0"))


def readable_investors_condition(user: User, *, one_by_one: bool | None = None):
    """SQL on Enterprise: the investors whose page ``user`` may open — as the project pages name
    them: those of a project the user reads with its investor shown (not masked), and those the
    user's units logged a contact with. An investor with neither projects nor contacts (a bare
    target) is open to all.

    Two ways to ask whether the user reads a project of the investor, with the same answer (figures:
    PostgreSQL, 100,300 projects, the first page of /investors and its count):
    - one by one (EXISTS for each investor, in migration 0054's index of the projects' investors and
      units): the page stops at its 50th investor. Fast where most investors are the user's: a
      county's page 0.5 ms, its count 8 ms (24 and 31 ms as sets). A department with five projects
      would wait while every investor's projects are tested for none of its own: 30 ms.
    - as one set of ids (IN): the user's projects read by their units' indexes, the contacts, the
      bare investors the database lists (``bare_investors``), then those investors by key and sorted.
      A department's page query runs in 0.2 ms on PostgreSQL at 100,300 projects (ORed, each
      investor tested in name order: 12 ms).
    ``one_by_one``: None to choose by permissions.units_hold_many_projects (MySQL: as sets, as before)."""
    if sees_everything(user):
        return peewee.SQL("1 = 1")
    if not logged_in(user):
        return peewee.SQL("1 = 0")
    units, grants = visible_parts(user)
    shown = sees_investor_condition(user)
    own = Project.select(Project.enterprise).where(units, shown)
    # The projects features grant one by one are few: always a set (asked one by one, each investor's
    # projects would be read from the table for their ids).
    granted = [Project.select(Project.enterprise).where(grant, shown) for grant in grants]
    contacted = Contact.select(Contact.enterprise).where(Contact.unit.in_(readable_unit_ids(user)))
    bare = bare_investors.unused(Enterprise.id)  # asked of each investor: two looks in an index
    if _asked_one_by_one(user) if one_by_one is None else one_by_one:
        return functools.reduce(operator.or_, [
            _exists(own, Project.enterprise), *(_in_set(query) for query in granted),
            _exists(contacted, Contact.enterprise), bare])
    # As one set of ids: the database reads the few ids, the bare investors from its list, then their
    # investors by key (ORed with ``bare``, PostgreSQL walked every investor in name order testing each).
    if not bare_investors.kept():
        return _in_set(functools.reduce(operator.or_, [own, *granted, contacted])) | bare
    return _in_set(functools.reduce(operator.or_, [own, *granted, contacted, bare_investors.listed()]))


def project_investors_condition(user: User):
    """SQL on Enterprise: the investors of the (not archived) projects ``user`` reads, where the
    project shows its investor to them (the API's /investors: no contacts, no bare targets). Asked
    for each investor or as a set, as for ``readable_investors_condition``."""
    if not logged_in(user):
        return peewee.SQL("1 = 0")
    projects = Project.select(Project.enterprise).where(Project.archived == False,  # noqa: E712
                                                        sees_investor_condition(user))
    projects = visible_projects(user, projects)
    return _exists(projects, Project.enterprise) if _asked_one_by_one(user) else _in_set(projects)


def _asked_one_by_one(user: User) -> bool:
    """Whether a user's investors are asked one by one (EXISTS) or as a set: one by one where the user's
    units hold many projects (permissions.units_hold_many_projects); as a set on MySQL, as before."""
    return units_hold_many_projects(user) and backend() != "mysql"


def _in_set(query):
    """Enterprise's id among the investors ``query`` selects."""
    return Enterprise.id.in_(query)


def _exists(query, investor):
    """EXISTS (``query`` where ``investor`` is Enterprise's id), asked for each investor. PostgreSQL
    would build the set of every row ``query`` yields (all a county's projects) before the page's
    first row; OFFSET 0 keeps it from rewriting the subquery so."""
    query = query.where(investor == Enterprise.id)
    return peewee.fn.EXISTS(query.offset(0) if backend() == "postgresql" else query)


def visible_investors(user: User, query=None):
    query = query if query is not None else Enterprise.select()
    return query.where(readable_investors_condition(user))


def can_read_investor(user: User, enterprise) -> bool:
    if enterprise is None or not logged_in(user):
        return False
    query = Enterprise.select().where(Enterprise.id == enterprise.id)
    return query.where(readable_investors_condition(user, one_by_one=True)).exists()


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
    if not logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    return query.where(Contact.unit.in_(readable_unit_ids(user)))


def can_read_contact(user: User, contact) -> bool:
    if not logged_in(user) or contact is None:
        return False
    return sees_everything(user) or contact.unit.is_within(user.unit)


def can_log_contact(user: User, enterprise) -> bool:
    """Log a contact with an investor: whoever reads the investor and may write for some unit."""
    return can_read_investor(user, enterprise) and contact_units(user).exists()


def can_edit_contact(user: User, contact) -> bool:
    """Correct or delete a logged contact: the bureau, and the staff of the unit in touch."""
    return contact is not None and _writes_for_unit(user, contact.unit)


def can_start_clue_from_contact(user: User, contact) -> bool:
    """Enter a clue from a logged visit or call (one that led to no project yet: the page says so):
    who may correct the contact and enter projects (the bureau, the staff of the unit in touch)."""
    return can_create_project(user) and can_edit_contact(user, contact)


def visible_events(user: User, query=None):
    """Promotion events the user reads: all for those who see everything; else those kept by the
    user's units or in which one of them takes part."""
    query = query if query is not None else PromotionEvent.select()
    if sees_everything(user):
        return query
    if not logged_in(user):
        return query.where(peewee.SQL("1 = 0"))
    units = readable_unit_ids(user)
    taking_part = EventUnit.select(EventUnit.event).where(EventUnit.unit.in_(units))
    return query.where(PromotionEvent.unit.in_(units) | PromotionEvent.id.in_(taking_part))


def can_read_event(user: User, event) -> bool:
    if not logged_in(user) or event is None:
        return False
    return visible_events(user, PromotionEvent.select().where(PromotionEvent.id == event.id)).exists()


def can_create_event(user: User) -> bool:
    return is_bureau(user) or (logged_in(user) and user.role == "unit")


def can_edit_event(user: User, event) -> bool:
    """Edit an event's record: the bureau, and the staff of the unit keeping it."""
    if event is None or not logged_in(user):
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


# Credit shares and the teams' plans ------------------------------------------------------

def can_set_credit(user: User, project: Project) -> bool:
    """The bureau decides how a project's credit is shared (成果认定), for projects it may read."""
    return is_bureau(user) and can_read_project(user, project)


def readable_teams(user: User):
    """The stationed teams whose workspace and results the user may read."""
    teams = Unit.select().where(Unit.kind == "team").order_by(Unit.path)
    if sees_everything(user):
        return teams
    return teams.where(Unit.id.in_(readable_unit_ids(user)))


def can_plan_team(user: User, team: Unit) -> bool:
    """The bureau sets a stationed team's quotas and regions (the team and its readers see them)."""
    return is_bureau(user) and team.kind == "team"
