"""The portal's default flag rules, shipped as a plugin that runs last.

Project warnings: yellow when a milestone or a planned stage date is up to
``overdue_red_days`` (30) days overdue, or the week's report is missing after
the weekly deadline (Friday 18:00 local time); red when more than 30 days
overdue or yellow ``yellow_weeks_to_red`` (3) weeks running; a clue with no
follow-up note or logged contact for more than ``clue_followup_days`` (7) days is yellow.

Weekly unit flags: red to the units that advanced most in the week (stage
changes) while reporting on time; yellow to the units that reported too few
of their projects on time. A county changes the thresholds in the [scheduling]
section of its rules file, or replaces this plugin.
"""
from __future__ import annotations

from portal import hookimpl
from portal.flag_reasons import reason
from portal.scheduling.flags import REPORTING_STAGES

PLANNED_FIELDS = (
    ("signed", "planned_sign_date"),
    ("started", "planned_start_date"),
    ("completed", "planned_completion_date"),
    ("production", "planned_production_date"),
)


def _overdue(days: int, red_after: int, code: str, **params) -> dict:
    level = "red" if days > red_after else "yellow"
    return {"level": level, "reason": reason(code, days=days, **params)}


@hookimpl(trylast=True)
def portal_project_flags(project, context):
    if project.archived or project.stage in ("dropped", "production"):
        return []
    settings, today = context.settings, context.today
    reasons = []
    for stage, field in PLANNED_FIELDS:
        planned = getattr(project, field)
        if planned and planned < today and not context.stage_reached(project, stage):
            reasons.append(_overdue((today - planned).days, settings["overdue_red_days"], "planned_date_overdue",
                                    stage=stage, date=planned))
    for milestone in context.milestones(project):
        if milestone.planned_on < today and context.done_on(milestone) is None:
            reasons.append(_overdue((today - milestone.planned_on).days, settings["overdue_red_days"],
                                    "milestone_overdue", title=milestone.title, date=milestone.planned_on))
    if project.stage in REPORTING_STAGES:
        deadline = context.report_deadline()
        # A project entered after the deadline owes its first report next week.
        created_before_deadline = project.created_at is None or project.created_at <= context.report_deadline_utc()
        if context.now > deadline and created_before_deadline and not context.has_report(project):
            reasons.append({"level": "yellow", "reason": reason("report_missing", week=context.week,
                                                                deadline=deadline)})
    if project.stage == "clue":
        last = (context.last_follow_up_on(project) or project.clue_on
                or (project.created_at and project.created_at.date()))
        if last is not None:
            days = (today - last).days
            if days > settings["clue_followup_days"]:
                reasons.append({"level": "yellow", "reason": reason("clue_no_followup", days=days)})
    if reasons and all(r["level"] == "yellow" for r in reasons):
        running = settings["yellow_weeks_to_red"]
        earlier = context.previous_flags(project, running - 1) if running > 1 else []
        if running > 1 and all(flag in ("yellow", "red") for flag in earlier):
            reasons.insert(0, {"level": "red", "reason": reason("yellow_weeks_running", weeks=running)})
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
            flags.append({"unit_id": unit.id, "flag": "red", "reason": reason(
                "unit_most_advances", advances=f["advances"], on_time=f["on_time"], projects=f["projects"])})
        elif rate < settings["unit_yellow_report_rate"]:
            flags.append({"unit_id": unit.id, "flag": "yellow", "reason": reason(
                "unit_few_on_time", on_time=f["on_time"], projects=f["projects"])})
    return flags


__all__ = ["portal_project_flags", "portal_unit_week_flags"]
