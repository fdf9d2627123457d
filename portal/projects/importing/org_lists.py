"""Importing the organisation: the unit tree (each unit under its parent, by name) and the users.

Units are matched by name (a re-import updates them), so unit names must be unique for an
import; users by username. A new user gets a generated password, shown once to the importer
and stored only as its hash.
"""
from __future__ import annotations

import secrets

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal import audit, permissions
from portal.auth.passwords import hash_password, min_length, password_problem
from portal.labels import ROLE_LABELS, UNIT_KIND_LABELS
from portal.models import ROLES, Unit, User
from portal.projects.importing import columns as C
from portal.projects.importing import list_undo
from portal.projects.importing.lists import ListChecker, ListKind, unknown
from portal.projects.importing.planning import RowPlan

F = C.Field
UNIT_FIELDS = C.FieldSet((
    F("name", _l("Unit name"), "text", ("单位名称", "单位", "名称", "unit", "name"), required=True),
    F("kind", _l("Kind"), "text", ("类型", "单位类型", "单位类别", "类别", "层级", "kind", "type")),
    F("parent", _l("Parent unit"), "text", ("上级单位", "上级", "所属上级", "隶属", "parent")),
    F("city", _l("Stationed in (city)"), "text", ("驻点城市", "所在城市", "城市", "city")),
    F("sort_order", _l("Order"), "integer", ("排序", "顺序", "排序号", "order", "sort order")),
), anchor="name")

USER_FIELDS = C.FieldSet((
    F("username", _l("Username"), "text", ("用户名", "账号", "帐号", "登录名", "username", "login"), required=True),
    F("display_name", _l("Full name"), "text", ("姓名", "名字", "显示名", "name", "display name")),
    F("role", _l("Role"), "text", ("角色", "权限", "role")),
    F("unit", _l("Unit"), "text", ("所属单位", "单位", "单位名称", "unit")),
    F("phone", _l("Phone"), "text", ("电话", "手机", "手机号", "联系电话", "phone", "mobile")),
), anchor="username")

USERNAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _labels(labels: dict, extra: dict | None = None) -> dict[str, str]:
    """normalised label (every language) or code -> code."""
    found = {C.normalise(code): code for code in labels}
    for locale in C.LOCALES:
        with force_locale(locale):
            for code, label in labels.items():
                found.setdefault(C.normalise(str(label)), code)
    for word, code in (extra or {}).items():
        found.setdefault(C.normalise(word), code)
    return found


#: More words offices use for unit kinds and roles.
KIND_WORDS = {"招商局": "bureau", "县": "county", "区": "district", "开发区": "zone", "园区": "zone", "乡镇": "town",
              "街道": "town", "部门": "department", "驻点招商组": "team", "驻外招商组": "team", "专班": "special_team"}
ROLE_WORDS = {"管理员": "admin", "招商局": "bureau", "单位": "unit", "部门": "department", "领导": "leader"}


def _by_name(units) -> tuple[dict, set]:
    """name -> unit, and the names several units share (they cannot be named in a sheet)."""
    named, shared = {}, set()
    for unit in units:
        key = unit.name.strip()
        if key in named:
            shared.add(key)
        named[key] = unit
    return named, shared


# Units ------------------------------------------------------------------------------------------

class UnitChecker(ListChecker):
    limits = {"name": 100, "parent": 100, "city": 50}

    def __init__(self, layout, user):
        super().__init__(layout, user)
        self.units, self.shared = _by_name(Unit.select())
        self.kinds = _labels(UNIT_KIND_LABELS, KIND_WORDS)

    def check_row(self, plan: RowPlan, values: dict) -> None:
        name = values.get("name") or ""
        if not name:
            self.problem(plan, "name", _l("The unit name is missing."))
            return
        if self.repeated(plan, name):
            return
        if name in self.shared:
            self.problem(plan, "name", _l("Several units are called “%(name)s”: rename them on the units page "
                                          "first.", name=name))
        unit = self.units.get(name)
        wanted = {}
        kind = values.get("kind") or ""
        if kind:
            wanted["kind"] = self.kinds.get(C.normalise(kind))
            if wanted["kind"] is None:
                self.problem(plan, "kind", _l("“%(name)s” is not a kind of unit. Use one of: %(kinds)s.", name=kind,
                                              kinds="、".join(str(v) for v in UNIT_KIND_LABELS.values())))
        elif unit is None:
            self.problem(plan, "kind", _l("Say what kind of unit this is."))
        if self.has("parent"):
            wanted["parent"] = values.get("parent") or ""  # a name, resolved once every row is read
        for key in ("city", "sort_order"):
            if self.has(key) and (values.get(key) not in (None, "") or unit is None):  # blank: kept
                wanted[key] = values.get(key) or ("" if key == "city" else 0)
        if (wanted.get("sort_order") or 0) > 9999:
            self.problem(plan, "sort_order", _l("Enter a whole number from 0 to 9999."))
        plan.fields = dict(wanted, name=name)
        self.settle(plan, unit, {})

    def finish(self, plans: list[RowPlan]) -> None:
        """Parents by name (a unit of the sheet or of the portal), no unit below itself; then what
        each row changes."""
        rows = {p.fields["name"]: p for p in plans if p.fields.get("name") and not p.problems}
        parent_of = {name: (u.parent.name.strip() if u.parent_id else "") for name, u in self.units.items()}
        for name, plan in rows.items():
            if "parent" in plan.fields:
                parent_of[name] = plan.fields["parent"]
        known = set(self.units) | {p.fields["name"] for p in plans if p.fields.get("name")}  # with problems too
        for name, plan in rows.items():
            parent = plan.fields.get("parent")
            if not parent:
                continue
            if parent not in known:
                self.problem(plan, "parent", unknown(_l("No unit is called “%(name)s”, in the portal or the sheet.",
                                                        name=parent), parent, known))
            elif parent in self.shared:
                self.problem(plan, "parent", _l("Several units are called “%(name)s”: rename them on the units page "
                                                "first.", name=parent))
            else:
                chain, step = [name], parent
                while step and step not in chain and len(chain) <= len(parent_of):
                    chain.append(step)
                    step = parent_of.get(step, "")
                if step == name:
                    self.problem(plan, "parent", _l("A unit cannot be placed below itself: %(chain)s.",
                                                    chain=" → ".join(chain + [name])))
        for plan in plans:
            if not plan.problems and plan.record is not None:
                self.settle(plan, plan.record, self._changes(plan.record, plan.fields))

    @staticmethod
    def _changes(unit: Unit, wanted: dict) -> dict:
        before = {key: getattr(unit, key) for key in wanted if key != "parent"}
        if "parent" in wanted:
            before["parent"] = unit.parent.name.strip() if unit.parent_id else ""
        return audit.diff(before, wanted)


class UnitsKind(ListKind):
    key = "units"
    entity = "unit"
    fieldset = UNIT_FIELDS
    checker_class = UnitChecker
    title = _l("Import units")
    permission = staticmethod(permissions.can_import_organisation)

    def write(self, plans, user, note, items):
        """Parents before their children: a pass saves every row whose parent exists by now."""
        units = {u.name.strip(): u for u in Unit.select()}
        pending = list(plans)
        while pending:
            waiting = []
            for plan in pending:
                parent = plan.fields.get("parent")
                if parent and parent not in units:
                    waiting.append(plan)
                    continue
                units[plan.fields["name"]] = self._save(plan, units, user, note, items)
            if len(waiting) == len(pending):  # the checks rule out cycles; never loop for ever
                raise RuntimeError("unit import: parents could not be ordered")
            pending = waiting
        return []

    @staticmethod
    def _save(plan, units, user, note, items) -> Unit:
        # Read afresh: moving a unit earlier in this import rewrote the paths of the units below it.
        unit = Unit.get_by_id(plan.record.id) if plan.record is not None else Unit()
        for key, value in plan.fields.items():
            if key == "parent":
                unit.parent = Unit.get_by_id(units[value].id) if value else None
            else:
                setattr(unit, key, value)
        unit.save_with_path()
        if plan.record is not None:
            items.updated(plan.record, list_undo.snapshot(unit, plan.fields))
        else:
            items.created(unit, plan.fields)
        changes = plan.changes if plan.record is not None else audit.diff({}, plan.fields)
        audit.record("import", "unit", unit.id, changes, note=note, user=user)
        return unit


# Users ------------------------------------------------------------------------------------------

class UserChecker(ListChecker):
    limits = {"username": 64, "display_name": 100, "phone": 30}

    def __init__(self, layout, user):
        super().__init__(layout, user)
        self.units, self.shared = _by_name(Unit.select().where(Unit.active == True))  # noqa: E712
        self.roles = _labels(ROLE_LABELS, ROLE_WORDS)

    def check_row(self, plan: RowPlan, values: dict) -> None:
        username = values.get("username") or ""
        if not username:
            self.problem(plan, "username", _l("The username is missing."))
            return
        if len(username) < 2 or not set(username) <= USERNAME_CHARACTERS:
            self.problem(plan, "username", _l("Use letters, digits, dot, dash and underscore only (2 characters "
                                              "or more)."))
        if self.repeated(plan, username.lower()):
            return
        user = User.get_or_none(User.username == username)
        wanted = {}
        for key in ("display_name", "phone"):
            if values.get(key):
                wanted[key] = values[key]
        if user is None and not values.get("display_name"):
            self.problem(plan, "display_name", _l("The person's name is missing."))
        role = values.get("role") or ""
        if role:
            wanted["role"] = self.roles.get(C.normalise(role))
            if wanted["role"] is None:
                self.problem(plan, "role", _l("“%(name)s” is not a role. Use one of: %(roles)s.", name=role,
                                              roles="、".join(str(ROLE_LABELS[r]) for r in ROLES)))
            elif user is not None and user.id == self.user.id and wanted["role"] != user.role:
                self.problem(plan, "role", _l("You cannot change your own role."))
        elif user is None:
            self.problem(plan, "role", _l("The role is missing."))
        unit_name = values.get("unit") or ""
        if unit_name:
            unit = self.units.get(unit_name)
            if unit is None:
                self.problem(plan, "unit", unknown(_l("No active unit is called “%(name)s”.", name=unit_name),
                                                   unit_name, self.units))
            elif unit_name in self.shared:
                self.problem(plan, "unit", _l("Several units are called “%(name)s”: rename them on the units page "
                                              "first.", name=unit_name))
            else:
                wanted["unit"] = unit.id
        elif user is None:
            self.problem(plan, "unit", _l("The unit is missing."))
        plan.fields = dict(wanted, username=username)
        before = {} if user is None else {k: getattr(user, k + "_id" if k == "unit" else k) for k in plan.fields}
        self.settle(plan, user, audit.diff(before, plan.fields) if user is not None else {})


def one_time_password(username: str) -> str:
    """A random password the policy accepts (length, not common, not the username)."""
    while True:
        password = secrets.token_urlsafe(max(min_length(), 12))  # 4 characters per 3 bytes
        if password_problem(password, username) is None:
            return password


class UsersKind(ListKind):
    key = "users"
    entity = "user"
    fieldset = USER_FIELDS
    checker_class = UserChecker
    title = _l("Import users")
    permission = staticmethod(permissions.can_import_organisation)

    def write(self, plans, user, note, items):
        """Saves the rows; returns (username, name, password) of each new user, to show once."""
        created = []
        for plan in plans:
            if plan.record is None:
                password = one_time_password(plan.fields["username"])
                target = User.create(password_hash=hash_password(password), **plan.fields)
                audit.record("import", "user", target.id, audit.diff({}, plan.fields), note=note, user=user)
                created.append((target.username, target.display_name, password))
                items.created(target, plan.fields)
            else:
                User.update(**plan.fields).where(User.id == plan.record.id).execute()
                items.updated(plan.record, plan.fields)
                audit.record("import", "user", plan.record.id, plan.changes, note=note, user=user)
        return created
