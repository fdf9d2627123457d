"""The portal's default flag rules, shipped as a plugin that runs last.

Project warnings: yellow when a milestone or a planned stage date is up to
``overdue_red_days`` (30) days overdue, or the week's report is missing after
the weekly deadline (Friday 18:00 local time); red when more than 30 days
overdue or yellow ``yellow_weeks_to_red`` (3) weeks running; a clue with no
follow-up note for more than ``clue_followup_days`` (7) days is yellow.

Weekly unit flags: red to the units that advanced most in the week (stage
changes) while reporting on time; yellow to the units that reported too few
of their projects on time. A county changes the thresholds in the [scheduling]
section of its rules file, or replaces this plugin.
"""
from __future__ import annotations

from flask_babel import gettext as _

from portal import hookimpl
from portal.labels import STAGE_LABELS
from portal.scheduling.flags import REPORTING_STAGES

PLANNED_FIELDS = (
    ("signed", "planned_sign_date"),
    ("started", "planned_start_date"),
    ("completed", "planned_completion_date"),
    ("production", "planned_production_date"),
)


def _overdue(days: int, red_after: int, what: str) -> dict:
    level = "red" if days > red_after else "yellow"
    return {"level": level, "reason": _("%(what)s is %(days)s days overdue", what=what, days=days)}


@hookimpl(trylast=True)
def portal_project_flags(project, context):
    if project.archived or project.stage in ("dropped", "production"):
        return []
    settings, today = context.settings, context.today
    reasons = []
    for stage, field in PLANNED_FIELDS:
        planned = getattr(project, field)
        if planned and planned < today and not context.stage_reached(project, stage):
            what = _("The planned date for “%(stage)s” (%(date)s)", stage=str(STAGE_LABELS[stage]),
                     date=planned.isoformat())
            reasons.append(_overdue((today - planned).days, settings["overdue_red_days"], what))
    for milestone in context.milestones(project):
        if milestone.planned_on < today and context.done_on(milestone) is None:
            what = _("The milestone “%(title)s” (%(date)s)",
                     title=milestone.title, date=milestone.planned_on.isoformat())
            reasons.append(_overdue((today - milestone.planned_on).days, settings["overdue_red_days"], what))
    if project.stage in REPORTING_STAGES:
        deadline = context.report_deadline()
        # A project entered after the deadline owes its first report next week.
        created_before_deadline = project.created_at is None or project.created_at <= context.report_deadline_utc()
        if context.now > deadline and created_before_deadline and not context.has_report(project):
            reasons.append({"level": "yellow",
                            "reason": _("No progress report for %(week)s after the deadline %(deadline)s",
                                        week=context.week, deadline=deadline.strftime("%Y-%m-%d %H:%M"))})
    if project.stage == "clue":
        last = context.last_report_on(project) or project.clue_on or (project.created_at and project.created_at.date())
        if last is not None:
            days = (today - last).days
            if days > settings["clue_followup_days"]:
                reasons.append({"level": "yellow",
                                "reason": _("No follow-up note on this clue for %(days)s days", days=days)})
    if reasons and all(r["level"] == "yellow" for r in reasons):
        running = settings["yellow_weeks_to_red"]
        earlier = context.previous_flags(project, running - 1) if running > 1 else []
        if running > 1 and all(flag in ("yellow", "red") for flag in earlier):
            reasons.insert(0, {"level": "red", "reason": _("Yellow flag %(weeks)s weeks running", weeks=running)})
    return reasons


@hookimpl(trylast=True)
def portal_unit_week_flags(week, units, context):
    figures = context.unit_week_figures(week)
    settings = context.settings
    rows = []
    for unit in units:
        f = figures.get(unit.id)
        if not f or not f["projects"]:
            continue
        rate = 100 * f["on_time"] / f["projects"]
        rows.append((unit, f, rate))
    top = max((f["advances"] for _u, f, rate in rows if rate >= settings["unit_red_min_report_rate"]), default=0)
    flags = []
    for unit, f, rate in rows:
        if top > 0 and f["advances"] == top and rate >= settings["unit_red_min_report_rate"]:
            flags.append({"unit_id": unit.id, "flag": "red", "reason": _(
                "Advanced %(advances)s projects a stage; %(on_time)s of %(projects)s reported on time",
                advances=f["advances"], on_time=f["on_time"], projects=f["projects"])})
        elif rate < settings["unit_yellow_report_rate"]:
            flags.append({"unit_id": unit.id, "flag": "yellow", "reason": _(
                "Only %(on_time)s of %(projects)s projects reported on time",
                on_time=f["on_time"], projects=f["projects"])})
    return flags


__all__ = ["portal_project_flags", "portal_unit_week_flags"]
