"""Demo data of the weekly scheduling: progress reports and milestones on some demo projects, so the
demo shows green, yellow and red projects; then the weeks of the demo's history are frozen."""
from __future__ import annotations

import datetime as dt

from portal.db import database
from portal.models import Milestone, ProgressReport, Project, Setting, User
from portal.scheduling import flags as F
from portal.scheduling import snapshots as S
from portal.scheduling import weeks as W
from portal.timeutil import iso_week, tz

MARKER = "scheduling.demo_data"
DEMO_WEEKS = 8
HAPPENED = ["与企业高层视频洽谈，确认投资意向", "完成项目用地踏勘", "报送项目备案材料", "召开专班推进会，协调用电报装",
            "厂房主体结构施工中", "设备采购合同已签订", "环评报告通过专家评审", "企业来访考察园区"]
NEXT_STEPS = ["下周赴企业总部对接", "推进土地挂牌", "跟进施工许可办理", "协调供水供气接入", "组织设备进场"]
MILESTONES = ["土地交付", "施工许可", "设备进场", "环评批复"]


def _at(day: dt.date, hour: int) -> dt.datetime:
    """A local time on a day, as the naive UTC the database stores."""
    return W.to_utc_naive(dt.datetime.combine(day, dt.time(hour, 0), tzinfo=tz()))


def add_demo_data(context) -> None:
    if not Project.select().exists():
        return
    if Setting.get_value(MARKER) is None:
        _add_records(context)
        Setting.set_value(MARKER, context.today.isoformat())
    try:
        frozen = S.freeze_pending(max_weeks=DEMO_WEEKS, day=context.today, refresh=False)
    except S.WeekNotFrozen as exc:  # a failing flag plugin: the weeks wait for it (reported on /admin/plugins)
        frozen = exc.frozen
    F.recompute_all()
    context.created["frozen weeks"] = context.created.get("frozen weeks", 0) + len(frozen)


def _author(project, by_unit, fallback):
    return by_unit.get(project.responsible_unit_id, fallback)


def _add_records(context) -> None:
    rng, today = context.rng, context.today
    fallback = context.users.get("bureau") or User.select().first()
    by_unit = {}
    for user in User.select().where(User.role == "unit", User.active == True):  # noqa: E712
        by_unit.setdefault(user.unit_id, user)
    projects = list(Project.select().where(Project.archived == False, Project.stage.in_(F.ACTIVE_STAGES))  # noqa: E712
                    .order_by(Project.id))
    current = iso_week(today)
    weeks = [W.shift_week(current, -n) for n in range(DEMO_WEEKS, -1, -1)]
    reports, milestones = [], []
    for project in projects:
        kind = rng.random()  # < .75 diligent, < .85 stopped reporting three weeks ago, else irregular
        author = _author(project, by_unit, fallback)
        for n, week in enumerate(weeks):
            monday = W.week_days(week)[0]
            day = monday + dt.timedelta(days=rng.randint(0, 3))
            if day > today or _at(day, 10) < project.created_at:
                continue
            if kind < .75 or (kind < .85 and n < len(weeks) - 3) or (kind >= .85 and rng.random() < .6):
                reports.append({"project": project.id, "week": week, "happened": rng.choice(HAPPENED),
                                "next_steps": rng.choice(NEXT_STEPS), "author": author.id,
                                "percent_complete": rng.randint(10, 90) if project.stage == "started" else None,
                                "created_at": _at(day, rng.randint(9, 17))})
        if project.stage in ("signed", "started", "completed") and rng.random() < .5:
            for title in rng.sample(MILESTONES, 2):
                planned = today + dt.timedelta(days=rng.randint(-75, 60))
                done = planned < today and rng.random() < .5
                actual = min(today, planned + dt.timedelta(days=rng.randint(-5, 20))) if done else None
                milestones.append({"project": project.id, "title": title, "planned_on": planned, "actual_on": actual,
                                   "responsible_unit": project.responsible_unit_id, "created_by": author.id,
                                   "created_at": _at(min(today, planned) - dt.timedelta(days=60), 9)})
    replanned = _replan(projects, rng, today)
    with database.atomic():
        for project_id, values in replanned.items():
            Project.update(**values).where(Project.id == project_id).execute()
        for start in range(0, len(reports), 500):
            ProgressReport.insert_many(reports[start:start + 500]).execute()
        for start in range(0, len(milestones), 500):
            Milestone.insert_many(milestones[start:start + 500]).execute()
    context.created["progress reports"] = len(reports)
    context.created["milestones"] = len(milestones)
    context.created["reversed schedules updated"] = len(replanned)


PLANS = (("signed", "planned_sign_date", 0), ("started", "planned_start_date", 120),
         ("completed", "planned_completion_date", 420), ("production", "planned_production_date", 510))


def _replan(projects, rng, today) -> dict:
    """Most demo projects keep to a reversed schedule: their overdue planned dates move ahead
    (as a scheduling meeting would re-plan them); the rest stay behind, so the demo has red and
    yellow projects too."""
    changes = {}
    for project in projects:
        if rng.random() >= .8:
            continue
        start = today + dt.timedelta(days=rng.randint(10, 90))
        values = {}
        for stage, field, offset in PLANS:
            planned = getattr(project, field)
            reached = getattr(project, F.STAGE_DATE_FIELDS[stage]) is not None
            if planned and planned < today and not reached:
                values[field] = start + dt.timedelta(days=offset)
        if values:
            changes[project.id] = values
    return changes
