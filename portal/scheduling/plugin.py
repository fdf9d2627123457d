"""Hook implementations of the weekly scheduling: pages, menu, panels, flags on change, demo data,
and the check on each request that the last completed week is frozen."""
from __future__ import annotations

import logging

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal import figures, hookimpl, permissions
from portal.scheduling import notifications
from portal.scheduling import permissions as scheduling_permissions
from portal.labels import form_field_labels
from portal.scheduling.forms import CompleteMilestoneForm, MilestoneForm
from portal.scheduling import flags as F
from portal.scheduling import snapshots as S
from portal.scheduling.cli import snapshot
from portal.scheduling.views import bp, project_url
from portal.request_jobs import run_once_per


log = logging.getLogger(__name__)

@bp.before_app_request
def _freeze_last_week():
    """On the first request of a new week, freeze the completed weeks (one indexed query per week
    and process; the work happens once). Off in tests unless SCHEDULING_AUTO_SNAPSHOT is set."""
    week = S.last_completed_week()

    def freeze():
        if S.is_frozen(week):
            return
        try:
            S.freeze_pending(max_weeks=int(current_app.config.get("SCHEDULING_REQUEST_CATCHUP_WEEKS",
                                                                  S.DEFAULT_REQUEST_CATCHUP_WEEKS)))
        except S.WeekNotFrozen as exc:  # reported on /admin/plugins; not retried on every request
            log.error("%s", exc)

    run_once_per("scheduling", week, "SCHEDULING_AUTO_SNAPSHOT", freeze)


@bp.record_once
def _register_frozen_weeks(state):
    """The dashboard counts a past period's flags from the weeks this feature froze (``portal.figures``)."""
    state.app.extensions[figures.FROZEN_WEEKS_KEY] = S


@hookimpl
def portal_blueprints():
    return [bp]


#: The menu section of this feature's entries (``portal.menu``).
SECTION = {"group": "scheduling", "group_label": _l("Scheduling"), "group_order": 20,
           "group_first_for": {"unit": 1, "bureau": 1}}


@hookimpl
def portal_menu_items(user):
    if not scheduling_permissions.can_read_scheduling(user):
        return []
    items = [
        {"endpoint": "scheduling.meeting", "label": _l("Weekly scheduling"), "order": 300, **SECTION},
        {"endpoint": "scheduling.wallchart", "label": _l("Wall chart"), "order": 320, **SECTION},
    ]
    if (scheduling_permissions.can_report_progress(user, user.unit)
            or scheduling_permissions.can_read_progress(user, user.unit)):
        items.append({"endpoint": "scheduling.report", "label": _l("Weekly report"), "order": 310,
                      **SECTION})
    return items


@hookimpl
def portal_template_panels(slot, context):
    if slot != "project_page":
        return None
    project, user = context.get("project"), context.get("user")
    if project is None or not permissions.can_read_project(user, project):
        return None
    from portal.scheduling.forms import CompleteMilestoneForm, MilestoneForm
    from portal.scheduling.views import timeline
    from portal.timeutil import today

    can_edit = scheduling_permissions.can_edit_milestones(user, project)
    # The add form (and its list of units) only for those who see it.
    html = render_template("scheduling/_milestones.html", project=project, items=timeline(project),
                           form=MilestoneForm(formdata=None, today=today()) if can_edit else None,
                           complete_form=CompleteMilestoneForm(formdata=None, today=today()),
                           can_edit=can_edit,
                           next_url=request.path if request else None)
    return [{"title": _("Reversed schedule"), "html": Markup(html), "order": 40}]


@hookimpl
def portal_project_changed(project, change, user):
    """Recompute the project's flag whenever its records change."""
    F.recompute_project(project)


@hookimpl
def portal_rules_changed(system_code, user):
    """The new system's flag rules and thresholds ([YEAR.scheduling]) decide now: recompute the flags."""
    F.recompute_all()


@hookimpl
def portal_projects_changed(project_ids, change, user):
    """Many projects at once (an import): their flags, a chunk of projects at a time."""
    F.recompute_projects(project_ids)


@hookimpl(trylast=True)
def portal_demo_data(context):
    """Progress reports and milestones for some demo projects, then freeze the weeks of the history.

    Runs after the other features' demo data (trylast); does nothing without projects.
    """
    from portal.scheduling.demo import add_demo_data

    add_demo_data(context)


@hookimpl
def portal_register_commands(cli):
    cli.add_command(snapshot)


@hookimpl
def portal_database_upgraded(echo):
    """Weeks frozen before migration 0012 get their shown figures stored once, from the data as it stands."""
    for week in S.freeze_missing_figures():
        echo(f"stored the figures of frozen week {week} from the current data")


@hookimpl
def portal_notification_kinds():
    return list(notifications.KINDS)


@hookimpl
def portal_history_labels():
    """The history names recorded milestone and weekly report fields as their pages do."""
    return {"fields": {**form_field_labels(MilestoneForm), **form_field_labels(CompleteMilestoneForm),
                       "happened": _l("What happened"), "next_steps": _l("Next steps"),
                       "percent_complete": _l("Percent complete")}}


@hookimpl
def portal_template_globals():
    return {"scheduling_project_url": project_url}
