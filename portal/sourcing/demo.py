"""Demo promotion events and contacts for ``portal demo``: four events with their units and the
projects signed or sourced at them, and contacts of the counties and the stationed teams with
the demo investors over the last three months.

Idempotent: an event is found by name before it is created; contacts are added only when no
demo contact exists yet.
"""
from __future__ import annotations

import datetime as dt

from portal import credit
from portal.models import Contact, EventProject, Project, ProjectCredit, PromotionEvent, TeamQuota, TeamRegion
from portal.sourcing import service

# (name, kind, city, start in days from today, length in days, organiser, leaders, unit keys, role, stages)
DEMO_EVENTS = [
    ("2026示范市招商引资推介会", "conference", "示范市", -75, 1, "示范市人民政府", "陈书记、张市长",
     ("nanling", "beichuan", "etdz", "hitech"), "signed", ("signed", "started", "completed")),
    ("粤港澳大湾区产业对接签约仪式", "signing", "深圳", -40, 1, "示范市投资促进服务中心", "张市长",
     ("team_shenzhen", "etdz", "donghu"), "signed", ("signed", "started")),
    ("中国国际进口博览会示范市专场", "expo", "上海", -20, 3, "示范市商务局", "刘副市长",
     ("team_shanghai", "hitech", "xishan"), "sourced", ("clue", "negotiating")),
    ("京津冀新能源产业云招商对接会", "online", "北京", 10, 1, "示范市新能源产业链专班", "",
     ("team_beijing", "special_newenergy"), "sourced", ("clue",)),
]

# (kind, summary, next step, place)
DEMO_CONTACTS = [
    ("visit", "上门拜访企业总部，介绍园区配套和招商政策，企业对西部产能布局有兴趣。", "寄送园区资料，约定考察时间。",
     "企业总部"),
    ("call", "电话沟通项目用地需求，企业希望用地150亩以上。", "协调自然资源局核实可供地块。", ""),
    ("meeting", "企业考察团来示范市实地考察，座谈交流投资意向。", "起草投资意向书。", "市投资促进服务中心"),
    ("leader_visit", "市长带队拜访企业董事长，商谈项目落地事宜。", "一周内回复企业提出的配套条件。", "企业总部"),
    ("letter", "致函企业，邀请参加示范市招商引资推介会。", "跟进企业回复。", ""),
    ("visit", "驻点组走访企业，了解其扩产计划和选址标准。", "整理企业需求，报市投促中心。", "企业生产基地"),
]


def _unit_user(context, unit):
    """A demo user of the unit (staff first), or the bureau's."""
    for user in context.users.values():
        if user.unit_id == unit.id and user.role in ("unit", "bureau"):
            return user
    return context.users["bureau"]


def add_demo_sourcing(context) -> None:
    projects = list(Project.select().where(Project.archived == False, Project.enterprise.is_null(False))  # noqa: E712
                    .order_by(Project.id))
    if not projects:
        return
    before = (PromotionEvent.select().count(), Contact.select().count())
    bureau, today, rng = context.users["bureau"], context.today, context.rng
    for name, kind, city, start, days, organiser, leaders, unit_keys, role, stages in DEMO_EVENTS:
        event = PromotionEvent.get_or_none(PromotionEvent.name == name)
        if event is not None:
            continue
        units = [context.units[key] for key in unit_keys if key in context.units]
        starts = today + dt.timedelta(days=start)
        event = service.create_event(bureau, units, name=name, kind=kind, city=city, starts_on=starts,
                                     ends_on=starts + dt.timedelta(days=days - 1), organiser=organiser,
                                     leaders=leaders, note="", unit=context.units["bureau"])
        ids = {u.id for u in units}
        candidates = [p for p in projects if p.stage in stages
                      and (p.responsible_unit_id in ids or p.source_team_id in ids)]
        linked = EventProject.select(EventProject.project)
        candidates = [p for p in candidates if not linked.where(EventProject.project == p.id).exists()]
        for project in rng.sample(candidates, min(len(candidates), 8)):
            service.link_project(event, project, role, bureau)
    summaries = [summary for _kind, summary, _next, _place in DEMO_CONTACTS]
    if Contact.select().where(Contact.summary.in_(summaries)).exists():  # the demo contacts are there
        _count(context, before)
        return
    with_teams = [p for p in projects if p.source_team_id]
    others = [p for p in projects if not p.source_team_id and p.stage in ("clue", "negotiating", "signed")]
    picked = rng.sample(with_teams, min(len(with_teams), 18)) + rng.sample(others, min(len(others), 22))
    for index, project in enumerate(picked):
        kind, summary, next_step, place = DEMO_CONTACTS[index % len(DEMO_CONTACTS)]
        if Contact.select().where(Contact.enterprise == project.enterprise_id, Contact.summary == summary).exists():
            continue
        unit = project.source_team if project.source_team_id else project.responsible_unit
        user = _unit_user(context, unit)
        happened = today - dt.timedelta(days=rng.randint(1, 90))
        service.log_contact(project.enterprise, user, kind=kind, happened_on=happened, unit=unit,
                            project=project if index % 3 else None, participants=user.display_name,
                            place=place, summary=summary, next_step=next_step)
    _count(context, before)


def _count(context, before) -> None:
    context.created["promotion events"] = PromotionEvent.select().count() - before[0]
    context.created["contacts"] = Contact.select().count() - before[1]


# Stationed teams' quotas (metric → (target, span)) and regions with their annual plans.
DEMO_QUOTAS = {
    "team_shanghai": {"clues": (3, "week"), "visits": (8, "month")},
    "team_shenzhen": {"clues": (2, "week"), "visits": (6, "month")},
    "team_beijing": {"clues": (6, "month"), "visits": (20, "month")},
}
DEMO_REGIONS = {
    "team_shanghai": [("长三角", "走访新能源、新材料龙头企业30家，举办专场推介会2场，引进亿元以上项目5个。"),
                      ("安徽", "对接合肥、芜湖汽车零部件企业，跟踪在谈项目3个。")],
    "team_shenzhen": [("粤港澳大湾区", "走访电子信息、智能终端企业25家，组织企业来示范市考察4批次。"),
                      ("福建", "联系闽商商会，争取以商招商项目2个。")],
    "team_beijing": [("京津冀", "对接央企和科研院所，争取新能源产业链项目3个。"),
                     ("山东", "走访化工新材料企业10家。")],
}
#: Chambers of commerce that refer projects (以商招商) in the demo city's credit shares.
DEMO_CHAMBERS = ("深圳湖南商会", "上海湖南商会", "北京湖南企业商会")


def add_demo_credit_and_plans(context) -> None:
    """Quotas and regions for the demo teams, and credit shares the bureau set on some signed
    projects that teams brought (70 % host, 30 % team, a chamber counted as referrer). Only when
    none exist yet."""
    bureau, year = context.users["bureau"], context.today.year
    if not TeamQuota.select().exists():
        for key, quotas in DEMO_QUOTAS.items():
            team = context.units.get(key)
            for metric, (target, span) in quotas.items() if team is not None else ():
                TeamQuota.create(team=team, metric=metric, target=target, span=span)
    if not TeamRegion.select().exists():
        for key, regions in DEMO_REGIONS.items():
            team = context.units.get(key)
            for region, plan in regions if team is not None else ():
                TeamRegion.create(team=team, year=year, region=region, plan=plan)
    if ProjectCredit.select().exists():
        return
    sourced = list(Project.select().where(Project.archived == False, Project.source_team.is_null(False),  # noqa: E712
                                          Project.source_team != Project.responsible_unit,
                                          Project.counted_signed_on.is_null(False)).order_by(Project.id).limit(8))
    for index, project in enumerate(sourced):
        parties = [{"kind": "host", "unit_id": project.responsible_unit_id, "name": "", "share": 70},
                   {"kind": "team", "unit_id": project.source_team_id, "name": "", "share": 30}]
        if index % 2 == 0:
            parties.append({"kind": "chamber", "unit_id": None, "name": DEMO_CHAMBERS[index % 3], "share": 0})
        credit.save(project, parties, bureau, project.version)
    context.created["credit shares set"] = len(sourced)


__all__ = ["add_demo_credit_and_plans", "add_demo_sourcing"]
