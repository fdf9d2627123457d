"""The demo city: an organisation with users for every role, extended by features through a hook.

Idempotent: units and users are found by name before they are created, so
``portal demo`` can run on an empty or an existing instance, any number of times.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from portal import plugins
from portal.auth import throttle
from portal.auth.passwords import hash_password
from portal.db import database
from portal.models import Unit, User

# (key, name, kind, parent key, city)
DEMO_UNITS = [
    ("bureau", "示范市投资促进服务中心", "bureau", None, ""),
    ("donghu", "东湖区", "district", "bureau", ""),
    ("xishan", "西山区", "district", "bureau", ""),
    ("nanling", "南岭县", "county", "bureau", ""),
    ("beichuan", "北川县", "county", "bureau", ""),
    ("qingyun", "青云县", "county", "bureau", ""),
    ("etdz", "示范经济技术开发区", "zone", "bureau", ""),
    ("hitech", "示范高新技术产业开发区", "zone", "bureau", ""),
    ("nanling_town", "南岭县城关镇", "town", "nanling", ""),
    ("qingyun_town", "青云县青石镇", "town", "qingyun", ""),
    ("donghu_street", "东湖区湖滨街道", "town", "donghu", ""),
    ("dept_industry", "市工业和信息化局", "department", "bureau", ""),
    ("dept_ndrc", "市发展和改革委员会", "department", "bureau", ""),
    ("dept_land", "市自然资源和规划局", "department", "bureau", ""),
    ("dept_env", "市生态环境局", "department", "bureau", ""),
    ("dept_power", "国网示范供电公司", "department", "bureau", ""),
    ("dept_agri", "市农业农村局", "department", "bureau", ""),
    ("dept_tourism", "市文化旅游广电局", "department", "bureau", ""),
    ("team_shanghai", "驻上海招商组", "team", "bureau", "上海"),
    ("team_shenzhen", "驻深圳招商组", "team", "bureau", "深圳"),
    ("team_beijing", "驻北京招商组", "team", "bureau", "北京"),
    ("special_newenergy", "新能源产业链专班", "special_team", "bureau", ""),
]

# (username, display name, role, unit key)
#: Departments that promote investment in their sector: they lead a few demo projects and are
#: assessed (have targets); the others (development and reform, land, environment, the power
#: company) answer the problems assigned to them.
PROMOTING_DEPARTMENTS = ("dept_industry", "dept_agri", "dept_tourism")

DEMO_USERS = [
    ("admin", "系统管理员", "admin", "bureau"),
    ("bureau", "王晓明", "bureau", "bureau"),
    ("bureau2", "李静", "bureau", "bureau"),
    ("mayor", "张市长", "leader", "bureau"),
    ("secretary", "陈书记", "leader", "bureau"),
    ("chainlead", "刘副市长", "leader", "bureau"),
    ("donghu", "赵东湖", "unit", "donghu"),
    ("xishan", "钱西山", "unit", "xishan"),
    ("nanling", "孙南岭", "unit", "nanling"),
    ("beichuan", "周北川", "unit", "beichuan"),
    ("qingyun", "吴青云", "unit", "qingyun"),
    ("etdz", "郑经开", "unit", "etdz"),
    ("hitech", "冯高新", "unit", "hitech"),
    ("nanling_town", "何城关", "unit", "nanling_town"),
    ("industry", "许工信", "department", "dept_industry"),
    ("ndrc", "韩发改", "department", "dept_ndrc"),
    ("land", "杨自然", "department", "dept_land"),
    ("env", "朱生态", "department", "dept_env"),
    ("power", "秦供电", "department", "dept_power"),
    ("shanghai", "沈驻沪", "unit", "team_shanghai"),
    ("shenzhen", "韦驻深", "unit", "team_shenzhen"),
    ("beijing", "蒋驻京", "unit", "team_beijing"),
]


@dataclass
class DemoContext:
    """What the ``portal_demo_data`` hook receives."""

    units: dict[str, Unit]
    users: dict[str, User]
    rng: random.Random
    today: dt.date
    password_hash: str
    created: dict[str, int] = field(default_factory=dict)


def _unit(key, name, kind, parent, city) -> Unit:
    unit = Unit.get_or_none(Unit.name == name)
    if unit is None:
        unit = Unit(name=name, kind=kind, parent=parent, city=city, sort_order=0)
        unit.save_with_path()
    return unit


def build_demo(password: str, today: dt.date) -> DemoContext:
    """Create (or find) the demo organisation and set every demo user's password."""
    pw_hash = hash_password(password)
    units: dict[str, Unit] = {}
    users: dict[str, User] = {}
    with database.atomic():
        for order, (key, name, kind, parent_key, city) in enumerate(DEMO_UNITS):
            units[key] = _unit(key, name, kind, units.get(parent_key), city)
            if units[key].sort_order != order:
                Unit.update(sort_order=order).where(Unit.id == units[key].id).execute()
        for username, display, role, unit_key in DEMO_USERS:
            user = User.get_or_none(User.username == username)
            if user is None:
                user = User.create(username=username, display_name=display, role=role,
                                   unit=units[unit_key], password_hash=pw_hash)
            else:
                User.update(password_hash=pw_hash, active=True).where(User.id == user.id).execute()
                throttle.unlock(user)  # a demo run again lets every demo user in at once
            users[username] = user
    context = DemoContext(units=units, users=users, rng=random.Random(20261121), today=today, password_hash=pw_hash)
    plugins.call("portal_demo_data", context=context)
    return context
