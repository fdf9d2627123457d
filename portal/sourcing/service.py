"""Sourcing rules: logging contacts, keeping events and their projects (each change audited in
the same transaction), the clue follow-up clock, and the figures per event and per team."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee

from portal import audit, figures, plugins, timeutil, uploads
from portal.db import database
from portal.models import (Contact, ContactAttachment, EventProject, EventUnit, Project, PromotionEvent, StageChange,
                           User)
from portal.models.fields import utcnow
from portal.periods import Period

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

def log_contact(enterprise, user, files=(), **values) -> Contact:
    """Log a contact, with the files chosen on its form (each checked by the form already)."""
    with uploads.removed_unless_committed() as saved, database.atomic():
        contact = Contact.create(enterprise=enterprise, by=user, **values)
        audit.record("contact_create", "contact", contact.id, _audited(
            {name: [None, getattr(contact, name)] for name in CONTACT_FIELDS if getattr(contact, name)},
            "contact_kind"), note=enterprise.name, user=user)
        _attach(contact, user, files, saved)
        _followed_up(contact.project_id, enterprise.id, user)
    return contact


def edit_contact(contact, user, files=(), **values) -> bool:
    """Save changed fields and add the chosen files; nothing (no audit entry) when nothing changed
    and no file was chosen."""
    before = _values(contact, CONTACT_FIELDS)
    changes = audit.diff(before, {name: values[name] for name in CONTACT_FIELDS if name in values})
    if not changes and not files:
        return False
    old_project = contact.project_id
    with uploads.removed_unless_committed() as saved, database.atomic():
        if changes:
            for name, value in values.items():
                setattr(contact, name, value)
            contact.updated_at = utcnow()
            contact.save()
            audit.record("contact_edit", "contact", contact.id, _audited(changes, "contact_kind"),
                         note=contact.enterprise.name, user=user)
            for project_id in {old_project, contact.project_id}:
                _followed_up(project_id, contact.enterprise_id, user)
        _attach(contact, user, files, saved)
    return True


# A contact's files -------------------------------------------------------------------------------

def _attach(contact, user, files, saved: list[str]) -> None:
    for storage in files:
        stored = uploads.save(storage)
        saved.append(stored.stored_name)
        ContactAttachment.create(contact=contact.id, stored_name=stored.stored_name,
                                 original_name=stored.original_name, content_type=stored.content_type,
                                 size=stored.size, by=user.id)
        audit.record("contact_file_add", "contact", contact.id,
                     {"attachment": [None, stored.original_name], "file_size": [None, stored.size]},
                     note=contact.enterprise.name, user=user)


def remove_attachment(attachment: ContactAttachment, user) -> None:
    """Remove a file from its contact: the row and the stored file go, the audit entry keeps its
    name, size, type and who added it when (the file is deleted once the removal is committed)."""
    contact = attachment.contact
    with uploads.deleted_once_committed() as gone, database.atomic():
        audit.record("contact_file_remove", "contact", contact.id,
                     {"attachment": [attachment.original_name, None], "file_size": [attachment.size, None],
                      "file_type": [attachment.content_type, None], "added_by": [attachment.by.display_name, None],
                      "added_at": [attachment.at, None]},
                     note=contact.enterprise.name, user=user)
        attachment.delete_instance()
        gone.append(attachment.stored_name)


def attachments_of(contacts) -> list:
    """Give each contact its files (``contact.files``, in upload order, with who added them):
    one query for a whole list of contacts."""
    contacts = list(contacts)
    by_contact: dict[int, list] = {c.id: [] for c in contacts}
    if by_contact:
        query = (ContactAttachment.select(ContactAttachment, User.id, User.display_name)
                 .join(User, on=(ContactAttachment.by == User.id))
                 .where(ContactAttachment.contact.in_(list(by_contact)))
                 .order_by(ContactAttachment.at, ContactAttachment.id))
        for attachment in query:
            by_contact[attachment.contact_id].append(attachment)
    for contact in contacts:
        contact.files = by_contact[contact.id]
    return contacts


class ContactAlreadyLinked(Exception):
    """The contact led to another project meanwhile (two people entering a clue from it at once)."""


def link_contact_to_new_project(contact, project, user) -> None:
    """A clue entered from this contact: the contact names it from now on (audited like any
    correction), and the clue's follow-up clock starts at the contact. The contact is claimed
    with one conditional UPDATE, so of two clues entered from it at once only the first links;
    the second raises ContactAlreadyLinked (its caller's transaction then saves nothing)."""
    claimed = Contact.update(project=project.id).where(Contact.id == contact.id, Contact.project.is_null()).execute()
    if not claimed:
        raise ContactAlreadyLinked()
    edit_contact(contact, user, project=project)  # the in-memory contact still names no project: audited


def delete_contact(contact, user) -> None:
    """Delete a contact with its files (the audit entry names them; the files are deleted once
    the deletion is committed)."""
    with uploads.deleted_once_committed() as gone, database.atomic():
        files = list(ContactAttachment.select().where(ContactAttachment.contact == contact.id)
                     .order_by(ContactAttachment.id))
        changes = {name: [getattr(contact, name), None] for name in CONTACT_FIELDS if getattr(contact, name)}
        if files:
            changes["attachment"] = [", ".join(f.original_name for f in files), None]
        audit.record("contact_delete", "contact", contact.id, _audited(changes, "contact_kind"),
                     note=contact.enterprise.name, user=user)
        project_id, enterprise_id = contact.project_id, contact.enterprise_id
        ContactAttachment.delete().where(ContactAttachment.contact == contact.id).execute()
        contact.delete_instance()
        gone.extend(f.stored_name for f in files)
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

#: A team's results per month: the clues and signings it referred (whole projects: its referral
#: count), its credited share of the city's signings (portal.credit, as the ranking counts it),
#: and the visits and other contacts it logged.
RESULT_KEYS = ("clues", "referred", "referred_investment", "credited", "credited_investment", "contacts")
_AMOUNTS = ("referred_investment", "credited_investment")


def _empty_month(month: int) -> dict:
    return {"month": month, **{key: Decimal(0) if key in _AMOUNTS else 0 for key in RESULT_KEYS}}


def team_results(teams, year: int) -> dict[int, list[dict]]:
    """``{team id: [a row per month of year]}`` (see ``RESULT_KEYS``) for many teams at once: a few
    SQL aggregates grouped by team and day (days added up to months here, never a loop over
    projects). Signings count at their counted (verified) date, as every figure does."""
    teams = list(teams)
    ids = [team.id for team in teams]
    if not ids:
        return {}
    # The projects' part is a figure like the dashboard's: kept under the change stamp (the
    # dashboard and the teams' page ask for it on every visit); copied, as cached results are
    # shared. Contacts are read afresh.
    key = ("team results", year, tuple((team.id, team.path) for team in teams))
    cached = figures.cached(key, lambda: _project_results(ids, teams, year))
    result = {team_id: [dict(row) for row in rows] for team_id, rows in cached.items()}
    count = peewee.fn.COUNT(peewee.SQL("*"))
    contacts = (Contact.select(Contact.unit, Contact.happened_on, count)
                .where(Contact.unit.in_(ids), Contact.happened_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
                .group_by(Contact.unit, Contact.happened_on))
    for team_id, day, n in contacts.tuples():
        result[team_id][_as_date(day).month - 1]["contacts"] += n
    return result


def _project_results(ids: list[int], teams: list, year: int) -> dict[int, list[dict]]:
    """``team_results`` without the contacts: the teams' clues, referred and credited projects per
    month of ``year``, from a few SQL aggregates grouped by team and day (days added up to months)."""
    result = {team_id: [_empty_month(m) for m in range(1, 13)] for team_id in ids}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    live = Project.archived == False  # noqa: E712
    count = peewee.fn.COUNT(peewee.SQL("*"))
    clues = (Project.select(Project.source_team, Project.clue_on, count)
             .where(live, Project.source_team.in_(ids), Project.clue_on.between(start, end))
             .group_by(Project.source_team, Project.clue_on))
    for team_id, day, n in clues.tuples():
        result[team_id][_as_date(day).month - 1]["clues"] += n
    signed = Project.counted_signed_on
    referred = (Project.select(Project.source_team, signed, count, peewee.fn.SUM(Project.total_investment))
                .where(live, Project.source_team.in_(ids), signed.between(start, end))
                .group_by(Project.source_team, signed))
    for team_id, day, n, amount in referred.tuples():
        row = result[team_id][_as_date(day).month - 1]
        row["referred"] += n
        row["referred_investment"] += Decimal(str(amount or 0))
    months = [Period.of_month(year, m) for m in range(1, 13)]
    credited = figures.for_units(months, teams, ("signed_count", "signed_investment"))
    for team_id in ids:
        for i, values in enumerate(credited[team_id]):
            result[team_id][i]["credited"] = values["signed_count"]
            result[team_id][i]["credited_investment"] = values["signed_investment"]
    return result


def team_months(team, year: int) -> list[dict]:
    """One team's results per month of ``year`` (see ``team_results``)."""
    return team_results([team], year)[team.id]


def totals(rows: list[dict]) -> dict:
    return {key: sum((row[key] for row in rows), Decimal(0) if key in _AMOUNTS else 0) for key in RESULT_KEYS}
