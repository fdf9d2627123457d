"""Importing an office's other lists: the unit tree, users, investors with their class and capital
in place, through the same upload → preview → confirm pages as projects (and the CLI)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from portal.cli import cli
from portal.db import database
from portal.models import AuditLog, CapitalEntry, Enterprise, ImportBatch, Unit, User
from tests.forms_helpers import forms_on, submit
from tests.test_import import xlsx

UNITS, USERS, INVESTORS, CAPITAL = "/admin/units/import", "/admin/users/import", "/import/investors", "/import/capital"
CODE = "91350900MA2YQ5NB4A"  # a valid unified social credit code


def _chain(unit) -> list[str]:
    """The names from the top of the tree down to ``unit``, read from its stored path."""
    ids = [int(part) for part in Unit.get_by_id(unit.id).path.strip("/").split("/")]
    names = dict(Unit.select(Unit.id, Unit.name).where(Unit.id.in_(ids)).tuples())
    return [names[i] for i in ids]


def preview(client, prefix, data: bytes, name="list.xlsx"):
    """Upload a sheet on the list's import page: (batch id, preview page)."""
    response = client.post_form(prefix, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    url = response.headers["Location"]
    page = client.get(url)
    return int(url.rstrip("/").split("/")[-1]), page.get_data(as_text=True)


def press_import(client, prefix, bid, html):
    """Press the preview page's Import button (refused: the preview is shown again)."""
    form = next(f for f in forms_on(html, f"{prefix}/{bid}") if f.action.endswith("/confirm"))
    return submit(client, form)


def count(html, what):
    return int(html.split(f'id="count-{what}">')[1].split("<")[0])


# Units ---------------------------------------------------------------------------------------

def unit_rows():
    return [
        ["2026年示范市招商组织架构", None, None, None, None],  # a merged title row
        [None] * 5,
        ["单位名称", "上级单位", "类型", "驻点城市", "排序"],
        ["County C", "Bureau", "县", "", 3],
        ["Zone C9", "Town C2", "开发区", "", ""],  # its parent stands on a later row
        ["Town C2", "County C", "乡镇", "", 1],
        [None] * 5,
        ["Beijing Team", "Bureau", "Stationed team", "北京", 9],
        ["County A", "Bureau", "County", "", 1],  # exists: its order changes
    ]


def test_unit_tree_preview_then_confirm_then_reimport_without_duplicates(login, org):
    admin = login("admin")
    before = Unit.select().count()
    bid, html = preview(admin, UNITS, xlsx(unit_rows(), merge="A1:E1"))
    assert (count(html, "created"), count(html, "updated"), count(html, "errors")) == (4, 1, 0)
    assert "<td>9</td><td>County A</td>" in html.split('id="matches"')[1]  # the row that updates a unit
    assert Unit.select().count() == before  # nothing saved before confirming
    assert press_import(admin, UNITS, bid, html).status_code == 303
    zone = Unit.get(Unit.name == "Zone C9")
    assert _chain(zone) == ["Bureau", "County C", "Town C2", "Zone C9"]
    assert zone.kind == "zone" and Unit.get(Unit.name == "Beijing Team").city == "北京"
    assert Unit.get(Unit.name == "County A").sort_order == 1
    assert Unit.get(Unit.name == "County A").parent_id == org.units["bureau"].id
    assert AuditLog.select().where(AuditLog.entity == "unit", AuditLog.action == "import").count() == 5
    assert ImportBatch.get_by_id(bid).kind == "units"
    bid, html = preview(admin, UNITS, xlsx(unit_rows()))
    assert (count(html, "created"), count(html, "updated"), count(html, "skipped")) == (0, 0, 5)
    press_import(admin, UNITS, bid, html)
    assert Unit.select().count() == before + 4


def test_messy_unit_sheet_reports_each_row_and_saves_nothing(login, org):
    rows = unit_rows()
    rows[3][1] = "Bureua"  # an unknown parent
    rows[5][2] = "village"  # not a kind
    rows[7][4] = "first"  # not a number
    rows += [["Loop A", "Loop B", "town", "", ""], ["Loop B", "Loop A", "town", "", ""],
             ["Bureau", "County A", "", "", ""],  # the bureau below one of its own counties
             ["Zone C9", "Town C2", "zone", "", ""]]  # a repeated unit
    admin = login("admin")
    before = Unit.select().count()
    bid, html = preview(admin, UNITS, xlsx(rows, merge="A1:E1"))
    assert "No unit is called “Bureua”, in the portal or the sheet. Did you mean:" in html and "Bureau" in html
    assert "“village” is not a kind of unit" in html
    assert "Enter a number" in html
    assert "A unit cannot be placed below itself: Loop A → Loop B → Loop A." in html
    assert "A unit cannot be placed below itself: Bureau → County A → Bureau." in html
    assert "This row repeats row 5." in html
    assert 'id="confirm"' not in html
    response = press_import(admin, UNITS, bid, html.replace("</body>", _confirm_form(bid, html)))
    assert response.status_code == 422 and "Nothing was imported" in response.get_data(as_text=True)
    assert Unit.select().count() == before
    assert Unit.get(Unit.name == "Bureau").parent_id is None


def _confirm_form(bid, html):
    """The Import button the page leaves out for a sheet with problems, as a forged request sends it."""
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    return (f'<form method="post" action="{UNITS}/{bid}/confirm"><input type="hidden" name="csrf_token" '
            f'value="{token}"><button type="submit">Import</button></form></body>')


# Users ---------------------------------------------------------------------------------------

USERS_CSV = ("用户名,姓名,角色,所属单位,电话\n"
             "zhang.san,张三,单位,County A,13800000000\n"
             "li.si,李四,Leader,Bureau,\n"
             "unit_b,County B Staff,,,\n")  # exists: a new display name only


def test_users_from_a_gbk_csv_get_a_password_shown_once(login, org, app):
    admin = login("admin")
    bid, html = preview(admin, USERS, USERS_CSV.encode("gbk"), "用户.csv")
    assert (count(html, "created"), count(html, "updated"), count(html, "errors")) == (2, 1, 0)
    response = press_import(admin, USERS, bid, html)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    zhang = User.get(User.username == "zhang.san")
    assert (zhang.display_name, zhang.role, zhang.unit_id, zhang.phone) == ("张三", "unit", org.units["county_a"].id,
                                                                              "13800000000")
    assert User.get(User.username == "li.si").role == "leader"
    assert User.get(User.username == "unit_b").display_name == "County B Staff"
    assert User.get(User.username == "unit_b").role == "unit"  # blank cells keep what is recorded
    password = page.split("<td>zhang.san</td><td>张三</td><td><code>")[1].split("<")[0]
    assert password not in zhang.password_hash
    assert not AuditLog.select().where(AuditLog.changes.contains(password)).exists()
    client = app.test_client()
    assert client.login("zhang.san", password).status_code == 303
    assert password not in admin.get(USERS).get_data(as_text=True)  # shown once
    assert press_import(admin, USERS, bid, html).status_code == 422  # confirming again shows nothing
    bid, html = preview(admin, USERS, USERS_CSV.encode("gbk"), "用户.csv")
    assert (count(html, "created"), count(html, "updated"), count(html, "skipped")) == (0, 0, 3)
    press_import(admin, USERS, bid, html)
    assert User.select().where(User.username == "zhang.san").count() == 1


def test_bad_roles_units_and_names_are_row_problems(login, org):
    rows = [["用户名", "姓名", "角色", "单位"],
            ["wang.wu", "王五", "boss", "County A"],
            ["zhao.liu", "赵六", "unit", "Countyy A"],
            ["bad name!", "坏", "unit", "County A"],
            ["qian.qi", "", "unit", "County A"],
            ["admin", "Admin", "bureau", "Bureau"]]  # the importer's own role
    admin = login("admin")
    users = User.select().count()
    bid, html = preview(admin, USERS, xlsx(rows))
    assert "“boss” is not a role. Use one of:" in html
    assert "No active unit is called “Countyy A”. Did you mean:" in html
    assert "Use letters, digits, dot, dash and underscore only" in html
    assert "The person&#39;s name is missing." in html or "The person's name is missing." in html
    assert "You cannot change your own role." in html
    assert count(html, "errors") == 5 and 'id="confirm"' not in html
    assert User.select().count() == users and User.get(User.username == "admin").role == "admin"


def test_problems_and_template_in_chinese(login, org):
    org.users["admin"].locale = "zh_CN"
    org.users["admin"].save()
    admin = login("admin")
    _bid, html = preview(admin, USERS, xlsx([["用户名", "角色"], ["wang.wu", "boss"]]))
    assert "不是角色" in html
    header = [c.value for c in load_workbook(io.BytesIO(admin.get(f"{USERS}/template.xlsx").data)).active[1]]
    assert header == ["用户名", "姓名", "角色", "单位", "电话"]


# Investors -------------------------------------------------------------------------------------

def test_investors_with_their_class_matched_by_code_then_name(login):
    known = Enterprise.create(name="宁德时代")
    other = Enterprise.create(name="三一重工", credit_code="91110000600037341L")
    rows = [["投资企业名单"], ["企业名称", "统一社会信用代码", "世界500强", "上市公司", "省份"],
            ["宁德时代", CODE, "是", "√", "福建"],  # found by name: gets the code and the class
            ["三一集团", "91110000600037341L", "", "Y", ""],  # found by code: renamed
            ["隆基绿能", "", "否", "否", "陕西"]]
    bureau = login("bureau")
    bid, html = preview(bureau, INVESTORS, xlsx(rows, merge="A1:E1"))
    assert (count(html, "created"), count(html, "updated"), count(html, "errors")) == (1, 2, 0)
    assert press_import(bureau, INVESTORS, bid, html).status_code == 303
    known = Enterprise.get_by_id(known.id)
    assert (known.credit_code, known.fortune_global_500, known.listed, known.origin_province) == (
        CODE, True, True, "福建")
    other = Enterprise.get_by_id(other.id)
    assert other.name == "三一集团" and other.listed and not other.fortune_global_500
    assert Enterprise.get(Enterprise.name == "隆基绿能").origin_province == "陕西"
    bid, html = preview(bureau, INVESTORS, xlsx(rows))
    assert (count(html, "created"), count(html, "updated"), count(html, "skipped")) == (0, 0, 3)
    assert Enterprise.select().count() == 3


def test_bad_investor_rows(login):
    rows = [["企业名称", "统一社会信用代码", "世界500强"], ["甲公司", "123", "也许"], ["乙公司", "", "是"],
            ["乙公司", "", "否"]]
    bureau = login("bureau")
    bid, html = preview(bureau, INVESTORS, xlsx(rows))
    assert "A unified social credit code has 18 characters" in html
    assert "Enter 是 or 否" in html and "This row repeats row 3." in html
    assert press_import(bureau, INVESTORS, bid, html.replace("</body>", _confirm_form(bid, html).replace(
        UNITS, INVESTORS))).status_code == 422
    assert Enterprise.select().count() == 0


# Capital in place ------------------------------------------------------------------------------

def test_capital_in_place_per_project_and_date(login, make_project):
    battery = make_project(name="Battery plant", stage="signed")
    make_project(name="Twin", unit="county_a")
    make_project(name="Twin", unit="county_b")
    rows = [["项目名称", "责任单位", "到位日期", "到位资金(亿元)", "备注"],
            ["Battery plant", "", "2026年3月1日", 1.5, "首期"],
            ["Battery plant", "", "2026-04-01", "5000万元", ""],
            ["Twin", "County B", "2026/4/2", 200, ""]]
    bureau = login("bureau")
    bid, html = preview(bureau, CAPITAL, xlsx(rows))
    assert (count(html, "created"), count(html, "errors")) == (3, 0)
    assert press_import(bureau, CAPITAL, bid, html).status_code == 303
    entries = list(CapitalEntry.select().where(CapitalEntry.project == battery.id).order_by(CapitalEntry.on_date))
    assert [(e.on_date, e.amount, e.note) for e in entries] == [
        (dt.date(2026, 3, 1), Decimal("15000.00"), "首期"), (dt.date(2026, 4, 1), Decimal("5000.00"), "")]
    assert AuditLog.select().where(AuditLog.entity == "project", AuditLog.action == "capital",
                                   AuditLog.entity_id == battery.id).count() == 2
    rows[2][3] = "6000万元"  # a re-import corrects the April amount
    bid, html = preview(bureau, CAPITAL, xlsx(rows))
    assert (count(html, "created"), count(html, "updated"), count(html, "skipped")) == (0, 1, 2)
    press_import(bureau, CAPITAL, bid, html)
    assert CapitalEntry.select().count() == 3
    assert CapitalEntry.get(CapitalEntry.on_date == dt.date(2026, 4, 1)).amount == Decimal("6000.00")


def test_bad_capital_rows_save_nothing(login, make_project):
    make_project(name="Twin", unit="county_a")
    make_project(name="Twin", unit="county_b")
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    rows = [["项目名称", "到位日期", "到位资金"], ["Nowhere", "2026-03-01", 100], ["Twin", "2026-03-01", 100],
            ["Twin", future, "-5"]]
    bureau = login("bureau")
    _bid, html = preview(bureau, CAPITAL, xlsx(rows))
    assert "No project is called “Nowhere”." in html
    assert "Several projects are called “Twin”" in html
    assert "The date cannot be in the future." in html
    assert "Enter an amount between 0 and" in html or "The amount must be greater than zero." in html
    assert count(html, "errors") == 3 and CapitalEntry.select().count() == 0


# Who may import ------------------------------------------------------------------------------

ALLOWED = {UNITS: "admin", USERS: "admin", INVESTORS: "bureau", CAPITAL: "bureau"}


@pytest.mark.parametrize("prefix", list(ALLOWED))
@pytest.mark.parametrize("role", ["admin", "bureau", "leader", "unit_a", "department"])
def test_only_the_allowed_role_opens_each_import(login, prefix, role):
    client = login(role)
    expected = 200 if ALLOWED[prefix] == role else 403
    assert client.get(prefix).status_code == expected
    assert client.get(f"{prefix}/template.xlsx").status_code == expected


def test_a_batch_opens_only_on_its_own_list_and_for_its_importers(login):
    admin = login("admin")
    bid, html = preview(admin, UNITS, xlsx(unit_rows()))
    assert admin.get(f"{USERS}/{bid}").status_code == 404
    bureau = login("bureau")
    assert bureau.get(f"{UNITS}/{bid}").status_code == 403
    assert bureau.post_form(f"{UNITS}/{bid}/confirm").status_code == 403
    assert ImportBatch.get_by_id(bid).state == "preview"


def test_links_from_the_menu_and_the_admin_pages(login):
    admin = login("admin").get("/admin/units").get_data(as_text=True)
    assert f'href="{UNITS}"' in admin and f'href="{USERS}"' in admin
    bureau = login("bureau").get("/").get_data(as_text=True)
    assert f'href="{INVESTORS}"' in bureau and f'href="{CAPITAL}"' in bureau and f'href="{UNITS}"' not in bureau


# Command line ----------------------------------------------------------------------------------

def test_cli_units_dry_run_then_users_with_printed_passwords(app, org, tmp_path):
    env = {"PORTAL_DATABASE_URL": app.config["DATABASE_URL"], "PORTAL_INSTANCE_PATH": app.config["INSTANCE_PATH"],
           "PORTAL_SECRET_KEY": "x"}
    units = tmp_path / "units.xlsx"
    units.write_bytes(xlsx(unit_rows()))
    before = Unit.select().count()
    result = CliRunner().invoke(cli, ["import", "units", str(units), "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "rows to create: 4, to update: 1" in result.output
    database.connect(reuse_if_open=True)
    assert Unit.select().count() == before
    users = tmp_path / "users.csv"
    users.write_bytes(USERS_CSV.encode("gbk"))
    result = CliRunner().invoke(cli, ["import", "users", str(users), "--user", "bureau"], env=env)
    assert result.exit_code != 0 and "may not import users" in result.output
    result = CliRunner().invoke(cli, ["import", "users", str(users)], env=env)
    assert result.exit_code == 0, result.output
    assert "2 created, 1 updated" in result.output and "zhang.san\t张三\t" in result.output
    database.connect(reuse_if_open=True)
    assert User.get(User.username == "zhang.san").role == "unit"


def test_each_import_page_links_the_other_lists_its_user_may_import(login):
    html = login("bureau").get("/projects/import").get_data(as_text=True)
    assert f'href="{INVESTORS}"' in html and f'href="{CAPITAL}"' in html and f'href="{USERS}"' not in html
    html = login("admin").get(UNITS).get_data(as_text=True)
    assert f'href="{USERS}"' in html and 'href="/projects/import"' in html and f'href="{CAPITAL}"' not in html


def test_an_unrecognised_column_mapped_by_the_importer(login, org):
    rows = [["用户名", "姓名", "角色", "所在科室"], ["wang.wu", "王五", "unit", "County B"]]
    admin = login("admin")
    bid, html = preview(admin, USERS, xlsx(rows))
    assert "The unit is missing." in html
    form = next(f for f in forms_on(html, f"{USERS}/{bid}") if f.action.endswith("/mapping"))
    form.choose("col_3", "unit")
    assert submit(admin, form).status_code == 303
    html = admin.get(f"{USERS}/{bid}").get_data(as_text=True)
    assert count(html, "created") == 1 and count(html, "errors") == 0
    press_import(admin, USERS, bid, html)
    assert User.get(User.username == "wang.wu").unit_id == org.units["county_b"].id


def test_capital_given_per_month_stays_on_one_day_across_re_imports(login, make_project):
    project = make_project(name="Battery plant", stage="signed")
    csv = ("项目名称,月份,到位资金（万元）\n"
           "Battery plant,2026年2月,300\nBattery plant,2026-01,200\nBattery plant,上月,1\n")
    bureau = login("bureau")
    bid, html = preview(bureau, CAPITAL, csv.encode("gbk"), "到位资金.csv")
    assert "Enter a date or a month, for example 2026-03-15 or 2026年3月." in html
    bid, html = preview(bureau, CAPITAL, csv.rsplit("Battery plant,上月", 1)[0].encode("gbk"), "到位资金.csv")
    press_import(bureau, CAPITAL, bid, html)
    bid, html = preview(bureau, CAPITAL, csv.rsplit("Battery plant,上月", 1)[0].encode("gbk"), "到位资金.csv")
    assert count(html, "skipped") == 2
    assert sorted((e.on_date, e.amount) for e in CapitalEntry.select().where(CapitalEntry.project == project.id)) == [
        (dt.date(2026, 1, 1), Decimal("200.00")), (dt.date(2026, 2, 1), Decimal("300.00"))]


def test_capital_month_typed_as_a_number_is_a_row_problem(login, make_project):
    make_project(name="Battery plant", stage="signed")
    rows = [["项目名称", "月份", "到位资金（万元）"], ["Battery plant", 2026.1, 300]]
    bureau = login("bureau")
    bid, html = preview(bureau, CAPITAL, xlsx(rows))
    assert "“2026.1” is a number: write the month as text (2026年3月) or give the full date." in html
    assert count(html, "errors") == 1 and not CapitalEntry.select().exists()


def test_moving_a_unit_moves_its_subtree_and_new_units_below_it(login, org):
    rows = [["单位名称", "上级单位", "类型"],
            ["Region North", "Bureau", "district"],
            ["County A", "Region North", ""],  # moves, with Town A1 below it
            ["Village A1-1", "Town A1", "town"]]  # new, below a unit that moved in this import
    admin = login("admin")
    bid, html = preview(admin, UNITS, xlsx(rows))
    assert count(html, "errors") == 0
    assert press_import(admin, UNITS, bid, html).status_code == 303
    village = Unit.get(Unit.name == "Village A1-1")
    assert _chain(village) == ["Bureau", "Region North", "County A", "Town A1", "Village A1-1"]
    assert Unit.get(Unit.name == "Town A1").is_within(Unit.get(Unit.name == "Region North"))
