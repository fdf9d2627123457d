"""Targets: the screen per year, the Excel template and its import (upload → preview naming units and
year → confirm, all or nothing), audit, permissions."""
import io
import re
from decimal import Decimal

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from portal.cli import cli
from portal.db import database

from portal.models import AuditLog, UnitTarget
from tests.forms_helpers import forms_on, submit


def test_only_the_bureau_edits_targets(login):
    for username in ("admin", "leader", "unit_a", "department"):
        client = login(username)
        assert client.get("/ranking/targets?year=2026").status_code == 403
        assert client.post_form("/ranking/targets?year=2026", {}).status_code == 403
        assert client.get("/ranking/targets/template.xlsx?year=2026").status_code == 403
        assert client.get("/ranking/targets/import").status_code == 403
        assert client.post_form("/ranking/targets/import", {}).status_code == 403


def test_targets_screen_saves_and_audits(org, login):
    client = login("bureau")
    page = client.get("/ranking/targets?year=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    a, b = org.units["county_a"].id, org.units["county_b"].id
    assert f'name="t-{a}-signed_count"' in html and f'name="t-{org.units["team"].id}-signed_count"' in html
    assert f't-{org.units["town_a"].id}-' not in html  # towns are not assessed
    response = client.post_form("/ranking/targets?year=2026", {
        f"t-{a}-signed_count": "12", f"t-{a}-signed_investment": "500,000", f"t-{b}-start_rate": "80.5"})
    assert response.status_code == 303
    values = {(t.unit_id, t.figure): t.value for t in UnitTarget.select().where(UnitTarget.year == 2026)}
    assert values == {(a, "signed_count"): Decimal(12), (a, "signed_investment"): Decimal(500000),
                      (b, "start_rate"): Decimal("80.5")}
    entry = AuditLog.get((AuditLog.entity == "unit") & (AuditLog.entity_id == a))
    assert entry.action == "targets" and entry.changes["2026.signed_count"] == [None, "12"]
    assert entry.user_id == org.users["bureau"].id
    # The screen shows the saved values; clearing a cell removes the target and is audited.
    assert 'value="12"' in client.get("/ranking/targets?year=2026").get_data(as_text=True)
    client.post_form("/ranking/targets?year=2026", {f"t-{a}-signed_count": "12", f"t-{a}-signed_investment": "",
                                                     f"t-{b}-start_rate": "80.5"})
    assert UnitTarget.select().where(UnitTarget.year == 2026).count() == 2
    assert AuditLog.select().where(AuditLog.entity == "unit", AuditLog.entity_id == a).count() == 2
    # Another year is separate.
    assert 'value="12"' not in client.get("/ranking/targets?year=2027").get_data(as_text=True)


def test_targets_screen_rejects_bad_cells_and_saves_nothing(org, login):
    client = login("bureau")
    a, b = org.units["county_a"].id, org.units["county_b"].id
    response = client.post_form("/ranking/targets?year=2026", {
        f"t-{a}-signed_count": "2.5", f"t-{a}-signed_investment": "lots", f"t-{b}-start_rate": "120",
        f"t-{b}-signed_count": "-1", f"t-{b}-capital_in_place": "300"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number." in html and "Enter a number." in html
    assert "A rate is at most 100." in html and "A target cannot be negative." in html
    assert 'value="lots"' in html  # what the user typed is shown again
    assert UnitTarget.select().count() == 0


def test_bad_year_is_a_message(login):
    response = login("bureau").get("/ranking/targets?year=abc")
    assert response.status_code == 400
    assert "Choose a year between" in response.get_data(as_text=True)


def _template(client, year=2026):
    response = client.get(f"/ranking/targets/template.xlsx?year={year}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def _send(client, data: bytes, name="targets.xlsx"):
    """Upload through the targets page's form (it posts to the import): the preview page."""
    response = client.post_form("/ranking/targets/import", {"file": (io.BytesIO(data), name)},
                                content_type="multipart/form-data")
    if response.status_code != 303:
        return response
    return client.get(response.headers["Location"])


def _preview(client, wb):
    out = io.BytesIO()
    wb.save(out)
    return _send(client, out.getvalue())


def _upload(client, wb):
    """Upload, then press Import on the preview: the confirm's answer (the preview again, 422, when refused)."""
    preview = _preview(client, wb)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    html = preview.get_data(as_text=True)
    form = next(f for f in forms_on(html, preview.request.path) if f.action.endswith("/confirm"))
    return submit(client, form)


def _problem(html, row, column, message):
    return re.search(rf"<tr><td>{row}</td><td>{re.escape(column)}</td><td>{re.escape(message)}</td></tr>", html)


def _column(ws, code):
    for cell in ws[3]:
        if cell.value and str(cell.value).endswith(f"[{code}]"):
            return cell.column
    raise AssertionError(code)


def _row(ws, unit_id):
    for row in ws.iter_rows(min_row=4):
        if row[0].value == unit_id:
            return row[0].row
    raise AssertionError(unit_id)


def test_template_lists_units_and_current_targets(org, login):
    client = login("bureau")
    a = org.units["county_a"]
    UnitTarget.create(year=2026, unit=a, figure="signed_count", value=7)
    ws = _template(client).active
    assert ws.cell(_row(ws, a.id), 2).value == "County A"
    assert ws.cell(_row(ws, a.id), _column(ws, "signed_count")).value == 7
    assert "Signed projects [signed_count]" in [c.value for c in ws[3]]


def test_good_upload_saves_every_cell(org, login):
    client = login("bureau")
    a, team = org.units["county_a"].id, org.units["team"].id
    wb = _template(client)
    ws = wb.active
    ws.cell(_row(ws, a), _column(ws, "signed_count")).value = 10
    ws.cell(_row(ws, a), _column(ws, "foreign_capital")).value = 1234.5
    ws.cell(_row(ws, team), _column(ws, "signed_investment")).value = "80000"
    response = _upload(client, wb)
    assert response.status_code == 303
    values = {(t.unit_id, t.figure): t.value for t in UnitTarget.select()}
    assert values == {(a, "signed_count"): 10, (a, "foreign_capital"): Decimal("1234.5"),
                      (team, "signed_investment"): 80000}
    assert AuditLog.select().where(AuditLog.action == "targets", AuditLog.note == "upload").count() == 2


def test_bad_upload_reports_row_and_column_and_saves_nothing(org, login):
    client = login("bureau")
    a, b = org.units["county_a"].id, org.units["county_b"].id
    wb = _template(client)
    ws = wb.active
    ws.cell(_row(ws, a), _column(ws, "signed_count")).value = 10  # good, but must not be saved
    bad_col = _column(ws, "start_rate")
    ws.cell(_row(ws, b), bad_col).value = "high"
    ws.cell(ws.max_row + 1, 1).value = 99999
    ws.cell(ws.max_row, 2).value = "Nowhere"
    html = _preview(client, wb).get_data(as_text=True)
    assert _problem(html, _row(ws, b), ws.cell(3, bad_col).value, "Enter a number.")
    assert _problem(html, ws.max_row, "Unit id", "Unknown unit id 99999.")
    assert 'id="confirm"' not in html
    assert UnitTarget.select().count() == 0


def test_upload_of_something_else_is_a_message(login):
    client = login("bureau")
    response = _send(client, b"not a spreadsheet")
    assert response.status_code == 422
    assert "This file is not an Excel workbook that can be read" in response.get_data(as_text=True)
    response = client.post_form("/ranking/targets/import", {})
    assert response.status_code == 422 and "Choose the sheet to import." in response.get_data(as_text=True)
    wb = Workbook()
    wb.active["A3"] = "nothing"
    assert 'id="confirm"' not in _preview(client, wb).get_data(as_text=True)


def test_targets_screen_in_chinese(app, login):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    html = login("bureau").get("/ranking/targets?year=2026").get_data(as_text=True)
    assert "2026年目标任务" in html and "下载模板" in html and "签约项目" in html


def test_one_row_saves_with_htmx(org, login):
    client = login("bureau")
    a, b = org.units["county_a"].id, org.units["county_b"].id
    response = client.htmx("POST", f"/ranking/targets/{a}/row?year=2026",
                           {f"t-{a}-signed_count": "5", f"t-{b}-signed_count": "9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.startswith("{#") is False and f'id="targets-row-{a}"' in html
    assert "<html" not in html and 'value="5"' in html and "Saved." in html
    assert [(t.unit_id, t.value) for t in UnitTarget.select()] == [(a, 5)]  # only this row
    bad = client.htmx("POST", f"/ranking/targets/{a}/row?year=2026", {f"t-{a}-signed_count": "x"})
    assert bad.status_code == 422 and "Enter a number." in bad.get_data(as_text=True)
    assert UnitTarget.get().value == 5
    town = org.units["town_a"].id
    assert client.htmx("POST", f"/ranking/targets/{town}/row?year=2026", {}).status_code == 404
    assert login("unit_a").htmx("POST", f"/ranking/targets/{a}/row?year=2026", {}).status_code == 403


# Uploads built here with openpyxl, as a person fills them in Excel --------------------------

def _workbook(sheet_name, unit_id, cells, title=None):
    """A sheet laid out like the template: the figures by ``[code]`` in row 3, one unit in row 4.
    ``cells``: {code: value or (value, number format)}."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name
    ws["A1"] = title
    ws.cell(3, 1, "Unit id")
    ws.cell(3, 2, "Unit")
    ws.cell(4, 1, unit_id)
    for col, (code, cell) in enumerate(cells.items(), start=3):
        ws.cell(3, col, f"{code} [{code}]")
        value, number_format = cell if isinstance(cell, tuple) else (cell, None)
        target = ws.cell(4, col, value)
        if number_format:
            target.number_format = number_format
    return wb


def _targets(year):
    return {(t.unit_id, t.figure): t.value for t in UnitTarget.select().where(UnitTarget.year == year)}


def test_the_preview_names_the_year_the_workbook_is_for_and_the_targets_land_there(org, login):
    client = login("bureau")
    a = org.units["county_a"].id
    wb = _workbook("2025", a, {"signed_count": 10})
    assert "County A · 2025" in _preview(client, wb).get_data(as_text=True)
    assert _upload(client, wb).status_code == 303
    assert _targets(2025) == {(a, "signed_count"): 10} and _targets(2026) == {}
    # The year may also stand in the title cell of a renamed sheet.
    titled = _upload(client, _workbook("Sheet1", a, {"signed_count": 11}, title="2026年招商目标"))
    assert titled.status_code == 303
    assert _targets(2026) == {(a, "signed_count"): 11}
    nameless = _preview(client, _workbook("Sheet1", a, {"signed_count": 12})).get_data(as_text=True)
    assert "The sheet does not say which year its targets are for" in nameless and 'id="confirm"' not in nameless
    assert _targets(2026) == {(a, "signed_count"): 11}


def test_a_blank_cell_in_an_upload_leaves_the_target_as_it_was(org, login):
    client = login("bureau")
    a = org.units["county_a"].id
    UnitTarget.create(year=2026, unit=a, figure="signed_count", value=7)
    UnitTarget.create(year=2026, unit=a, figure="start_rate", value=60)
    response = _upload(client, _workbook("2026", a, {"signed_count": 10, "start_rate": None, "projects_1bn": "  "}))
    assert response.status_code == 303
    assert _targets(2026) == {(a, "signed_count"): 10, (a, "start_rate"): 60}


def test_a_rate_excel_shows_as_85_percent_is_a_target_of_85(org, login):
    client = login("bureau")
    a = org.units["county_a"].id
    wb = _workbook("2026", a, {"start_rate": (0.85, "0%"), "implementation_rate": "85%",
                               "capital_availability_rate": (0.625, "0.0%"), "signed_count": 3})
    assert _upload(client, wb).status_code == 303
    assert _targets(2026) == {(a, "start_rate"): 85, (a, "implementation_rate"): 85,
                              (a, "capital_availability_rate"): Decimal("62.5"), (a, "signed_count"): 3}
    # A percent sign on a count is a mistake, and 150% is more than a rate can be.
    html = _preview(client, _workbook("2026", a, {"signed_count": "85%", "start_rate": (1.5, "0%")})).get_data(
        as_text=True)
    assert _problem(html, 4, "signed_count [signed_count]", "Enter a number.")
    assert _problem(html, 4, "start_rate [start_rate]", "A rate is at most 100.")
    assert 'id="confirm"' not in html


def test_the_import_template_filled_in_imports_from_the_command_line(app, org, login, tmp_path):
    """The import page's own template (columns by label, a Year column) through `portal import targets`."""
    client = login("bureau")
    response = client.get("/ranking/targets/import/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb.active
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Unit id", "Unit", "Year"] and "Start rate (%)" in headers
    ws.append(["", "County B", 2027] + [None] * (len(headers) - 3))
    ws.cell(2, headers.index("Signed projects") + 1).value = 8
    ws.cell(2, headers.index("Start rate (%)") + 1).value = "70%"
    sheet = tmp_path / "targets.xlsx"
    wb.save(sheet)
    env = {"PORTAL_DATABASE_URL": app.config["DATABASE_URL"], "PORTAL_INSTANCE_PATH": app.config["INSTANCE_PATH"],
           "PORTAL_SECRET_KEY": "x"}
    result = CliRunner().invoke(cli, ["import", "targets", str(sheet), "--user", "unit_a"], env=env)
    assert result.exit_code != 0 and "may not import targets" in result.output
    result = CliRunner().invoke(cli, ["import", "targets", str(sheet)], env=env)
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    database.connect(reuse_if_open=True)
    b = org.units["county_b"].id
    assert _targets(2027) == {(b, "signed_count"): 8, (b, "start_rate"): 70}
