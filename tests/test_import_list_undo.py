"""Undoing an import of units, users, investors or capital entries from its page: what it created
is deleted, what it updated restored, unless its records changed or were used since (the page
then says what blocks it and nothing moves)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.models import AuditLog, CapitalEntry, Enterprise, ImportBatch, Unit, User
from tests.forms_helpers import forms_on, submit
from tests.test_import import xlsx
from tests.test_import_lists import CAPITAL, INVESTORS, UNITS, USERS, USERS_CSV, press_import, preview, unit_rows


def imported(client, prefix, data: bytes, name="list.xlsx") -> int:
    bid, html = preview(client, prefix, data, name)
    response = press_import(client, prefix, bid, html)
    assert response.status_code in (200, 303), response.get_data(as_text=True)
    return bid


def press_undo(client, prefix, bid):
    """Press the Undo button of the batch on the list's import page."""
    html = client.get(prefix).get_data(as_text=True)
    form = next(f for f in forms_on(html, prefix) if f.action.endswith(f"/{bid}/undo"))
    return submit(client, form)


def test_a_unit_import_undone_deletes_its_units_and_restores_the_one_it_changed(login, org):
    admin = login("admin")
    before = Unit.select().count()
    county_a = Unit.get(Unit.name == "County A")
    bid = imported(admin, UNITS, xlsx(unit_rows()))
    assert Unit.get_by_id(county_a.id).sort_order == 1 != county_a.sort_order
    response = press_undo(admin, UNITS, bid)
    assert response.status_code == 303
    assert "The import was undone." in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert Unit.select().count() == before
    assert Unit.get_by_id(county_a.id).sort_order == county_a.sort_order
    assert ImportBatch.get_by_id(bid).state == "undone"
    assert AuditLog.select().where(AuditLog.action == "import_undo", AuditLog.entity == "unit").count() == 5
    assert f'action="{UNITS}/{bid}/undo"' not in admin.get(UNITS).get_data(as_text=True)  # once only


def test_a_unit_import_is_not_undone_once_a_unit_has_a_project_or_was_changed(login, org, make_project):
    admin = login("admin")
    bid = imported(admin, UNITS, xlsx(unit_rows()))
    county_c = Unit.get(Unit.name == "County C")
    project = make_project(name="Battery plant")
    project.responsible_unit = county_c.id
    project.save()
    Unit.update(city="上海").where(Unit.name == "Beijing Team").execute()
    response = press_undo(admin, UNITS, bid)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "so it can no longer be undone" in html
    assert "unit “County C” has projects" in html and "“Beijing Team” was changed" in html
    assert Unit.get_or_none(Unit.name == "Zone C9") is not None and ImportBatch.get_by_id(bid).state == "imported"


def test_a_user_import_is_undone_while_its_new_users_never_signed_in(login, org):
    admin = login("admin")
    old_name = User.get(User.username == "unit_b").display_name
    bid = imported(admin, USERS, USERS_CSV.encode("gbk"), "用户.csv")
    assert press_undo(admin, USERS, bid).status_code == 303
    assert not User.select().where(User.username.in_(["zhang.san", "li.si"])).exists()
    assert User.get(User.username == "unit_b").display_name == old_name


def test_a_user_import_is_not_undone_once_a_new_user_signed_in(login, org, app):
    admin = login("admin")
    bid, html = preview(admin, USERS, USERS_CSV.encode("gbk"), "用户.csv")
    page = press_import(admin, USERS, bid, html).get_data(as_text=True)
    password = page.split("<td>zhang.san</td><td>张三</td><td><code>")[1].split("<")[0]
    assert app.test_client().login("zhang.san", password).status_code == 303
    response = press_undo(admin, USERS, bid)
    assert response.status_code == 409
    assert "user “zhang.san” has signed in" in response.get_data(as_text=True)
    assert User.select().where(User.username.in_(["zhang.san", "li.si"])).count() == 2


CODE = "91350900MA2YQ5NB4A"
INVESTOR_ROWS = [["企业名称", "统一社会信用代码", "世界500强", "省份"],
                 ["宁德时代", CODE, "是", "福建"],  # found by name: gets the code and the class
                 ["隆基绿能", "", "否", "陕西"]]  # created


def test_an_investor_import_undone_restores_and_deletes(login):
    known = Enterprise.create(name="宁德时代")
    bureau = login("bureau")
    bid = imported(bureau, INVESTORS, xlsx(INVESTOR_ROWS))
    assert Enterprise.get_by_id(known.id).credit_code == CODE
    assert press_undo(bureau, INVESTORS, bid).status_code == 303
    known = Enterprise.get_by_id(known.id)
    assert (known.credit_code, known.fortune_global_500, known.origin_province) == (None, False, "")
    assert not Enterprise.select().where(Enterprise.name == "隆基绿能").exists()


def test_an_investor_import_is_not_undone_once_a_new_investor_has_a_project(login, make_project):
    bureau = login("bureau")
    bid = imported(bureau, INVESTORS, xlsx(INVESTOR_ROWS))
    project = make_project(name="Solar plant")
    project.enterprise = Enterprise.get(Enterprise.name == "隆基绿能").id
    project.save()
    response = press_undo(bureau, INVESTORS, bid)
    assert response.status_code == 409
    assert "investor “隆基绿能” has projects" in response.get_data(as_text=True)
    assert Enterprise.get(Enterprise.name == "宁德时代").credit_code == CODE


def test_a_capital_import_undone_unless_an_entry_was_changed(login, make_project):
    battery = make_project(name="Battery plant", stage="signed")
    entry = CapitalEntry.create(project=battery.id, on_date=dt.date(2026, 3, 1), amount=Decimal(100), note="",
                                by=battery.created_by_id)
    rows = [["项目名称", "到位日期", "到位资金（万元）"],
            ["Battery plant", "2026-03-01", 300],  # updates the entry of that day
            ["Battery plant", "2026-04-01", 200]]  # a new one
    bureau = login("bureau")
    bid = imported(bureau, CAPITAL, xlsx(rows))
    CapitalEntry.update(amount=Decimal(250)).where(CapitalEntry.on_date == dt.date(2026, 4, 1)).execute()
    response = press_undo(bureau, CAPITAL, bid)
    assert response.status_code == 409
    assert "“Battery plant 2026-04-01” was changed" in response.get_data(as_text=True)
    CapitalEntry.update(amount=Decimal(200)).where(CapitalEntry.on_date == dt.date(2026, 4, 1)).execute()
    assert press_undo(bureau, CAPITAL, bid).status_code == 303
    assert [(e.id, e.amount) for e in CapitalEntry.select()] == [(entry.id, Decimal("100.00"))]
    assert AuditLog.select().where(AuditLog.action == "import_undo", AuditLog.entity == "project",
                                   AuditLog.entity_id == battery.id).count() == 2


def test_only_the_lists_importers_undo_it(login):
    bureau = login("bureau")
    bid = imported(bureau, INVESTORS, xlsx(INVESTOR_ROWS))
    unit = login("unit_a")
    assert unit.post_form(f"{INVESTORS}/{bid}/undo").status_code == 403
    assert login("admin").post_form(f"{INVESTORS}/{bid}/undo").status_code == 403
    assert ImportBatch.get_by_id(bid).state == "imported"
