"""Importing investors with their class, and capital in place (资金到位) per project and date.

Investors are matched as the project forms and the project import match them (unified social
credit code, then name: ``forms.known_investor``). A class change follows
``permissions.can_change_investor_class``; projects keep their class at signing anyway.
Capital entries are matched by project and date: a re-import updates the amount of that day.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal import audit, permissions, plugins
from portal.labels import INVESTOR_CLASS_LABELS
from portal.models import INVESTOR_CLASSES, CapitalEntry, Enterprise, Project, Unit
from portal.projects.forms import credit_code_valid, known_investor
from portal.projects.importing import columns as C
from portal.projects.importing.lists import ListChecker, ListKind
from portal.projects.importing.planning import RowPlan
from portal.timeutil import today

F = C.Field
CLASS_ALIASES = {
    "fortune_global_500": ("世界500强", "世界五百强", "fortune 500"),
    "china_500": ("中国500强", "中国五百强"),
    "china_private_500": ("民营500强", "中国民营500强", "民营企业500强"),
    "central_soe": ("央企", "中央企业"),
    "foreign_invested": ("外资企业", "外商投资企业", "外资"),
    "listed": ("上市公司", "上市企业", "是否上市"),
}
INVESTOR_FIELDS = C.FieldSet((
    F("name", _l("Investor enterprise"), "text", ("企业名称", "投资方", "投资企业", "企业", "名称", "investor", "name"),
      required=True),
    F("credit_code", _l("Unified social credit code"), "code", ("统一社会信用代码", "信用代码", "credit code")),
    F("origin_country", _l("Origin: country"), "text", ("来源国家", "国别", "国家", "country")),
    F("origin_province", _l("Origin: province"), "text", ("来源省份", "省份", "省", "province")),
    F("origin_city", _l("Origin: city"), "text", ("来源城市", "城市", "市", "city")),
) + tuple(F(flag, INVESTOR_CLASS_LABELS[flag], "bool", CLASS_ALIASES[flag]) for flag in INVESTOR_CLASSES),
    anchor="name")

CAPITAL_FIELDS = C.FieldSet((
    F("project_code", _l("Project code"), "code", ("项目编号", "项目代码", "编号", "项目编码", "project id")),
    F("project", _l("Project name"), "text", ("项目名称", "项目", "project", "name"), required=True),
    F("unit", _l("Responsible unit"), "text", ("责任单位", "牵头单位", "所属单位", "unit")),
    F("on_date", _l("Date"), "period", ("到位日期", "到位时间", "日期", "月份", "期间", "date", "month"),
      required=True),
    F("amount", _l("Capital in place (10k CNY)"), "amount",
      ("到位资金", "资金到位", "到位金额", "实际到位资金", "到位资金额", "capital in place", "amount"), required=True),
    F("note", _l("Note"), "text", ("备注", "说明", "note")),
), anchor="project")


# Investors --------------------------------------------------------------------------------------

class InvestorChecker(ListChecker):
    limits = {"name": 200, "origin_country": 50, "origin_province": 50, "origin_city": 50}

    def check_row(self, plan: RowPlan, values: dict) -> None:
        name, code = values.get("name") or "", values.get("credit_code")
        if not name:
            self.problem(plan, "name", _l("The investor's name is missing."))
            return
        if code and not credit_code_valid(code):
            self.problem(plan, "credit_code",
                         _l("A unified social credit code has 18 characters (digits and capital letters) "
                            "and a valid check character."))
        if self.repeated(plan, ("code", code) if code else ("name", name)):
            return
        investor = known_investor(name, code)
        wanted = {"name": name}
        if code:  # known_investor looked the code up first: no other investor has it
            wanted["credit_code"] = code
        for key in ("origin_country", "origin_province", "origin_city"):
            if values.get(key):
                wanted[key] = values[key]
        classes = {flag: values[flag] for flag in INVESTOR_CLASSES if values.get(flag) is not None}
        before = {} if investor is None else {k: getattr(investor, k) for k in list(wanted) + list(classes)}
        if investor is None:
            classes = {flag: bool(value) for flag, value in classes.items()}
        moved = {f for f, v in classes.items() if investor is not None and v != getattr(investor, f)}
        if moved and not permissions.can_change_investor_class(self.user, investor):
            for flag in moved:
                self.problem(plan, flag, _l("You may not change this investor's class."))
        plan.fields = dict(wanted, **classes)
        self.settle(plan, investor, audit.diff(before, plan.fields) if investor is not None else {})


class InvestorsKind(ListKind):
    key = "investors"
    entity = "enterprise"
    fieldset = INVESTOR_FIELDS
    checker_class = InvestorChecker
    title = _l("Import investors")
    permission = staticmethod(permissions.can_import_investors)

    def write(self, plans, user, note, items):
        for plan in plans:
            if plan.record is None:
                target = Enterprise.create(**plan.fields)
                audit.record("import", "enterprise", target.id, audit.diff({}, plan.fields), note=note, user=user)
                items.created(target, plan.fields)
            else:
                Enterprise.update(**plan.fields).where(Enterprise.id == plan.record.id).execute()
                items.updated(plan.record, plan.fields)
                audit.record("import", "enterprise", plan.record.id, plan.changes, note=note, user=user)
        return []


# Capital in place ---------------------------------------------------------------------------------

class CapitalChecker(ListChecker):
    limits = {"note": 200}

    def check_row(self, plan: RowPlan, values: dict) -> None:
        project = self._project(plan, values)
        on_date, amount = values.get("on_date"), values.get("amount")
        if on_date is None and not self.flagged(plan, "on_date"):
            self.problem(plan, "on_date", _l("Enter the date."))
        elif on_date is not None and on_date > today():
            self.problem(plan, "on_date", _l("The date cannot be in the future."))
        if (amount is not None and amount <= 0) or (amount is None and not self.flagged(plan, "amount")):
            self.problem(plan, "amount", _l("The amount must be greater than zero."))
        if project is None or on_date is None:
            return
        if self.repeated(plan, (project.id, on_date)):
            return
        entry = (CapitalEntry.select().where(CapitalEntry.project == project.id, CapitalEntry.on_date == on_date)
                 .order_by(CapitalEntry.id).first())
        plan.project = project
        plan.fields = {"project": project.id, "on_date": on_date, "amount": amount}
        if self.has("note"):
            plan.fields["note"] = values.get("note") or ""
        before = {} if entry is None else {"amount": Decimal(entry.amount), "note": entry.note}
        changes = audit.diff(before, {k: plan.fields[k] for k in ("amount", "note") if k in plan.fields})
        self.settle(plan, entry, changes if entry is not None else {})
        plan.project = project

    def _project(self, plan: RowPlan, values: dict) -> Project | None:
        """By project code, else by name (and responsible unit when the sheet names it)."""
        code, name, unit = values.get("project_code"), values.get("project") or "", values.get("unit") or ""
        if code:
            query = Project.select().where(Project.code == code)
        elif name:
            query = Project.select().where(Project.name == name)
            if unit:
                query = query.join(Unit, on=(Project.responsible_unit == Unit.id)).where(Unit.name == unit)
        else:
            self.problem(plan, "project", _l("The project name is missing."))
            return None
        found = list(query.limit(2))
        if not found:
            self.problem(plan, "project_code" if code else "project",
                         _l("No project has the code “%(code)s”.", code=code) if code else
                         _l("No project is called “%(name)s”.", name=name))
            return None
        if len(found) > 1:
            self.problem(plan, "project", _l("Several projects are called “%(name)s”: add the project code or the "
                                             "responsible unit.", name=name or code))
            return None
        return found[0]


class CapitalKind(ListKind):
    key = "capital"
    entity = "capital_entry"
    fieldset = CAPITAL_FIELDS
    checker_class = CapitalChecker
    title = _l("Import capital in place")
    permission = staticmethod(permissions.can_import_capital)

    def write(self, plans, user, note, items):
        projects = {}
        for plan in plans:
            fields = dict(plan.fields)
            if plan.record is None:
                fields.setdefault("note", "")
                items.created(CapitalEntry.create(by=user.id, **fields), ("project", "on_date", "amount", "note"))
                changes = {"capital_in_place": [None, fields["amount"]], "on_date": [None, fields["on_date"]]}
            else:
                written = {k: fields[k] for k in ("amount", "note") if k in fields}
                CapitalEntry.update(**written).where(CapitalEntry.id == plan.record.id).execute()
                items.updated(plan.record, written)
                changes = dict(plan.changes, on_date=[fields["on_date"], fields["on_date"]])
                if "amount" in changes:
                    changes["capital_in_place"] = changes.pop("amount")
            audit.record("capital", "project", fields["project"], changes, note=note, user=user)
            projects[fields["project"]] = plan.project
        for project in projects.values():
            plugins.project_changed(project, "capital", user)
        return []

