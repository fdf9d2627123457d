"""Pages: investors (list, page, contact timeline), logging and correcting contacts, promotion
events (list by period with Excel, record, results, linked projects) and stationed teams'
workspaces (visit log, results per month with Excel)."""
from __future__ import annotations

from collections import OrderedDict

import peewee
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import credit, industries, periods, permissions, timeutil, uploads
from portal.labels import STAGE_LABELS, label
from portal.models import (Contact, ContactAttachment, Enterprise, EventProject, Project, ProjectCredit,
                           PromotionEvent, Unit, User)
from portal.periods import Period
from portal.projects import masking
from portal.projects import views as project_views
from portal.sourcing import credit_forms, export, plan_forms, quotas, service
from portal.sourcing import permissions as sourcing_permissions
from portal.sourcing.credit_forms import CreditForm
from portal.sourcing.permissions import readable_teams
from portal.sourcing.forms import ContactForm, EventForm, EventProjectForm
from portal.sourcing.labels import QUOTA_METRIC_LABELS, QUOTA_SPAN_LABELS
from portal.sourcing.labels import CREDIT_KIND_LABELS, CONTACT_KIND_LABELS, EVENT_KIND_LABELS, EVENT_ROLE_LABELS
from portal.web import Page, form_status, load_or_404, page_number, parse_id, render, safe_next, see_other

bp = Blueprint("sourcing", __name__)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_globals() -> dict:
    """The names the sourcing pages and panels use (``portal_template_globals``)."""
    return {
        "CONTACT_KIND_LABELS": CONTACT_KIND_LABELS,
        "EVENT_KIND_LABELS": EVENT_KIND_LABELS,
        "EVENT_ROLE_LABELS": EVENT_ROLE_LABELS,
        "QUOTA_METRIC_LABELS": QUOTA_METRIC_LABELS,
        "QUOTA_SPAN_LABELS": QUOTA_SPAN_LABELS,
        "investor_url": lambda enterprise_id: url_for("sourcing.investor", enterprise_id=enterprise_id),
        "clue_follow_up_days": service.days_since_follow_up,
        "can_start_clue": lambda contact: sourcing_permissions.can_start_clue_from_contact(current_user, contact),
        "can_edit_contact_files": lambda contact: sourcing_permissions.can_edit_contact(current_user, contact),
    }


def _next(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), default)


def _investor_for(enterprise_id) -> Enterprise:
    return load_or_404(Enterprise, enterprise_id, sourcing_permissions.can_read_investor)


def _contact_for(contact_id) -> Contact:
    return load_or_404(Contact, contact_id, sourcing_permissions.can_read_contact)


def _event_for(event_id) -> PromotionEvent:
    return load_or_404(PromotionEvent, event_id, sourcing_permissions.can_read_event)


def _contacts(query):
    return (query.select(Contact, Unit, User).join(Unit, on=(Contact.unit == Unit.id))
            .switch(Contact).join(User, on=(Contact.by == User.id))
            .order_by(Contact.happened_on.desc(), Contact.id.desc()))


# Investors ------------------------------------------------------------------------------------

@bp.route("/investors")
@login_required
def investors():
    q = (request.args.get("q") or "").strip()[:100]
    query = sourcing_permissions.visible_investors(current_user).order_by(Enterprise.name, Enterprise.id)
    if q:
        # The names' text index (portal.projects.masking.contains: same results as LIKE).
        query = query.where(masking.contains(Enterprise.name, q) | (Enterprise.credit_code == q))
    page = Page(query, page_number(), PAGE_SIZE)
    ids = [e.id for e in page.items]
    counts = dict(permissions.visible_projects(current_user, Project.select(Project.enterprise, peewee.fn.COUNT(
        Project.id)).where(Project.enterprise.in_(ids), permissions.sees_investor_condition(current_user))
        .group_by(Project.enterprise)).tuples()) if ids else {}
    last = dict(sourcing_permissions.visible_contacts(current_user, Contact.select(
        Contact.enterprise, peewee.fn.MAX(Contact.happened_on)).where(Contact.enterprise.in_(ids))
        .group_by(Contact.enterprise)).tuples()) if ids else {}
    return render("sourcing/investors.html", "sourcing/_investor_rows.html", page=page, q=q, counts=counts,
                  last_contact={k: service._as_date(v) for k, v in last.items()})


def in_touch(user, enterprise) -> list[dict]:
    """Who in the city is in touch with the investor: each unit with its people, number of
    contacts and the latest date (no summaries: those stay with the unit). Contacts about a
    project whose investor is masked for the reader are left out."""
    shown = Project.select(Project.id).where(permissions.sees_investor_condition(user))
    query = _contacts(Contact.select()).where(Contact.enterprise == enterprise.id,
                                              Contact.project.is_null() | Contact.project.in_(shown))
    units: OrderedDict = OrderedDict()
    for contact in query:
        entry = units.setdefault(contact.unit_id, {"unit": contact.unit, "people": [], "count": 0,
                                                   "last": contact.happened_on})
        entry["count"] += 1
        if contact.by.display_name not in entry["people"]:
            entry["people"].append(contact.by.display_name)
    return list(units.values())


@bp.route("/investors/<enterprise_id>")
@login_required
def investor(enterprise_id):
    enterprise = _investor_for(enterprise_id)
    projects = list(sourcing_permissions.investor_projects(current_user, enterprise, Project.select(Project, Unit).join(
        Unit, on=(Project.responsible_unit == Unit.id))).where(Project.archived == False)  # noqa: E712
        .order_by(Project.created_at.desc(), Project.id.desc()))
    contacts = service.attachments_of(_contacts(sourcing_permissions.visible_contacts(current_user))
                                      .where(Contact.enterprise == enterprise.id))
    can_log = sourcing_permissions.can_log_contact(current_user, enterprise)
    return render("sourcing/investor.html", enterprise=enterprise, projects=projects, contacts=contacts,
                  in_touch=in_touch(current_user, enterprise), STAGE_LABELS=STAGE_LABELS,
                  industry_label=industries.label, can_log=can_log,
                  form=_contact_form(enterprise, formdata=None) if can_log else None,
                  can_edit_contact=lambda c: sourcing_permissions.can_edit_contact(current_user, c))


# Contacts -------------------------------------------------------------------------------------

def _contact_form(enterprise, contact=None, **kwargs) -> ContactForm:
    units = list(sourcing_permissions.contact_units(current_user))
    projects = list(sourcing_permissions.investor_projects(current_user, enterprise).order_by(Project.name))
    if contact is None:
        project_id = parse_id(request.args.get("project"))
        unit_id = parse_id(request.args.get("unit")) or current_user.unit_id
        kwargs.setdefault("data", {"happened_on": timeutil.today(), "unit": str(unit_id),
                                   "project": str(project_id) if project_id else ""})
    else:
        kwargs.setdefault("data", {"unit": str(contact.unit_id),
                                   "project": str(contact.project_id) if contact.project_id else ""})
    return ContactForm(obj=contact, units=units, projects=projects, **kwargs)


def _contact_values(form: ContactForm) -> dict:
    project_id = parse_id(form.project.data)
    return {"kind": form.kind.data, "happened_on": form.happened_on.data,
            "unit": Unit.get_by_id(int(form.unit.data)),
            "project": Project.get_by_id(project_id) if project_id else None,
            "participants": form.participants.data, "place": form.place.data, "summary": form.summary.data.strip(),
            "next_step": form.next_step.data}


@bp.route("/investors/<enterprise_id>/contacts/new", methods=["GET", "POST"])
@uploads.takes_files
@login_required
def log_contact(enterprise_id):
    enterprise = _investor_for(enterprise_id)
    if not sourcing_permissions.can_log_contact(current_user, enterprise):
        abort(403)
    form = _contact_form(enterprise)
    if form.validate_on_submit():
        service.log_contact(enterprise, current_user, files=form.chosen_files(), **_contact_values(form))
        return redirect(_next(url_for("sourcing.investor", enterprise_id=enterprise.id)), code=303)
    return render("sourcing/contact_form.html", status=form_status(form), form=form, enterprise=enterprise,
                  contact=None, next_url=_next(""))


@bp.route("/contacts/<contact_id>/edit", methods=["GET", "POST"])
@uploads.takes_files
@login_required
def edit_contact(contact_id):
    contact = _contact_for(contact_id)
    if not sourcing_permissions.can_edit_contact(current_user, contact):
        abort(403)
    form = _contact_form(contact.enterprise, contact)
    if form.validate_on_submit():
        values = _contact_values(form)
        if not sourcing_permissions.can_edit_contact(current_user, Contact(unit=values["unit"])):
            abort(403)
        service.edit_contact(contact, current_user, files=form.chosen_files(), **values)
        return see_other("sourcing.investor", enterprise_id=contact.enterprise_id, _anchor=f"contact-{contact.id}")
    service.attachments_of([contact])
    return render("sourcing/contact_form.html", status=form_status(form), form=form, enterprise=contact.enterprise,
                  contact=contact, next_url="")


@bp.route("/contacts/<contact_id>/clue", methods=["GET", "POST"])
@login_required
def clue_from_contact(contact_id):
    """The new-project form for a clue that came of a logged contact: the investor, the unit in
    touch, the contact's date and what was discussed proposed; once saved, the contact links to it."""
    contact = load_or_404(Contact, contact_id, sourcing_permissions.can_read_contact,
                          sourcing_permissions.can_start_clue_from_contact)
    if contact.project_id is not None:  # also the second of two submits: no second project
        return _already_linked(contact)
    form = project_views.new_form(current_user)
    if request.method == "GET":
        project_views.propose_new(form, current_user)
        project_views.fill_investor(form, contact.enterprise)
        form.clue_on.data = contact.happened_on
        unit_id = str(contact.unit_id)
        if any(value == unit_id for value, _label in form.responsible_unit.choices):
            form.responsible_unit.data = contact.unit
        if any(value == unit_id for value, _label in form.source_team.choices):  # a stationed team's visit
            form.source_team.data = contact.unit
    intro = _("A clue from a contact with %(investor)s (%(kind)s, %(date)s, %(unit)s): once saved, the contact "
              "links to it.",
              kind=label(CONTACT_KIND_LABELS, contact.kind), investor=contact.enterprise.name,
              date=contact.happened_on.isoformat(), unit=contact.unit.name)
    try:
        return project_views.new_project_page(
            form, url_for("sourcing.clue_from_contact", contact_id=contact.id), intro,
            on_created=lambda project: service.link_contact_to_new_project(contact, project, current_user))
    except service.ContactAlreadyLinked:  # linked by someone else since the page was loaded
        return _already_linked(Contact.get_by_id(contact.id))


def _already_linked(contact):
    flash(_("This contact already led to a project."), "info")
    return see_other("projects.show", project_id=contact.project_id)


@bp.route("/contacts/<contact_id>/delete", methods=["POST"])
@login_required
def delete_contact(contact_id):
    contact = _contact_for(contact_id)
    if not sourcing_permissions.can_edit_contact(current_user, contact):
        abort(403)
    enterprise_id = contact.enterprise_id
    service.delete_contact(contact, current_user)
    return see_other("sourcing.investor", enterprise_id=enterprise_id)


# A contact's files ----------------------------------------------------------------------------

def _attachment_of(contact, attachment_id) -> ContactAttachment:
    attachment_id = parse_id(attachment_id)
    attachment = (ContactAttachment.get_or_none(ContactAttachment.id == attachment_id,
                                                ContactAttachment.contact == contact.id)
                  if attachment_id else None)
    if attachment is None:
        abort(404)
    return attachment


@bp.route("/contacts/<contact_id>/files/<attachment_id>")
@login_required
def contact_file(contact_id, attachment_id):
    """A file of a contact the user reads (any other contact's is not found), as a download."""
    attachment = _attachment_of(_contact_for(contact_id), attachment_id)
    return uploads.send(attachment.stored_name, attachment.content_type, attachment.original_name)


@bp.route("/contacts/<contact_id>/files/<attachment_id>/remove", methods=["POST"])
@login_required
def remove_contact_file(contact_id, attachment_id):
    """Remove a file from a contact: who may correct the contact (audited)."""
    contact = load_or_404(Contact, contact_id, sourcing_permissions.can_read_contact,
                          sourcing_permissions.can_edit_contact)
    attachment = _attachment_of(contact, attachment_id)
    service.remove_attachment(attachment, current_user)
    flash(_("File removed: %(name)s.", name=attachment.original_name), "success")
    default = url_for("sourcing.investor", enterprise_id=contact.enterprise_id, _anchor=f"contact-{contact.id}")
    return redirect(_next(default), code=303)


# Events ---------------------------------------------------------------------------------------

def _period():
    """The period asked for (a year, half, quarter or month), this year by default; an invalid
    one gives this year and the message."""
    today = timeutil.today()
    text = (request.args.get("period") or "").strip()
    if not text:
        return Period.of_year(today.year), None
    try:
        return Period.parse(text), None
    except ValueError as error:
        return Period.of_year(today.year), str(error)


@bp.route("/events")
@login_required
def events():
    period, error = _period()
    query = service.events_in(period, sourcing_permissions.visible_events(current_user))
    rows = [(event, service.event_results(event, industries.label)["total"]) for event in query]
    if request.args.get("format") == "xlsx" and error is None:
        return export.events_workbook(rows, period)
    choices = periods.choices(timeutil.today(), None, open_ranges=False, current=period)
    return render("sourcing/events.html", status=400 if error else 200, rows=rows, period=period,
                  period_choices=choices, error=error, can_create=sourcing_permissions.can_create_event(current_user),
                  export_url=url_for("sourcing.events", period=period.code, format="xlsx"))


def _event_form(event=None, **kwargs) -> EventForm:
    keepers = list(permissions.editable_units(current_user))
    participants = list(Unit.select().where(Unit.active == True).order_by(Unit.path))  # noqa: E712
    if event is not None:
        kwargs.setdefault("data", {"unit": str(event.unit_id),
                                   "units": [str(u.id) for u in service.event_units(event)]})
    else:
        kwargs.setdefault("data", {"unit": str(current_user.unit_id), "kind": "conference"})
    return EventForm(obj=event, keepers=keepers, participants=participants, **kwargs)


def _event_values(form: EventForm) -> tuple[dict, list]:
    values = {name: getattr(form, name).data for name in ("name", "kind", "city", "starts_on", "ends_on",
                                                          "organiser", "leaders", "note")}
    values["name"] = values["name"].strip()
    values["unit"] = Unit.get_by_id(int(form.unit.data))
    ids = sorted({int(i) for i in form.units.data or []})
    units = list(Unit.select().where(Unit.id.in_(ids)).order_by(Unit.path)) if ids else []
    return values, units


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    if not sourcing_permissions.can_create_event(current_user):
        abort(403)
    form = _event_form()
    if form.validate_on_submit():
        values, units = _event_values(form)
        event = service.create_event(current_user, units, **values)
        return see_other("sourcing.event", event_id=event.id)
    return render("sourcing/event_form.html", status=form_status(form), form=form, event=None)


@bp.route("/events/<event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id):
    event = _event_for(event_id)
    if not sourcing_permissions.can_edit_event(current_user, event):
        abort(403)
    form = _event_form(event)
    if form.validate_on_submit():
        values, units = _event_values(form)
        service.edit_event(event, current_user, units, **values)
        return see_other("sourcing.event", event_id=event.id)
    return render("sourcing/event_form.html", status=form_status(form), form=form, event=event)


def _linkable_projects(event):
    """Projects the user may link to the event: those they edit, not linked yet."""
    linked = EventProject.select(EventProject.project).where(EventProject.event == event.id)
    query = Project.select(Project.id, Project.name).where(Project.archived == False,  # noqa: E712
                                                          Project.id.not_in(linked))
    if not permissions.is_bureau(current_user):
        query = query.where(Project.responsible_unit.in_(permissions.editable_units(current_user)
                                                         .select(Unit.id)))
    return list(query.order_by(Project.name).limit(500))


def _event_page(event, form=None, status=200):
    links = list(EventProject.select(EventProject, Project, Unit)
                 .join(Project, on=(EventProject.project == Project.id))
                 .join(Unit, on=(Project.responsible_unit == Unit.id))
                 .where(EventProject.event == event.id,
                        Project.id.in_(permissions.visible_projects(current_user, Project.select(Project.id))))
                 .order_by(Project.name))
    projects = _linkable_projects(event) if sourcing_permissions.can_read_event(current_user, event) else []
    return render("sourcing/event.html", status=status, event=event, units=service.event_units(event),
                  results=service.event_results(event, industries.label), links=links,
                  STAGE_LABELS=STAGE_LABELS,
                  can_edit=sourcing_permissions.can_edit_event(current_user, event),
                  can_unlink=lambda p: sourcing_permissions.can_link_event_project(current_user, event, p),
                  form=form or (EventProjectForm(formdata=None, projects=projects) if projects else None))


@bp.route("/events/<event_id>")
@login_required
def event(event_id):
    event = _event_for(event_id)
    if request.args.get("format") == "xlsx":
        return export.event_workbook(event, service.event_results(event, industries.label))
    return _event_page(event)


@bp.route("/events/<event_id>/projects", methods=["POST"])
@login_required
def link_project(event_id):
    event = _event_for(event_id)
    form = EventProjectForm(projects=_linkable_projects(event))
    if not form.validate_on_submit():
        if not form.project.choices[1:]:
            abort(403)
        return _event_page(event, form, 422)
    project = Project.get_by_id(int(form.project.data))
    if not sourcing_permissions.can_link_event_project(current_user, event, project):
        abort(403)
    service.link_project(event, project, form.role.data, current_user)
    return see_other("sourcing.event", event_id=event.id)


@bp.route("/events/<event_id>/projects/<project_id>/unlink", methods=["POST"])
@login_required
def unlink_project(event_id, project_id):
    event = _event_for(event_id)
    project = load_or_404(Project, project_id, permissions.can_read_project)
    if not sourcing_permissions.can_link_event_project(current_user, event, project):
        abort(403)
    service.unlink_project(event, project, current_user)
    return see_other("sourcing.event", event_id=event.id)


# Stationed teams ----------------------------------------------------------------------------

def _year() -> int:
    today = timeutil.today()
    try:
        year = int(request.args.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@bp.route("/teams")
@login_required
def teams():
    year = _year()
    readable = list(readable_teams(current_user))
    results = service.team_results(readable, year)
    rows = [(team, service.totals(results[team.id])) for team in readable]
    if request.args.get("format") == "xlsx":
        return export.teams_workbook(rows, results, year)
    return render("sourcing/teams.html", rows=rows, year=year,
                  quota_flags=quotas.flags(quotas.paces(readable, timeutil.today())))


@bp.route("/teams/<team_id>")
@login_required
def team(team_id):
    unit = load_or_404(Unit, team_id, sourcing_permissions.can_read_team)
    year = _year()
    months = service.team_months(unit, year)
    if request.args.get("format") == "xlsx":
        return export.team_workbook(unit, year, months)
    pace = quotas.paces([unit], timeutil.today())
    contacts = service.attachments_of(_contacts(sourcing_permissions.visible_contacts(current_user))
                                      .select_extend(Enterprise).join_from(Contact, Enterprise)
                                      .where(Contact.unit == unit.id).limit(100))
    projects = list(permissions.visible_projects(current_user, Project.select())
                    .where(Project.source_team == unit.id, Project.archived == False)  # noqa: E712
                    .order_by(Project.stage == "clue", Project.created_at.desc()).limit(100))
    return render("sourcing/team.html", team=unit, year=year, months=months, total=service.totals(months),
                  paces=pace, quota_flag=quotas.flags(pace).get(unit.id), plan=quotas.plan_of(unit, year),
                  can_plan=sourcing_permissions.can_plan_team(current_user, unit),
                  contacts=contacts, projects=projects, STAGE_LABELS=STAGE_LABELS,
                  follow_up=service.days_since_follow_up(projects),
                  can_log=sourcing_permissions.contact_units(current_user).where(Unit.id == unit.id).exists())


# Credit shares of a project ---------------------------------------------------------------------

def _credit_units():
    """Units that can take a share: active units below the city, teams included, in tree order."""
    return list(Unit.select(Unit.id, Unit.name, Unit.kind, Unit.path).where(Unit.active == True)  # noqa: E712
                .order_by(Unit.path))


@bp.route("/projects/<project_id>/credit", methods=["GET", "POST"])
@login_required
def project_credit(project_id):
    project = load_or_404(Project, project_id, permissions.can_read_project, sourcing_permissions.can_set_credit)
    parties, set_by_bureau = credit.parties(project)
    form = CreditForm(data=credit_forms.initial_data(project, parties, set_by_bureau), units=_credit_units())
    status = 200
    if form.validate_on_submit():
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = -1
        try:
            credit.save(project, form.parties(project.responsible_unit_id), current_user, version)
        except credit.CreditConflict:
            form.form_errors.append(_("Someone else changed this project meanwhile: check the shares and save "
                                      "again."))
            form.version.data = str(Project.get_by_id(project.id).version)
            status = 409
        else:
            return see_other("projects.show", project_id=project.id)
    elif form.errors:
        status = 422
    return render("sourcing/credit_form.html", status=status, form=form, project=project,
                  rule=credit.rule(), default=credit.default_parties(project),
                  CREDIT_KIND_LABELS=CREDIT_KIND_LABELS)


def credit_panel(project) -> dict:
    """What the project page shows of its credit: the parties with names, set by the bureau or by
    the rule. One query (the shares with their units' names); the rule's parties are named from
    the project's host and source team, which the project page loaded with it."""
    saved = list(ProjectCredit.select(ProjectCredit, Unit.name.alias("unit_name")).join(Unit, peewee.JOIN.LEFT_OUTER)
                 .where(ProjectCredit.project == project.id).order_by(ProjectCredit.id).objects())
    if saved:
        parties = [{"kind": c.kind, "unit_id": c.unit_id, "name": c.name if c.unit_id is None else c.unit_name,
                    "share": c.share} for c in saved]
        return {"parties": parties, "set_by_bureau": True}
    names = {project.responsible_unit_id: project.responsible_unit.name}
    if project.source_team_id:
        names[project.source_team_id] = project.source_team.name
    parties = [dict(p, name=names.get(p["unit_id"], "")) for p in credit.default_parties(project)]
    return {"parties": parties, "set_by_bureau": False}


# A stationed team's plan: quotas and regions ----------------------------------------------------

@bp.route("/teams/<team_id>/plan", methods=["GET", "POST"])
@login_required
def team_plan(team_id):
    unit = load_or_404(Unit, team_id, sourcing_permissions.can_read_team, sourcing_permissions.can_plan_team)
    year = _year()
    form = plan_forms.PlanForm(data=plan_forms.initial_data(quotas.plan_of(unit, year)))
    if form.validate_on_submit():
        quotas.save_plan(unit, year, form.quotas(), form.regions(), current_user)
        return see_other("sourcing.team", team_id=unit.id, year=year)
    return render("sourcing/team_plan.html", status=form_status(form), form=form, team=unit, year=year)
