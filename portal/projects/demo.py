"""Demo projects for ``portal demo``: about 300 projects over the last two years, with histories.

Investors come from a fixed list of realistic (invented) enterprises; that list is
the stable marker of the demo projects: when a project of one of these investors
exists, the demo projects are there already and nothing is added (idempotent).
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from peewee import chunked

from portal.db import database
from portal.models import AuditLog, CapitalEntry, Enterprise, Industry, Project, StageChange
from portal.projects.histories import random_history
from portal.stages import DATE_COLUMN, LINE, VERIFIED, refresh_counted

#: The core industries created when the Industry table is empty: the codes of the bundled
#: "6+3" system that the demo activates (plugins/six_plus_three/rules.example.toml).
CORE_INDUSTRIES = [
    ("new_materials", "新材料", "New materials"),
    ("new_energy", "新能源", "New energy"),
    ("advanced_equipment", "高端装备制造", "Advanced equipment"),
    ("electronics", "电子信息", "Electronic information"),
    ("biomedicine", "生物医药", "Biomedicine"),
    ("food_processing", "绿色食品加工", "Green food processing"),
    ("stone", "石材加工", "Stone processing"),
    ("textiles", "纺织服装", "Textiles and garments"),
    ("culture_tourism", "文化旅游", "Culture and tourism"),
]
#: Chain links ("<industry>.up|mid|down") left as gaps: only clues and negotiations sit there.
GAP_LINKS = {"new_energy.up", "food_processing.down", "biomedicine.up", "stone.up", "textiles.mid"}
POSITIONS = ("up", "mid", "down")

# (name, industry, origin country, province, city, flags)
# flags: g = Fortune Global 500, c = China 500, p = China private 500, s = central SOE,
#        f = foreign-invested, l = listed
DEMO_ENTERPRISES = [
    ("华能源动力电池股份有限公司", "new_energy", "中国", "福建", "宁德", "cpl"),
    ("中晟光伏科技集团有限公司", "new_energy", "中国", "江苏", "无锡", "pl"),
    ("国电清源风电有限公司", "new_energy", "中国", "北京", "北京", "gcs"),
    ("氢途新能源科技有限公司", "new_energy", "中国", "上海", "上海", ""),
    ("储能时代（深圳）科技有限公司", "new_energy", "中国", "广东", "深圳", "l"),
    ("中材新型材料集团有限公司", "new_materials", "中国", "北京", "北京", "gcs"),
    ("华锦碳纤维复合材料有限公司", "new_materials", "中国", "江苏", "常州", "p"),
    ("巴斯克化学（中国）有限公司", "new_materials", "德国", "", "路德维希港", "gf"),
    ("鑫源稀土新材料股份有限公司", "new_materials", "中国", "江西", "赣州", "l"),
    ("中联重装机械股份有限公司", "advanced_equipment", "中国", "湖南", "长沙", "cpl"),
    ("德美精密机械（中国）有限公司", "advanced_equipment", "德国", "", "斯图加特", "f"),
    ("三一智造装备有限公司", "advanced_equipment", "中国", "湖南", "长沙", "cpl"),
    ("徐工智能农机有限公司", "advanced_equipment", "中国", "江苏", "徐州", "c"),
    ("川渝轨道交通装备有限公司", "advanced_equipment", "中国", "四川", "成都", ""),
    ("华芯微电子股份有限公司", "electronics", "中国", "上海", "上海", "pl"),
    ("立信精密电子（深圳）有限公司", "electronics", "中国", "广东", "深圳", "cpl"),
    ("鸿泰电子科技（昆山）有限公司", "electronics", "中国台湾", "台湾", "台北", "gf"),
    ("智云数据科技有限公司", "electronics", "中国", "浙江", "杭州", "p"),
    ("光谷光电子有限公司", "electronics", "中国", "湖北", "武汉", ""),
    ("康泰生物制药股份有限公司", "biomedicine", "中国", "广东", "深圳", "l"),
    ("国药康华医药有限公司", "biomedicine", "中国", "北京", "北京", "gcs"),
    ("诺和生命科学（中国）有限公司", "biomedicine", "丹麦", "", "哥本哈根", "f"),
    ("苗岭中药材科技有限公司", "biomedicine", "中国", "贵州", "凯里", ""),
    ("伊品乳业集团股份有限公司", "food_processing", "中国", "内蒙古", "呼和浩特", "cpl"),
    ("湘味食品有限公司", "food_processing", "中国", "湖南", "长沙", ""),
    ("中粮绿源农业发展有限公司", "food_processing", "中国", "北京", "北京", "gcs"),
    ("山泉饮品股份有限公司", "food_processing", "中国", "浙江", "杭州", "cpl"),
    ("雀巢食品（中国）有限公司", "food_processing", "瑞士", "", "韦威", "gf"),
    ("华侨城文旅发展有限公司", "culture_tourism", "中国", "广东", "深圳", "cs"),
    ("山水田园旅游开发有限公司", "culture_tourism", "中国", "浙江", "宁波", ""),
    ("古镇印象文化传媒有限公司", "culture_tourism", "中国", "上海", "上海", ""),
    ("闽南石材集团有限公司", "stone", "中国", "福建", "泉州", "p"),
    ("华岳石业股份有限公司", "stone", "中国", "广东", "云浮", "l"),
    ("锦绣纺织服装有限公司", "textiles", "中国", "浙江", "绍兴", "p"),
    ("东方印染科技有限公司", "textiles", "中国", "江苏", "苏州", ""),
    ("丽织服饰（中国）有限公司", "textiles", "日本", "", "大阪", "f"),
]

#: Products per industry: the project is "<investor short name><product>项目".
PRODUCTS = {
    "new_energy": ["动力电池生产基地", "光伏组件制造", "储能电站", "风电装备产业园", "氢能示范园", "锂电材料"],
    "new_materials": ["碳纤维复合材料", "特种玻璃生产线", "稀土永磁材料", "高性能膜材料", "新型建材产业园"],
    "advanced_equipment": ["智能装备制造基地", "农机生产线", "精密零部件", "工程机械再制造", "轨道交通配件"],
    "electronics": ["芯片封装测试", "电子元器件产业园", "数据中心", "智能终端制造", "光电显示模组"],
    "biomedicine": ["生物医药产业园", "中药材精深加工", "医疗器械生产", "原料药基地", "疫苗分装"],
    "food_processing": ["乳制品加工", "预制菜产业园", "饮用水生产线", "农产品冷链加工", "茶叶精深加工"],
    "culture_tourism": ["文旅综合体", "古镇保护开发", "康养度假区", "研学旅游基地", "民宿集群"],
    "stone": ["石材荒料开采", "石材板材加工", "石材工艺品", "人造石生产线", "石材产业园"],
    "textiles": ["纺纱织造", "印染中心", "服装家纺生产基地", "功能面料", "针织服装"],
}

#: Where the demo projects belong, with the user who files them.
PROJECT_UNITS = [
    ("donghu", "donghu"), ("xishan", "xishan"), ("nanling", "nanling"), ("beichuan", "beichuan"),
    ("qingyun", "qingyun"), ("etdz", "etdz"), ("hitech", "hitech"), ("nanling_town", "nanling_town"),
    ("qingyun_town", "qingyun"), ("donghu_street", "donghu"),
]
PARKS = ["", "示范经开区新能源产业园", "高新区电子信息产业园", "南岭县工业园", "北川县食品工业园", "青云县物流园"]
#: Final stage of the demo projects, with weights (about 300 projects in all).
STAGE_WEIGHTS = [("clue", 60), ("negotiating", 50), ("signed", 60), ("started", 50), ("completed", 30),
                 ("production", 35), ("stalled", 10), ("dropped", 5)]
STALL_REASONS = ["投资方资金链紧张，暂缓推进", "用地指标未落实", "环评未通过，需调整方案"]
DROP_REASONS = ["投资方战略调整，项目终止", "项目不符合产业准入要求"]


def ensure_industries() -> list[str]:
    """The active industry codes; creates the core list when the table is empty."""
    if not Industry.select().exists():
        for order, (code, zh, en) in enumerate(CORE_INDUSTRIES):
            Industry.create(code=code, name_zh=zh, name_en=en, sort_order=order)
    return [i.code for i in Industry.select(Industry.code).where(Industry.active == True)]  # noqa: E712


def _enterprise(rng, row) -> Enterprise:
    name, _industry, country, province, city, flags = row
    found = Enterprise.get_or_none(Enterprise.name == name)
    if found:
        return found
    return Enterprise.create(
        name=name, origin_country=country, origin_province=province, origin_city=city,
        fortune_global_500="g" in flags, china_500="c" in flags, china_private_500="p" in flags,
        central_soe="s" in flags, foreign_invested="f" in flags, listed="l" in flags,
    )


def demo_projects_exist() -> bool:
    names = [row[0] for row in DEMO_ENTERPRISES]
    return (Project.select(Project.id).join(Enterprise, on=(Project.enterprise == Enterprise.id))
            .where(Enterprise.name.in_(names)).exists())


def _short(name: str) -> str:
    for suffix in ("集团股份有限公司", "股份有限公司", "集团有限公司", "有限公司"):
        name = name.replace(suffix, "")
    return name.split("（")[0]


def _amount(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high) * 100)


def add_demo_projects(context) -> int:
    """Add the demo projects (once). Returns how many were added."""
    with database.atomic():
        ensure_industries()
        codes = [code for code, _zh, _en in CORE_INDUSTRIES]
        if demo_projects_exist():
            context.created["projects"] = 0
            return 0
        rng, today = context.rng, context.today
        enterprises = [(row[1], _enterprise(rng, row)) for row in DEMO_ENTERPRISES]
        by_industry: dict[str, list] = {}
        for industry, ent in enterprises:
            by_industry.setdefault(industry, []).append(ent)
        leaders = [context.users[k] for k in ("mayor", "secretary", "chainlead") if k in context.users]
        teams = [context.units[k] for k in ("team_shanghai", "team_shenzhen", "team_beijing") if k in context.units]
        bureau = context.users["bureau"]
        special = context.units.get("special_newenergy")
        finals = [stage for stage, weight in STAGE_WEIGHTS for _ in range(weight)]
        rng.shuffle(finals)
        used_names: set[str] = set()
        audit_rows = []
        for final in finals:
            industry = rng.choice(codes)
            investors = by_industry.get(industry) or [ent for _i, ent in enterprises]
            investor = rng.choice(investors)
            base = f"{_short(investor.name)}{rng.choice(PRODUCTS.get(industry, ['产业']))}项目"
            name, phase = base, 2
            while name in used_names:
                name = base.replace("项目", f"（{'一二三四五六七八九'[phase - 1]}期）项目")
                phase += 1
            used_names.add(name)
            links = [f"{industry}.{position}" for position in POSITIONS]
            if final not in ("clue", "negotiating"):  # signed (or once signed) projects never fill a gap
                links = [link for link in links if link not in GAP_LINKS]
            chain_link = rng.choice(links)
            unit_key, user_key = rng.choice(PROJECT_UNITS)
            unit = context.units[unit_key]
            filer = context.users.get(user_key, bureau)
            total = _amount(rng, 20, 2000) if rng.random() < 0.8 else _amount(rng, 2000, 12000)
            from_team = teams and rng.random() < 0.3
            project = Project(
                name=name, enterprise=investor, industry_code=industry, chain_link_code=chain_link,
                park=rng.choice(PARKS),
                source_channel="stationed_team" if from_team else rng.choice(
                    ["event", "business_referral", "fund", "online", "leader_visit", "other"]),
                investment_method=rng.choice(["business_referral", "event", "fund", "other"]),
                source_team=rng.choice(teams) if from_team else None,
                is_key=total >= 100000 or rng.random() < 0.1,
                is_confidential=rng.random() < 0.08,
                total_investment=total,
                foreign_capital=Decimal(rng.randrange(100, 5000)) if investor.foreign_invested else None,
                expected_output=(total * Decimal(rng.choice(["0.8", "1.2", "1.5", "2"]))).quantize(Decimal("1")),
                expected_tax=(total * Decimal(rng.choice(["0.03", "0.05", "0.08"]))).quantize(Decimal("1")),
                expected_jobs=rng.randrange(20, 800),
                land_area_mu=Decimal(rng.randrange(10, 600)) if industry not in ("culture_tourism",) else None,
                safety_assessment=rng.choice(["", "passed", "pending"]),
                environment_assessment=rng.choice(["", "passed", "pending"]),
                responsible_unit=unit, responsible_person=filer.display_name,
                leader=rng.choice(leaders) if leaders and rng.random() < 0.4 else None,
                special_team=special if special and industry == "new_energy" and rng.random() < 0.5 else None,
                created_by=filer,
            )
            _history(project, final, rng, today, filer, bureau)
            audit_rows.append(project)
        refresh_counted([project.id for project in audit_rows])
        _departments_lead_some(context, audit_rows)
        created = [dict(user=bureau.id, action="create", entity="project", entity_id=project.id,
                        changes={"name": [None, project.name]}, note="portal demo") for project in audit_rows]
        for rows in chunked(created, 100):
            AuditLog.insert_many(rows).execute()
        context.created["projects"] = len(audit_rows)
        return len(audit_rows)


#: The sectors of the departments that promote investment (portal.demo.PROMOTING_DEPARTMENTS).
DEPARTMENT_INDUSTRIES = {"dept_industry": ("new_materials", "advanced_equipment", "electronics"),
                         "dept_agri": ("food_processing",), "dept_tourism": ("culture_tourism",)}


def _departments_lead_some(context, projects: list, per_department: int = 5) -> None:
    """A few signed projects of each promoting department's sector are led by that department."""
    rng = random.Random(11)  # its own generator: the rest of the demo stays as it was
    for key, sectors in DEPARTMENT_INDUSTRIES.items():
        unit = context.units.get(key)
        if unit is None:
            continue
        person = next((u.display_name for u in context.users.values() if u.unit_id == unit.id), "")
        candidates = [p for p in projects if p.industry_code in sectors and p.signed_on is not None]
        for project in rng.sample(candidates, min(per_department, len(candidates))):
            project.responsible_unit, project.responsible_person = unit, person
            Project.update(responsible_unit=unit, responsible_person=person).where(Project.id == project.id).execute()


def _history(project: Project, final: str, rng, today: dt.date, filer, bureau) -> None:
    """Walk the project from clue to ``final``, dating each step; save it with its stage changes."""
    history = random_history(rng, final, today, began_within=(20, 730), gaps=(15, 120), off_ramp_after=(10, 90))
    start, steps, off_ramp = history.began, history.steps, history.off_ramp
    last_stage = steps[-1][0]
    for stage, on in steps:
        setattr(project, DATE_COLUMN[stage], on)
    project.planned_sign_date = start + dt.timedelta(days=rng.randrange(60, 200))
    project.planned_start_date = project.planned_sign_date + dt.timedelta(days=rng.randrange(30, 150))
    project.planned_completion_date = project.planned_start_date + dt.timedelta(days=rng.randrange(180, 540))
    project.planned_production_date = project.planned_completion_date + dt.timedelta(days=rng.randrange(30, 120))
    if LINE.index(last_stage) >= LINE.index("signed"):
        project.contracted_amount = (project.total_investment * Decimal(rng.choice(["0.8", "0.9", "1"]))).quantize(
            Decimal("1"))
    project.stage = last_stage
    if off_ramp:
        project.stage_before_stall = last_stage
        project.stage = off_ramp[0]
        project.stage_reason = rng.choice(STALL_REASONS if off_ramp[0] == "stalled" else DROP_REASONS)
    project.created_at = dt.datetime.combine(start, dt.time(9, 0))
    project.updated_at = dt.datetime.combine((off_ramp or steps[-1])[1], dt.time(10, 0))
    project.save()
    previous = ""
    changes = []
    for index, (stage, on) in enumerate(steps):
        is_last = index == len(steps) - 1
        if stage in VERIFIED:
            verification = "pending" if is_last and not off_ramp and rng.random() < 0.12 else "approved"
        else:
            verification = "not_required"
        at = dt.datetime.combine(on, dt.time(16, 0))
        changes.append(dict(
            project=project.id, from_stage=previous, to_stage=stage, on_date=on, note="", reason="", by=filer.id, at=at,
            verification=verification,
            verified_by=bureau.id if verification == "approved" else None,
            verified_at=at + dt.timedelta(days=2) if verification == "approved" else None,
        ))
        previous = stage
    if off_ramp:
        changes.append(dict(project=project.id, from_stage=previous, to_stage=off_ramp[0], on_date=off_ramp[1],
                            note="", reason=project.stage_reason, by=filer.id,
                            at=dt.datetime.combine(off_ramp[1], dt.time(16, 0)), verification="not_required",
                            verified_by=None, verified_at=None))
    StageChange.insert_many(changes).execute()  # counted dates: refresh_counted once, after every project
    if LINE.index(last_stage) >= LINE.index("started"):
        paid, day = Decimal(0), project.started_on
        for _ in range(rng.randrange(1, 5)):
            day = day + dt.timedelta(days=rng.randrange(20, 120))
            if day > today:
                break
            amount = (project.total_investment * Decimal(rng.choice(["0.1", "0.15", "0.2", "0.25"]))).quantize(
                Decimal("1"))
            if paid + amount > project.total_investment:
                break
            paid += amount
            CapitalEntry.create(project=project.id, on_date=day, amount=amount, by=filer.id)
