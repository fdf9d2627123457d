"""Demo problems in every state and commitments (fulfilled, due, overdue), added to the demo projects.

Idempotent: each demo problem or commitment is found by project and text before it is created.
"""
from __future__ import annotations

import datetime as dt

from portal.db import database
from portal.models import Commitment, Problem, Project
from portal.models.fields import utcnow
from portal.problems import service

# (category, description, unit key, answering user, deadline in days from today, final state, priority, answer)
DEMO_PROBLEMS = [
    ("land", "项目用地指标尚未落实，需协调调整土地利用规划。", "dept_land", "land", 20, "open", "high", ""),
    ("utilities", "施工用电需新建10千伏专线，供电接入进度滞后。", "dept_power", "power", -10, "handling", "urgent",
     "已完成线路勘测，正在办理线路走廊审批。"),
    ("approvals", "环评审批材料需补充，企业希望提前获得指导。", "dept_env", "env", -45, "handling", "normal",
     "已安排专人上门指导，待企业补充监测数据。"),
    ("financing", "企业申请技改贷款贴息，需明确政策兑现流程。", "dept_ndrc", "ndrc", 15, "resolved", "normal",
     "已明确申报材料和流程，贴息资金将于下月拨付。"),
    ("labour", "项目投产前需招聘技术工人约200名。", "dept_industry", "industry", -30, "closed", "normal",
     "已联合人社部门举办两场专场招聘会，招聘到位186人。"),
    ("construction", "项目进场道路未硬化，影响施工车辆通行。", "dept_land", "land", 25, "handover", "high",
     "道路建设不属于本局职责，已移交发改委统筹。"),
    ("policy", "招商引资优惠政策中的设备补助尚未兑现。", "dept_industry", "industry", 10, "reopened", "high",
     "补助资金已列入预算。"),
]

# (kind, promise, unit key, due in days from today, fulfilled days from today or None, evidence)
DEMO_COMMITMENTS = [
    ("incentive", "按协议给予设备投资额10%的补助。", "dept_industry", -60, -40, "补助资金已拨付，见财政拨款凭证。"),
    ("land", "签约后90天内交付净地。", "dept_land", -20, None, ""),
    ("infrastructure", "开工前接通园区道路和供水管网。", "dept_power", 30, None, ""),
    ("approval_time", "施工许可在15个工作日内办结。", "dept_ndrc", -50, None, ""),
]


def add_demo_problems(context) -> None:
    projects = list(Project.select().where(Project.archived == False).order_by(Project.id).limit(12))  # noqa: E712
    if not projects:
        return
    today = context.today
    before = (Problem.select().count(), Commitment.select().count())
    raiser = context.users.get("bureau")
    units, users = context.units, context.users
    with database.atomic():
        for index, (category, text, unit_key, answerer, days, final, priority, answer) in enumerate(DEMO_PROBLEMS):
            project = projects[index % len(projects)]
            if Problem.select().where(Problem.project == project.id, Problem.description == text).exists():
                continue
            problem = service.raise_problem(project, raiser, category=category, description=text,
                                            assigned_unit=units[unit_key], deadline=today + dt.timedelta(days=days),
                                            priority=priority)
            created = utcnow() - dt.timedelta(days=40 - index)
            Problem.update(created_at=created).where(Problem.id == problem.id).execute()
            problem = Problem.get_by_id(problem.id)
            by = users[answerer]
            if final == "handover":
                service.hand_over(problem, by, units["dept_ndrc"], answer)
                continue
            if answer:
                service.answer(problem, by, answer)
            if final in ("resolved", "closed", "reopened"):
                service.change_state(problem, by, "resolve", "")
            if final == "closed":
                service.change_state(problem, raiser, "close", "问题已解决，确认关闭。")
            if final == "reopened":
                service.change_state(problem, raiser, "reopen", "企业反映补助仍未到账，请继续跟进。")
        for index, (kind, promise, unit_key, due, fulfilled, evidence) in enumerate(DEMO_COMMITMENTS):
            project = projects[index % len(projects)]
            if Commitment.select().where(Commitment.project == project.id, Commitment.promise == promise).exists():
                continue
            commitment = service.add_commitment(project, raiser, kind=kind, promise=promise, unit=units[unit_key],
                                                due_date=today + dt.timedelta(days=due))
            if fulfilled is not None:
                service.fulfil_commitment(commitment, raiser, today + dt.timedelta(days=fulfilled), evidence)
    service.check_overdue(today)
    context.created["problems"] = Problem.select().count() - before[0]
    context.created["commitments"] = Commitment.select().count() - before[1]
