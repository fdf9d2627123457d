"""/api/weekly-reports and progress entries: the weekly report page's rules (portal/scheduling)."""
from __future__ import annotations


from flask import g
from flask_babel import gettext as _
from flask_login import current_user

from portal.scheduling import permissions as scheduling_permissions
from portal.api import problems, schemas, serialize
from portal.api.blueprint import bp
from portal.api.registry import operation
from portal.projects.views import load_project
from portal.scheduling import snapshots, weeks
from portal.scheduling import views as scheduling
from portal.scheduling.forms import read_report_row
from portal.timeutil import iso_week, today


def _scheduling_arg(read):
    """A week or unit parameter read as the weekly report page reads it; its refusal as a problem."""
    try:
        return read()
    except scheduling.BadParameter as exc:
        raise problems.invalid({exc.field: exc.message}) from None


@operation(bp, "/weekly-reports", summary="A unit's weekly progress report", tag="scheduling",
           query=schemas.WeekQuery, response=schemas.WeeklyReport)
def weekly_report():
    """The projects on a unit's weekly report (its subtree's and those it sourced) with the week's
    progress entries, as the weekly report page shows them, a page of ``limit`` rows at a time (a
    province bureau's report holds tens of thousands); 403 for a unit the user may not read."""
    week = _scheduling_arg(scheduling.week_arg)
    unit = _scheduling_arg(lambda: scheduling.unit_arg(default=current_user.unit))
    if not scheduling_permissions.can_read_progress(current_user, unit):
        raise problems.Problem(403, _("You may not read this unit's report."))
    query = g.query
    counts = scheduling.report_counts(unit, week)
    progress = scheduling.report_progress(unit, week, counts)
    projects = scheduling.report_projects(unit, week, page=query.page, size=query.limit, counts=counts)
    reports = scheduling.week_reports([p.id for p in projects], week)
    return schemas.WeeklyReport(
        week=week, unit=schemas.UnitRef(id=unit.id, name=unit.name), frozen=snapshots.is_frozen(week),
        total=progress["total"], reported=progress["reported"], page=query.page,
        pages=max(1, -(-progress["total"] // query.limit)),
        rows=[schemas.ReportRow(project=schemas.ProjectRef(id=p.id, name=p.name), stage=p.stage,
                                responsible_unit=serialize.unit_ref(p.responsible_unit),
                                entries=[serialize.progress_entry(r) for r in reports.get(p.id, [])])
              for p in projects])


@operation(bp, "/projects/<project_id>/progress", method="POST", summary="File a weekly progress entry",
           tag="scheduling", body=schemas.ProgressIn, response=schemas.ProgressEntry, status=201)
def file_progress(project_id):
    """Add a progress entry for an open week, as a row of the weekly report page: the project's
    reporters (its unit's editors and the stationed team that sourced it), the same checks, audited."""
    item = load_project(project_id)
    if not scheduling_permissions.can_report_project_progress(current_user, item):
        raise problems.Problem(403, _("You may not report this project's progress."))
    body = g.body
    week = iso_week(today()) if not body.week else weeks.parse_week(body.week)
    if week is None or week > iso_week(today()):
        raise problems.invalid({"week": _("Enter a week such as %(example)s.", example=iso_week(today()))}, 422)
    if not scheduling.week_open(week):
        raise problems.invalid({"week": _("This week is closed for reports.")}, 422)
    percent = "" if body.percent_complete is None else str(body.percent_complete)
    row, errors = read_report_row({f"happened-{item.id}": body.happened, f"next-{item.id}": body.next_steps,
                                   f"percent-{item.id}": percent}, item.id)
    if row is None and not errors:
        errors = {"happened": _("Say what happened this week.")}
    if errors:
        names = {"next": "next_steps", "percent": "percent_complete"}
        raise problems.invalid({names.get(k, k): v for k, v in errors.items()}, 422)
    return serialize.progress_entry(scheduling.save_report(item, week, row, current_user))
