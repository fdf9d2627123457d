"""``portal seed --projects N``: synthetic projects with stage histories, fast, for benchmarks.

Rows go in with ``insert_many`` in batches, each batch in its own transaction.
Projects are spread over the existing counties, districts, zones and towns (run
``portal demo`` first for a realistic city); on an empty instance a minimal
organisation is created. One audit entry records each seeding run.
"""
from __future__ import annotations

import datetime as dt
import random
import time
import zlib
from decimal import Decimal

import click
import peewee

from portal.db import AnalyzeAsItGrows, backend, database
from portal.figures import tally
from portal.models import AuditLog, Enterprise, Industry, Project, StageChange, Unit, User
from portal.projects.histories import random_history
from portal.stages import DATE_COLUMN, LINE, refresh_counted

BATCH = 400
STAGE_WEIGHTS = {"clue": 22, "negotiating": 18, "signed": 20, "started": 15, "completed": 8, "production": 12,
                 "stalled": 3, "dropped": 2}
PROJECT_UNIT_KINDS = ("county", "district", "zone", "town")
PLACES = ["东湖", "西山", "南岭", "北川", "青云", "临江", "白沙", "金桥", "龙泉", "凤鸣", "石门", "桃源"]
PRODUCTS = ["动力电池", "光伏组件", "储能", "碳纤维", "精密零部件", "智能装备", "芯片封测", "电子元器件", "数据中心",
            "生物医药", "医疗器械", "乳制品", "预制菜", "冷链物流", "智慧物流园", "文旅综合体", "康养基地", "新型建材"]
COMPANY_WORDS = ["华", "鼎", "盛", "泰", "恒", "远", "信", "达", "兴", "隆", "瑞", "鑫", "中", "创", "科", "凯", "宏",
                 "德", "源", "新", "锦", "博", "嘉", "通"]
COMPANY_KINDS = ["科技有限公司", "实业集团有限公司", "新能源有限公司", "电子股份有限公司",
                 "食品有限公司", "物流有限公司", "生物科技有限公司", "装备制造有限公司"]


def _minimal_org() -> tuple[list[Unit], User]:
    """A bureau with three counties and an inactive system user who 'files' the seeded records."""
    bureau = Unit.get_or_none(Unit.kind == "bureau", Unit.parent.is_null())
    if bureau is None:
        bureau = Unit(name="投资促进服务中心", kind="bureau").save_with_path()
    units = [Unit(name=f"{place}县", kind="county", parent=bureau).save_with_path() for place in PLACES[:3]]
    return units, _system_user(bureau)


def _system_user(bureau: Unit) -> User:
    user = User.get_or_none(User.username == "seed")
    if user is None:
        # "!" is no valid hash: nobody can log in as this user.
        user = User.create(username="seed", display_name="seed", role="bureau", unit=bureau,
                           password_hash="!", active=False)
    return user


def _filer() -> User | None:
    return (User.select().where(User.role.in_(["bureau", "admin"]), User.active == True)  # noqa: E712
            .order_by(User.id).first())


def seed_projects(count: int, rng: random.Random | None = None, today: dt.date | None = None,
                  echo=None) -> int:
    """Insert ``count`` synthetic projects with histories; return how many were inserted."""
    rng = rng or random.Random(7)
    today = today or dt.date.today()
    with database.atomic():
        units = list(Unit.select().where(Unit.kind.in_(PROJECT_UNIT_KINDS), Unit.active == True))  # noqa: E712
        filer = _filer()
        if not units:
            units, system = _minimal_org()
            filer = filer or system
        if filer is None:
            filer = _system_user(Unit.get(Unit.kind == "bureau"))
        codes = [i.code for i in Industry.select(Industry.code)] or ["general"]
        leaders = [u.id for u in User.select(User.id).where(User.role == "leader")]
        teams = [u.id for u in Unit.select(Unit.id).where(Unit.kind == "team")]
        start_number = (Project.select(peewee.fn.MAX(Project.id)).scalar() or 0) + 1
        enterprise_ids = _seed_enterprises(max(1, count // 20), rng, start_number)
    unit_ids = [u.id for u in units]
    stages = list(STAGE_WEIGHTS)
    weights = [STAGE_WEIGHTS[s] for s in stages]
    inserted, started = 0, time.monotonic()
    statistics = AnalyzeAsItGrows(analyze, first=BATCH, factor=2)
    while inserted < count:
        size = min(BATCH, count - inserted)
        with database.atomic():
            rows, histories = [], {}
            for i in range(size):
                number = start_number + inserted + i
                name = f"{rng.choice(PLACES)}{rng.choice(PRODUCTS)}项目 S{number:07d}"
                final = rng.choices(stages, weights)[0]
                row, steps = _project_row(name, final, rng, today, unit_ids, codes, leaders, teams,
                                          enterprise_ids, filer.id)
                rows.append(row)
                histories[name] = (steps, row)
            Project.insert_many(rows).execute()
            ids = dict(Project.select(Project.name, Project.id).where(Project.name.in_(list(histories))).tuples())
            changes = []
            for name, (steps, row) in histories.items():
                previous = ""
                for stage, on in steps:
                    verified = stage in ("signed", "started", "completed", "production")
                    changes.append((ids[name], previous, stage, on, filer.id,
                                    dt.datetime.combine(on, dt.time(12, 0)),
                                    "approved" if verified else "not_required"))
                    previous = stage
            fields = [StageChange.project, StageChange.from_stage, StageChange.to_stage, StageChange.on_date,
                      StageChange.by, StageChange.at, StageChange.verification]
            for chunk in range(0, len(changes), BATCH * 2):
                StageChange.insert_many(changes[chunk:chunk + BATCH * 2], fields=fields).execute()
            refresh_counted(ids.values())  # the counted milestone dates of the new projects
        inserted += size
        if inserted < count:  # the last ANALYZE comes after the tally is compacted
            statistics.grew(inserted)
        if echo and (inserted % 10000 < BATCH or inserted == count):
            echo(f"  {inserted} projects ({time.monotonic() - started:.0f} s)")
    with database.atomic():
        AuditLog.create(user=None, action="seed", entity="project", entity_id=0,
                        changes={"projects": count}, note="portal seed")
    tally.compact()  # a row per inserted project (SQLite's row triggers): one per group
    analyze()
    return inserted


def analyze() -> None:
    """Refresh the query planner's statistics after a bulk load (SQLite otherwise prefers a
    poor index for text searches, several times slower)."""
    if backend() == "mysql":
        database.execute_sql("ANALYZE TABLE project, stage_change, enterprise, unit")
    else:
        database.execute_sql("ANALYZE")


def _seed_enterprises(count: int, rng: random.Random, start: int) -> list[int]:
    rows = []
    for i in range(count):
        name = "".join(rng.sample(COMPANY_WORDS, 2)) + rng.choice(COMPANY_KINDS) + f" E{start + i:07d}"
        flags = rng.random()
        rows.append({"name": name, "origin_country": "中国", "china_500": flags < 0.03,
                     "china_private_500": 0.03 <= flags < 0.06, "foreign_invested": flags > 0.95,
                     "listed": flags > 0.85})
    names = [r["name"] for r in rows]
    for chunk in range(0, len(rows), BATCH):
        Enterprise.insert_many(rows[chunk:chunk + BATCH]).execute()
    ids = []
    for chunk in range(0, len(names), BATCH):
        ids += [e.id for e in Enterprise.select(Enterprise.id).where(Enterprise.name.in_(names[chunk:chunk + BATCH]))]
    return ids


#: Positions on an industry chain (as the demo and the chain pages use them).
CHAIN_POSITIONS = ("up", "mid", "down")


def _project_row(name, final, rng, today, unit_ids, codes, leaders, teams, enterprise_ids, filer_id):
    history = random_history(rng, final, today, began_within=(1, 1100), gaps=(10, 90))
    begin, steps = history.began, history.steps
    last = steps[-1][0]
    total = Decimal(rng.randrange(10, 20000) * 100)
    flag = rng.choices(("green", "yellow", "red"), (80, 15, 5))[0]
    team = rng.choice(teams) if teams and rng.random() < 0.25 else None
    row = {
        "name": name,
        "enterprise": rng.choice(enterprise_ids) if rng.random() < 0.9 else None,
        "industry_code": rng.choice(codes),
        "chain_link_code": None,  # set below from the name: the random sequence stays as it was
        "source_channel": "stationed_team" if team else rng.choice(("event", "business_referral", "online")),
        "source_team": team,
        "is_key": total >= 100000,
        "is_confidential": rng.random() < 0.05,
        "total_investment": total,
        "contracted_amount": total if LINE.index(last) >= 2 else None,
        "responsible_unit": rng.choice(unit_ids),
        "leader": rng.choice(leaders) if leaders and rng.random() < 0.3 else None,
        "stage": final if final in ("stalled", "dropped") else last,
        "stage_before_stall": last if final == "stalled" else "",
        "stage_reason": "synthetic" if final in ("stalled", "dropped") else "",
        "flag": flag,
        "flag_reasons": None,
        "extra": None,
        "created_by": filer_id,
        "created_at": dt.datetime.combine(begin, dt.time(9, 0)),
        "updated_at": dt.datetime.combine(steps[-1][1], dt.time(9, 0)),
    }
    # A link of its industry's chain ("<industry>.up|mid|down"), so chain pages have data.
    row["chain_link_code"] = f"{row['industry_code']}.{CHAIN_POSITIONS[zlib.crc32(name.encode()) % 3]}"
    for column in DATE_COLUMN.values():
        row[column] = None
    for stage, on in steps:
        row[DATE_COLUMN[stage]] = on
    return row, steps


@click.command("seed", help="Add N synthetic projects with stage histories (for benchmarks).")
@click.option("--projects", "count", type=click.IntRange(1, 10_000_000), required=True,
              help="How many projects to add.")
@click.option("--random-seed", type=int, default=7, show_default=True)
def seed_command(count, random_seed):
    from portal.cli import AppContext, _upgrade

    with AppContext():
        _upgrade(echo=False)
        started = time.monotonic()
        inserted = seed_projects(count, random.Random(random_seed), echo=click.echo)
    click.echo(f"seeded {inserted} projects in {time.monotonic() - started:.1f} s")
