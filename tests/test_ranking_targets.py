"""Targets: the screen per year, the Excel template and its upload (all or nothing), audit, permissions."""
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from portal.models import AuditLog, UnitTarget


def test_only_the_bureau_edits_targets(login):
    for username in ("admin", "leader", "unit_a", "department"):
        client = login(username)
        assert client.get("/ranking/targets?year=2026").status_code == 403
        assert client.post_form("/ranking/targets?year=2026", {}).status_code == 403
        assert client.get("/ranking/targets/template.xlsx?year=2026").status_code == 403
        assert client.post_form("/ranking/targets/upload?year=2026", {}).status_code == 403


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


def _upload(client, wb, year=2026):
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return client.post_form(f"/ranking/targets/upload?year={year}",
                            {"file": (out, "targets.xlsx")}, content_type="multipart/form-data")


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
    response = _upload(client, wb)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    letter = ws.cell(1, bad_col).column_letter
    assert f"Row {_row(ws, b)}, column {letter}: Enter a number." in html
    assert f"Row {ws.max_row}, column A: Unknown unit id 99999." in html
    assert UnitTarget.select().count() == 0


def test_upload_of_something_else_is_a_message(login):
    client = login("bureau")
    response = client.post_form("/ranking/targets/upload?year=2026",
                                {"file": (io.BytesIO(b"not a spreadsheet"), "x.xlsx")},
                                content_type="multipart/form-data")
    assert response.status_code == 422
    assert "This is not an Excel file" in response.get_data(as_text=True)
    response = client.post_form("/ranking/targets/upload?year=2026", {})
    assert response.status_code == 422 and "Choose the filled-in template" in response.get_data(as_text=True)
    wb = Workbook()
    wb.active["A3"] = "nothing"
    assert _upload(client, wb).status_code == 422


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


def test_a_workbook_for_another_year_is_refused_naming_both_years_and_applies_on_its_own_years_page(org, login):
    client = login("bureau")
    a = org.units["county_a"].id
    wb = _workbook("2025", a, {"signed_count": 10})
    response = _upload(client, wb, year=2026)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This workbook holds the targets for 2025, but this page is for 2026. Nothing was saved." in html
    assert 'href="/ranking/targets?year=2025"' in html  # applying it to 2025 is a choice made there
    assert UnitTarget.select().count() == 0
    assert _upload(client, wb, year=2025).status_code == 303
    assert _targets(2025) == {(a, "signed_count"): 10} and _targets(2026) == {}
    # The year may also stand in the title cell of a renamed sheet.
    titled = _upload(client, _workbook("Sheet1", a, {"signed_count": 11}, title="2026年招商目标"), 2026)
    assert titled.status_code == 303
    assert _targets(2026) == {(a, "signed_count"): 11}
    nameless = _upload(client, _workbook("Sheet1", a, {"signed_count": 12}), 2026)
    assert nameless.status_code == 422
    assert "does not say which year" in nameless.get_data(as_text=True)
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
    response = _upload(client, _workbook("2026", a, {"signed_count": "85%", "start_rate": (1.5, "0%")}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Row 4, column C: Enter a number." in html and "Row 4, column D: A rate is at most 100." in html
