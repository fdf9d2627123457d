"""Sourcing rules: logging contacts, keeping events and their projects (each change audited in
the same transaction), the clue follow-up clock, and the figures per event and per team."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee

from portal import audit, plugins, timeutil
from portal.db import database
from portal.models import Contact, EventProject, EventUnit, Project, PromotionEvent, StageChange
from portal.models.fields import utcnow

CONTACT_FIELDS = ("kind", "happened_on", "unit", "project", "participants", "place", "summary", "next_step")
EVENT_FIELDS = ("name", "kind", "city", "starts_on", "ends_on", "organiser", "leaders", "note", "unit")


def _values(record, fields) -> dict:
    return {name: getattr(record, name) for name in fields}


def _audited(changes: dict, kind_key: str) -> dict:
    """The changes as the history shows them: ``kind`` under a name of its own (the problems
    feature labels a plain ``kind`` as a commitment's)."""
    return {(kind_key if name == "kind" else name): pair for name, pair in changes.items()}


def _followed_up(project_id, enterprise_id, user) -> None:
    """A contact restarts the follow-up clock of its project, or (about no project in particular)
    of every clue of its investor: their flags are recomputed."""
    if project_id is not None:
        projects = Project.select().where(Project.id == project_id)
    else:
        projects = Project.select().where(Project.enterprise == enterprise_id, Project.stage == "clue",
                                          Project.archived == False)  # noqa: E712
    for project in projects:
        plugins.project_changed(project, "contact", user)


# Contacts --------------------------------------------------------------------------------------

def log_contact(enterprise, user, **values) -> Contact:
    with database.atomic():
        contact = Contact.create(enterprise=enterprise, by=user, **values)
        audit.record("contact_create", "contact", contact.id, _audited(
            {name: [None, getattr(contact, name)] for name in CONTACT_FIELDS if getattr(contact, name)},
            "contact_kind"), note=enterprise.name, user=user)
        _followed_up(contact.project_id, enterprise.id, user)
    return contact


def edit_contact(contact, user, **values) -> bool:
    """Save changed fields; nothing (no audit entry) when nothing changed."""
    before = _values(contact, CONTACT_FIELDS)
    changes = audit.diff(before, {name: values[name] for name in CONTACT_FIELDS if name in values})
    if not changes:
        return False
    old_project = contact.project_id
    with database.atomic():
        for name, value in values.items():
            setattr(contact, name, value)
        contact.updated_at = utcnow()
        contact.save()
        audit.record("contact_edit", "contact", contact.id, _audited(changes, "contact_kind"),
                     note=contact.enterprise.name, user=user)
        for project_id in {old_project, contact.project_id}:
            _followed_up(project_id, contact.enterprise_id, user)
    return True


def delete_contact(contact, user) -> None:
    with database.atomic():
        audit.record("contact_delete", "contact", contact.id, _audited(
            {name: [getattr(contact, name), None] for name in CONTACT_FIELDS if getattr(contact, name)},
            "contact_kind"), note=contact.enterprise.name, user=user)
        project_id, enterprise_id = contact.project_id, contact.enterprise_id
        contact.delete_instance()
        _followed_up(project_id, enterprise_id, user)


def last_contact_dates(project_ids, until: dt.date | None = None) -> dict[int, dt.date]:
    """``{project id: date of its latest logged contact}`` (up to ``until``): a contact about the
    project, or one with its investor about no project in particular."""
    ids = list(project_ids)
    if not ids:
        return {}
    latest = peewee.fn.MAX(Contact.happened_on)
    about_project = (Contact.select(Contact.project, latest).where(Contact.project.in_(ids))
                     .group_by(Contact.project))
    with_investor = (Project.select(Project.id, latest)
                     .join(Contact, on=(Contact.enterprise == Project.enterprise))
                     .where(Project.id.in_(ids), Contact.project.is_null()).group_by(Project.id))
    if until is not None:
        about_project = about_project.where(Contact.happened_on <= until)
        with_investor = with_investor.where(Contact.happened_on <= until)
    dates: dict[int, dt.date] = {}
    for query in (about_project, with_investor):
        for pid, day in query.tuples():
            day = _as_date(day)
            if day and (pid not in dates or day > dates[pid]):
                dates[pid] = day
    return dates


def last_follow_up(projects, until: dt.date | None = None) -> dict[int, dt.date]:
    """``{project id: latest of its last logged contact and last stage change}``: what the clue
    follow-up clock counts from. One query (the project page had three grouped maxima)."""
    projects = list(projects)
    latest: dict[int, dt.date] = {}
    if projects:
        for pid, *days in _latest_touches([p.id for p in projects], until).tuples():
            days = [day for day in map(_as_date, days) if day]
            if days:
                latest[pid] = max(days)
    for project in projects:  # a clue entered without a stage change counts from its clue date
        if project.id not in latest and project.clue_on:
            latest[project.id] = project.clue_on
    return latest


def _latest_touches(ids, until):
    """Per project: its latest contact, its investor's latest contact about no project in
    particular, its latest stage change (each up to ``until``): three indexed maxima per row."""
    investor_contact = Contact.alias()

    def up_to(query, column):
        return query.where(column <= until) if until is not None else query

    about_project = up_to(Contact.select(peewee.fn.MAX(Contact.happened_on))
                          .where(Contact.project == Project.id), Contact.happened_on)
    with_investor = up_to(investor_contact.select(peewee.fn.MAX(investor_contact.happened_on))
                          .where(investor_contact.enterprise == Project.enterprise,
                                 investor_contact.project.is_null()), investor_contact.happened_on)
    changed = up_to(StageChange.select(peewee.fn.MAX(StageChange.on_date))
                    .where(StageChange.project == Project.id), StageChange.on_date)
    return Project.select(Project.id, about_project, with_investor, changed).where(Project.id.in_(ids))


def days_since_follow_up(projects, today: dt.date | None = None) -> dict[int, int]:
    """``{clue project id: whole days since its last contact or stage change}``."""
    today = today or timeutil.today()
    clues = [p for p in projects if p.stage == "clue"]
    return {pid: (today - day).days for pid, day in last_follow_up(clues, today).items()}


def _as_date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite returns MAX() of a date as text


# Events ----------------------------------------------------------------------------------------

def create_event(user, units, **values) -> PromotionEvent:
    with database.atomic():
        event = PromotionEvent.create(created_by=user, **values)
        for unit in units:
            EventUnit.create(event=event, unit=unit)
        changes = {name: [None, getattr(event, name)] for name in EVENT_FIELDS if getattr(event, name)}
        if units:
            changes["units"] = [None, ", ".join(u.name for u in units)]
        audit.record("event_create", "promotion_event", event.id, _audited(changes, "event_kind"), user=user)
    return event


def event_units(event) -> list:
    from portal.models import Unit

    return list(Unit.select().join(EventUnit).where(EventUnit.event == event.id).order_by(Unit.path))


def edit_event(event, user, units, **values) -> bool:
    """Save changed fields and participating units; nothing (no audit entry) when nothing changed."""
    changes = audit.diff(_values(event, EVENT_FIELDS), values)
    old_units = event_units(event)
    if {u.id for u in old_units} != {u.id for u in units}:
        changes["units"] = [", ".join(u.name for u in old_units), ", ".join(u.name for u in units)]
    if not changes:
        return False
    with database.atomic():
        for name, value in values.items():
            setattr(event, name, value)
        event.updated_at = utcnow()
        event.save()
        EventUnit.delete().where(EventUnit.event == event.id).execute()
        for unit in units:
            EventUnit.create(event=event, unit=unit)
        audit.record("event_edit", "promotion_event", event.id, _audited(changes, "event_kind"), user=user)
    return True


def link_project(event, project, role, user) -> bool:
    """Record that the project was signed or sourced at the event; False when it already was (the
    role is updated)."""
    with database.atomic():
        link = EventProject.get_or_none(EventProject.event == event.id, EventProject.project == project.id)
        if link is not None:
            if link.role == role:
                return False
            audit.record("event_link", "project", project.id, {"at_event": [link.role, role]}, note=event.name,
                         user=user)
            EventProject.update(role=role).where(EventProject.id == link.id).execute()
            return True
        EventProject.create(event=event, project=project, role=role, by=user)
        audit.record("event_link", "project", project.id,
                     {"promotion_event": [None, event.name], "at_event": [None, role]}, note=event.name, user=user)
    return True


def unlink_project(event, project, user) -> None:
    with database.atomic():
        deleted = (EventProject.delete()
                   .where(EventProject.event == event.id, EventProject.project == project.id).execute())
        if deleted:
            audit.record("event_unlink", "project", project.id, {"promotion_event": [event.name, None]},
                         note=event.name, user=user)


def _is_signed(project) -> bool:
    return project.signed_on is not None or project.stage in ("signed", "started", "completed", "production")


def _has_started(project) -> bool:
    return project.started_on is not None or project.stage in ("started", "completed", "production")


def _tally() -> dict:
    return {"projects": 0, "investment": Decimal(0), "signed": 0, "signed_investment": Decimal(0), "started": 0}


def _add(tally: dict, project) -> None:
    tally["projects"] += 1
    tally["investment"] += project.total_investment or 0
    if _is_signed(project):
        tally["signed"] += 1
        tally["signed_investment"] += project.total_investment or 0
        tally["started"] += _has_started(project)


def event_results(event, industry_label) -> dict:
    """An event's results over every project linked to it (figures, not names): the total, by
    responsible unit and by industry, and how many of its signed projects have since started."""
    from portal.models import Unit

    projects = list(Project.select(Project, Unit).join(Unit, on=(Project.responsible_unit == Unit.id))
                    .join_from(Project, EventProject, on=(EventProject.project == Project.id))
                    .where(EventProject.event == event.id, Project.archived == False))  # noqa: E712
    total, by_unit, by_industry = _tally(), {}, {}
    for project in projects:
        _add(total, project)
        unit = project.responsible_unit
        _add(by_unit.setdefault(unit.path, {"label": unit.name, **_tally()}), project)
        _add(by_industry.setdefault(project.industry_code, {"label": industry_label(project.industry_code),
                                                            **_tally()}), project)
    return {"total": total, "by_unit": [by_unit[k] for k in sorted(by_unit)],
            "by_industry": sorted(by_industry.values(), key=lambda row: (-row["investment"], str(row["label"])))}


def events_in(period, query=None):
    """Events that overlap the period, by start date."""
    query = query if query is not None else PromotionEvent.select()
    return query.where(PromotionEvent.starts_on <= period.end, PromotionEvent.ends_on >= period.start).order_by(
        PromotionEvent.starts_on, PromotionEvent.id)


# Stationed teams -----------------------------------------------------------------------------

def team_months(team, year: int) -> list[dict]:
    """A team's results per month of ``year``: new clues it sourced, projects signed (and their
    total investment), and visits and other contacts it logged."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = [{"month": m, "clues": 0, "signed": 0, "signed_investment": Decimal(0), "contacts": 0}
            for m in range(1, 13)]
    sourced = (Project.select(Project.clue_on, Project.signed_on, Project.total_investment)
               .where(Project.source_team == team.id, Project.archived == False))  # noqa: E712
    for project in sourced:
        if project.clue_on and start <= project.clue_on <= end:
            rows[project.clue_on.month - 1]["clues"] += 1
        if project.signed_on and start <= project.signed_on <= end:
            row = rows[project.signed_on.month - 1]
            row["signed"] += 1
            row["signed_investment"] += project.total_investment or 0
    for (day,) in (Contact.select(Contact.happened_on)
                   .where(Contact.unit == team.id, Contact.happened_on.between(start, end)).tuples()):
        rows[_as_date(day).month - 1]["contacts"] += 1
    return rows


def totals(rows: list[dict]) -> dict:
    keys = ("clues", "signed", "signed_investment", "contacts")
    return {key: sum((row[key] for row in rows), Decimal(0) if key == "signed_investment" else 0) for key in keys}
