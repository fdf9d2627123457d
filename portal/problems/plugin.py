"""Registers the problems feature: pages, menu entries, panels on the project and meeting pages,
project flags, department access to the projects they hold problems on, and demo data."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import hookimpl, permissions, timeutil
from portal.problems import permissions as problems_permissions
from portal.models import Commitment, Problem, Project, Unit
from portal.models.problems import OPEN_STATES, PROBLEM_CATEGORIES
from portal.problems import service
from portal.problems.cli import problems_command
from portal.problems.labels import CATEGORY_LABELS, history_labels
from portal.problems.views import bp, panel_context, template_globals
from portal.request_jobs import run_once_per


# Departments read the projects where their unit holds a problem or a commitment (portal_project_read_grants).
def _projects_with_problems(user):
    return Problem.select(Problem.project).where(Problem.assigned_unit.in_(permissions.readable_unit_ids(user)))


def _projects_with_commitments(user):
    return Commitment.select(Commitment.project).where(Commitment.unit.in_(permissions.readable_unit_ids(user)))




@bp.before_app_request
def _check_overdue_daily():
    """On the first request of each day (per process), escalate the problems that became overdue,
    as the system: pages never run the check (they compute overdue status on read), so nobody
    is recorded as the author of what the portal did by itself. `portal problems check-overdue`
    does the same from cron. Off in tests unless PROBLEMS_AUTO_OVERDUE is set."""
    day = timeutil.today()
    run_once_per("problems", day, "PROBLEMS_AUTO_OVERDUE", lambda: service.check_overdue(day))

@hookimpl
def portal_project_read_grants(user):
    """Departments read the projects where their unit holds a problem or a commitment."""
    if user.role != "department":
        return None
    return [_projects_with_problems(user), _projects_with_commitments(user)]


@hookimpl
def portal_blueprints():
    return [bp]


#: The menu section of this feature's entries (``portal.menu``).
SECTION = {"group": "problems", "group_label": _l("Problems"), "group_order": 30,
           "group_first_for": {"unit": 2, "department": 0}}


@hookimpl
def portal_menu_items(user):
    items = [{"endpoint": "problems.board", "label": _l("Problems"), "order": 400, **SECTION}]
    if problems_permissions.has_problem_inbox(user):
        items.append({"endpoint": "problems.inbox", "label": _l("Problem inbox"), "order": 410, **SECTION})
    return items


@hookimpl
def portal_template_panels(slot, context):
    if slot == "project_page":
        project, user = context.get("project"), context.get("user")
        if project is None or not permissions.can_read_project(user, project):
            return None
        html = render_template("problems/_project_panel.html", project=project, **panel_context(project, user))
        return [{"title": _l("Problems and commitments"), "html": Markup(html), "order": 50}]
    if slot == "scheduling_meeting":
        user = context.get("user")
        sections = meeting_sections(user)
        html = render_template("problems/_meeting_panel.html", sections=sections, today=timeutil.today())
        return [{"title": _l("Problems and commitments by department"), "html": Markup(html), "order": 50}]
    return None


def meeting_sections(user) -> list[dict]:
    """One section per unit holding open problems or unfulfilled commitments, so each answers in turn."""
    problems = (Problem.select(Problem, Project, Unit)
                .join(Project, on=(Problem.project == Project.id))
                .switch(Problem).join(Unit, on=(Problem.assigned_unit == Unit.id))
                .where(Problem.state.in_(OPEN_STATES))
                .order_by(Unit.path, Problem.deadline, Problem.id))
    commitments = (Commitment.select(Commitment, Project, Unit)
                   .join(Project, on=(Commitment.project == Project.id))
                   .switch(Commitment).join(Unit, on=(Commitment.unit == Unit.id))
                   .where(Commitment.fulfilled_on.is_null())
                   .order_by(Unit.path, Commitment.due_date, Commitment.id))
    sections: dict[int, dict] = {}

    def section(unit):
        return sections.setdefault(unit.id, {"unit": unit, "problems": [], "commitments": [], "overdue": 0})

    today = timeutil.today()
    for problem in problems_permissions.visible_problems(user, problems):
        entry = section(problem.assigned_unit)
        entry["problems"].append(problem)
        entry["overdue"] += service.is_overdue(problem, today)
    for commitment in problems_permissions.visible_commitments(user, commitments):
        entry = section(commitment.unit)
        entry["commitments"].append(commitment)
        entry["overdue"] += commitment.due_date < today
    return sorted(sections.values(), key=lambda s: s["unit"].path)


@hookimpl(trylast=True)
def portal_choice_lists():
    """The core's problem categories; a county's list replaces them."""
    return [{"list": "problem_category",
             "choices": [{"code": code, "label": CATEGORY_LABELS[code]} for code in PROBLEM_CATEGORIES]}]


@hookimpl(trylast=True)
def portal_demo_data(context):
    from portal.problems.demo import add_demo_problems

    add_demo_problems(context)



@hookimpl
def portal_project_flags(project, context):
    """Yellow for an overdue problem or commitment, red when more than ``overdue_red_days`` (30) days overdue."""
    settings = getattr(context, "settings", None) or {}
    red_after = (settings.get("overdue_red_days", service.RED_AFTER_DAYS) if isinstance(settings, dict)
                 else service.RED_AFTER_DAYS)
    today = getattr(context, "today", None)
    preloaded = getattr(context, "preloaded", None)  # many projects at once: their records read once
    overdue = (preloaded(project, "problems.overdue", lambda ids: service.overdue_items(ids, today))
               if preloaded else None)
    return service.project_flags(project, today, red_after=red_after, overdue=overdue) or None


@hookimpl
def portal_register_commands(cli):
    cli.add_command(problems_command)


@hookimpl
def portal_notification_kinds():
    return list(service.KINDS)


@hookimpl
def portal_history_labels():
    return history_labels()


@hookimpl
def portal_flag_reason_codes():
    return list(service.FLAG_REASON_CODES)


@hookimpl
def portal_template_globals():
    return template_globals()
