"""Importing projects from the sheets offices keep: messy workbooks, CSV encodings, re-imports,
undo, the export round trip, the CLI and who may import."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from portal import figures
from portal.cli import cli
from portal.db import database
from portal.periods import Period
from portal.models import INVESTOR_CLASSES, AuditLog, Enterprise, ImportBatch, Project, StageChange
from portal.projects.importing import batches
from portal.stages import COUNTED_MILESTONES, refresh_counted
from tests.conftest import TEST_DB_URL
from tests.query_log import queries_sent


def xlsx(rows, merge=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEADER = ["项目名称", "签约企业", "统一社会信用代码", "责任单位", "阶段",
          "总投资(亿元)", "签约金额", "签约日期", "是否重点"]


def clean_rows():
    return [
        ["2026年重点招商项目清单", None, None, None, None, None, None, None, None],
        [None] * 9,
        HEADER,
        ["新能源电池项目", "宁德时代", "", "County A", "已签约", 7.6, "50000", dt.datetime(2026, 3, 1), "是"],
        ["智能装备产业园", "三一重工", "", "County B", "开工", "2.5亿", "2亿元", "2026/2/3", "√"],
        [None] * 9,
        ["农产品加工", "", "", "Town A1", "洽谈", "76,290万", "", "", "否"],
    ]


def upload(client, data: bytes, name="projects.xlsx"):
    return client.post_form("/projects/import", {"file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data")


def batch_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def confirm(client, bid):
    return client.post_form(f"/projects/import/{bid}/confirm")


def test_clean_workbook_preview_then_confirm(login):
    bureau = login("bureau")
    bid = batch_id(upload(bureau, xlsx(clean_rows(), merge="A1:I1")))
    page = bureau.get(f"/projects/import/{bid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="count-created">3<' in html
    assert Project.select().count() == 0  # nothing saved before confirming
    response = confirm(bureau, bid)
    assert response.status_code == 303
    battery = Project.get(Project.name == "新能源电池项目")
    assert battery.total_investment == Decimal("76000.00")  # 7.6 亿元 in 万元
    assert battery.contracted_amount == Decimal("50000.00")
    assert battery.stage == "signed" and battery.signed_on == dt.date(2026, 3, 1) and battery.is_key
    assert battery.counted_signed_on == dt.date(2026, 3, 1)  # counts in the figures at once
    change = StageChange.get(StageChange.project == battery.id, StageChange.to_stage == "signed")
    assert change.verification == "approved" and change.verified_by.username == "bureau"
    assert "Import #" in change.note
    park = Project.get(Project.name == "智能装备产业园")
    assert park.total_investment == Decimal("25000.00") and park.contracted_amount == Decimal("20000.00")
    # Started with no start date: passed without a date (no stage change, no date column).
    assert park.stage == "started" and park.started_on is None and park.signed_on == dt.date(2026, 2, 3)
    assert park.counted_started_on is None
    farm = Project.get(Project.name == "农产品加工")
    assert farm.total_investment == Decimal("76290.00") and farm.enterprise is None and not farm.is_key
    batch = ImportBatch.get_by_id(bid)
    assert (batch.state, batch.created_count, batch.user.username) == ("imported", 3, "bureau")
    assert AuditLog.select().where(AuditLog.action == "import", AuditLog.entity == "project").count() == 3


def messy_rows():
    rows = clean_rows()
    rows[3][7] = "2026-13-45"  # a bad date
    rows[4][3] = "County C"  # an unknown unit
    rows.append(list(rows[6]))  # a duplicate row
    return rows


def test_messy_workbook_gets_row_errors_and_imports_nothing(login):
    bureau = login("bureau")
    bid = batch_id(upload(bureau, xlsx(messy_rows(), merge="A1:I1")))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert "Enter a date, for example 2022-03-01" in html
    assert "No active unit is called “County C”. Did you mean:" in html and "County A" in html
    assert "This row repeats row 7" in html
    assert 'id="confirm"' not in html
    response = confirm(bureau, bid)
    assert response.status_code == 422
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert Project.select().count() == 0 and Enterprise.select().count() == 0


def write_only_xlsx(rows) -> bytes:
    """A workbook as openpyxl's write-only mode saves it (bench/importing.py's too): no ``<dimension>``
    element, so openpyxl's read-only reader parses the whole sheet each time it opens it."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("项目")
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def workbook_opens(monkeypatch) -> list[str]:
    """"open" and "close" in the order the import opens and closes workbooks."""
    from portal.projects.importing import sheets

    events = []

    def counted(*args, **kwargs):
        workbook = load_workbook(*args, **kwargs)
        events.append("open")
        close = workbook.close

        def closed():
            events.append("close")
            close()

        workbook.close = closed
        return workbook

    monkeypatch.setattr(sheets, "load_workbook", counted)
    return events


def test_preview_and_confirm_each_open_the_workbook_once(login, monkeypatch):
    events = workbook_opens(monkeypatch)
    bureau = login("bureau")
    data = write_only_xlsx(clean_rows())
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    bid = batch_id(upload(bureau, data))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert 'id="count-created">3<' in html
    assert events == ["open", "close"]  # the header and the rows from one open, closed after
    assert confirm(bureau, bid).status_code == 303
    assert events == ["open", "close"] * 2
    assert sorted(p.name for p in Project.select()) == ["农产品加工", "新能源电池项目", "智能装备产业园"]
    assert Project.get(Project.name == "新能源电池项目").total_investment == Decimal("76000.00")


def test_a_sheet_without_dimensions_reports_problems_by_its_row_numbers(login, monkeypatch):
    events = workbook_opens(monkeypatch)
    bureau = login("bureau")
    bid = batch_id(upload(bureau, write_only_xlsx(messy_rows())))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert events == ["open", "close"]
    # The header is the sheet's row 3: the rows below it keep their numbers in the sheet.
    assert "<tr><td>4</td><td>签约日期</td><td>Enter a date, for example 2022-03-01" in html
    assert "<tr><td>5</td><td>责任单位</td><td>No active unit is called “County C”." in html
    assert "<tr><td>8</td><td></td><td>This row repeats row 7 (the same project).</td></tr>" in html
    assert 'id="count-errors">3<' in html and 'id="count-created">1<' in html
    response = confirm(bureau, bid)
    assert response.status_code == 422 and "Nothing was imported" in response.get_data(as_text=True)
    assert events == ["open", "close"] * 2
    assert Project.select().count() == 0 and Enterprise.select().count() == 0


def test_a_csv_file_is_decoded_and_read_once_per_step(login, monkeypatch):
    from portal.projects.importing import sheets

    checked = []
    encoding = sheets.csv_encoding
    monkeypatch.setattr(sheets, "csv_encoding", lambda path: checked.append(path) or encoding(path))
    bureau = login("bureau")
    text = "清单\n项目名称,投资方,责任单位,阶段\n光伏组件,隆基绿能,County A,签约\n风电,,County X,洽谈\n"
    bid = batch_id(upload(bureau, text.encode("gbk"), "清单.csv"))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert len(checked) == 1
    assert "<tr><td>4</td><td>责任单位</td><td>No active unit is called “County X”." in html
    assert confirm(bureau, bid).status_code == 422
    assert len(checked) == 2 and Project.select().count() == 0


def test_rows_stream_from_the_one_open_after_the_header(app, org, monkeypatch, tmp_path):
    """The layout takes the first rows of the open file; the plans take the rest as they are read,
    never the whole sheet at once, and the file is closed on leaving."""
    from portal.projects.importing import planning

    events = workbook_opens(monkeypatch)
    path = tmp_path / "many.xlsx"
    rows = [["2026年项目"], ["项目名称", "责任单位"]] + [[f"项目{n}", "County A"] for n in range(1000)]
    path.write_bytes(write_only_xlsx(rows))
    with app.test_request_context(), planning.opened(path, path.name, None) as (layout, sheet_rows):
        assert layout.header_row == 2 and events == ["open"]
        plans = planning.plan_rows(sheet_rows, layout)
        first = next(plans)
        assert (first.number, first.action, first.fields["name"]) == (3, "create", "项目0")
        # At most a chunk of rows (those matched in one query) read ahead of the first plan.
        number, row = next(sheet_rows)
        assert number <= 3 + planning.MATCH_ROWS and row == [f"项目{number - 3}", "County A"]
        assert [p.number for p in plans][-1] == 1002
    assert events == ["open", "close"]


def test_a_year_and_month_in_a_date_column_asks_for_the_full_date(login):
    """2026.3 typed into a number cell is no Excel serial date (that would be a day of 1905)."""
    rows = clean_rows()
    rows[3][7] = 2026.3  # a number cell
    rows[4][7] = "2026.2"  # text without a day
    bureau = login("bureau")
    bid = batch_id(upload(bureau, xlsx(rows)))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert "“2026.3” gives no day. Enter the full date, for example 2026-03-01 or 2026年3月1日." in html
    assert "“2026.2” gives no day." in html
    assert "1905" not in html
    assert confirm(bureau, bid).status_code == 422
    assert Project.select().count() == 0
    rows[3][7], rows[4][7] = "2026.3.5", dt.datetime(2026, 2, 3)  # with the day: read as the date
    bid = batch_id(upload(bureau, xlsx(rows)))
    assert confirm(bureau, bid).status_code == 303
    assert Project.get(Project.name == "新能源电池项目").signed_on == dt.date(2026, 3, 5)


def test_problems_in_the_users_language(login, org):
    org.users["bureau"].locale = "zh_CN"
    org.users["bureau"].save()
    bureau = login("bureau")
    bid = batch_id(upload(bureau, xlsx(messy_rows())))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert "没有名为“County C”的有效单位" in html and "与第 7 行重复" in html


def test_reimport_updates_instead_of_duplicating(login):
    bureau = login("bureau")
    confirm(bureau, batch_id(upload(bureau, xlsx(clean_rows()))))
    rows = clean_rows()
    rows[6][5] = "80000万元"  # the farm's investment changed
    bid = batch_id(upload(bureau, xlsx(rows)))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert 'id="count-created">0<' in html and 'id="count-updated">1<' in html and 'id="count-skipped">2<' in html
    assert "农产品加工" in html  # the match is shown
    confirm(bureau, bid)
    assert Project.select().count() == 3
    assert Project.get(Project.name == "农产品加工").total_investment == Decimal("80000.00")


def _counted_columns() -> dict:
    columns = [f"counted_{m}_on" for m in COUNTED_MILESTONES] + ["counted_repeats"]
    columns += [f"{flag}_at_signing" for flag in INVESTOR_CLASSES]
    return {p.name: {c: getattr(p, c) for c in columns} for p in Project.select()}


def test_counted_dates_of_an_import_are_those_its_history_gives(login):
    # New projects get their counted dates with their row; updated ones are recomputed from the
    # history: either way a full recompute from the stored stage changes must find nothing to change.
    Enterprise.create(name="宁德时代", foreign_invested=True, central_soe=True)
    bureau = login("bureau")
    confirm(bureau, batch_id(upload(bureau, xlsx(clean_rows()))))
    rows = clean_rows()
    rows[6][4], rows[6][7] = "已签约", dt.datetime(2026, 5, 6)  # the farm signed since: an update
    confirm(bureau, batch_id(upload(bureau, xlsx(rows))))
    imported = _counted_columns()
    assert imported["新能源电池项目"]["counted_signed_on"] == dt.date(2026, 3, 1)
    assert imported["新能源电池项目"]["foreign_invested_at_signing"] is True  # the investor's class at signing
    assert imported["智能装备产业园"]["counted_started_on"] is None  # passed without a date
    assert imported["农产品加工"]["counted_signed_on"] == dt.date(2026, 5, 6)
    refresh_counted()
    assert _counted_columns() == imported


@pytest.mark.skipif(not TEST_DB_URL.startswith("postgres"), reason="PostgreSQL's plans of foreign-key checks")
def test_a_large_import_tells_postgresql_how_many_projects_it_wrote(login, monkeypatch):
    """PostgreSQL checks each foreign key with a plan made once per connection: made on the first rows
    of a new city's import, a sequential scan read every project written so far for each stage change
    (20,000 projects took 64 s). The import ANALYZEs the tables it fills as it grows (here from its
    second project), in its transaction, so the plans are made again from what the tables hold."""
    monkeypatch.setattr(batches, "STATISTICS_FIRST", 2)

    def planner_rows(table: str) -> float:
        return database.execute_sql(f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass").fetchone()[0]

    database.execute_sql('ANALYZE "project", "enterprise"')  # empty: what earlier tests left is gone
    assert planner_rows("project") == 0
    bureau = login("bureau")
    bid = batch_id(upload(bureau, xlsx(clean_rows())))
    with queries_sent(monkeypatch) as sent:
        confirm(bureau, bid)
    assert Project.select().count() == 3
    assert any(sql.startswith("ANALYZE") for sql, _ in sent)  # in the import, not by autovacuum after it
    assert planner_rows("project") >= 3
    assert planner_rows("enterprise") >= 2  # the two investors the sheet names


def test_undo_while_unchanged_and_refused_after_a_change(login, org):
    bureau = login("bureau")
    first = batch_id(upload(bureau, xlsx(clean_rows())))
    confirm(bureau, first)
    assert Project.select().count() == 3
    response = bureau.post_form(f"/projects/import/{first}/undo")
    assert response.status_code == 303
    assert Project.select().count() == 0 and StageChange.select().count() == 0
    assert Enterprise.select().count() == 0
    assert ImportBatch.get_by_id(first).state == "undone"

    second = batch_id(upload(bureau, xlsx(clean_rows())))
    confirm(bureau, second)
    farm = Project.get(Project.name == "农产品加工")
    Project.update(version=farm.version + 1).where(Project.id == farm.id).execute()  # someone edited it
    response = bureau.post_form(f"/projects/import/{second}/undo")
    assert response.status_code == 409
    assert "changed after the import" in response.get_data(as_text=True)
    assert Project.select().count() == 3


def test_undo_deletes_a_new_investor_named_on_several_rows(login, make_project):
    """The investor is created on its first row; undone item by item, it outlived the undo (its
    second row's project still stood when the first row was undone)."""
    rows = [HEADER,
            ["电池一期", "宁德时代", "", "County A", "已签约", 7.6, "50000", dt.datetime(2026, 3, 1), "是"],
            ["电池二期", "宁德时代", "", "County A", "洽谈", 2, "", "", "否"],
            ["电池三期", "宁德时代", "", "County B", "洽谈", 3, "", "", "否"]]
    bureau = login("bureau")
    first = batch_id(upload(bureau, xlsx(rows)))
    confirm(bureau, first)
    assert Project.select().count() == 3 and Enterprise.select().count() == 1
    assert bureau.post_form(f"/projects/import/{first}/undo").status_code == 303
    assert Project.select().count() == 0 and Enterprise.select().count() == 0

    second = batch_id(upload(bureau, xlsx(rows)))  # again, and a project of the investor added since
    confirm(bureau, second)
    investor = Enterprise.get(Enterprise.name == "宁德时代")
    make_project(name="Added by hand", unit="county_a", enterprise=investor)
    assert bureau.post_form(f"/projects/import/{second}/undo").status_code == 303
    assert [p.name for p in Project.select()] == ["Added by hand"]
    assert Enterprise.select().count() == 1  # a project names it: it stays


def test_undo_of_an_update_restores_the_project(login):
    bureau = login("bureau")
    confirm(bureau, batch_id(upload(bureau, xlsx(clean_rows()))))
    rows = clean_rows()
    rows[6][4] = "已签约"
    rows[6][7] = "2026-04-01"
    rows[6][6] = "100"
    bid = batch_id(upload(bureau, xlsx(rows)))
    confirm(bureau, bid)
    farm = Project.get(Project.name == "农产品加工")
    assert farm.stage == "signed" and farm.counted_signed_on == dt.date(2026, 4, 1)
    assert bureau.post_form(f"/projects/import/{bid}/undo").status_code == 303
    farm = Project.get(Project.name == "农产品加工")
    assert farm.stage == "negotiating" and farm.signed_on is None and farm.counted_signed_on is None
    assert farm.contracted_amount is None


def test_gbk_csv(login):
    bureau = login("bureau")
    text = "项目名称,投资方,责任单位,产业,阶段,总投资,签约日期\n光伏组件,隆基绿能,County A,,签约,1.2亿,2022年3月1日\n"
    bid = batch_id(upload(bureau, text.encode("gbk"), "清单.csv"))
    assert confirm(bureau, bid).status_code == 303
    project = Project.get(Project.name == "光伏组件")
    assert project.enterprise.name == "隆基绿能" and project.total_investment == Decimal("12000.00")
    assert project.signed_on == dt.date(2022, 3, 1)


def test_utf8_bom_csv_and_english_headers(login):
    bureau = login("bureau")
    text = "Project name,Investor,Responsible unit,Stage,Total investment,Signing date,Key project\n" \
           "Solar,Longi,County A,Signed,500,2022.3.1,Y\n"
    bid = batch_id(upload(bureau, text.encode("utf-8-sig"), "list.csv"))
    assert confirm(bureau, bid).status_code == 303
    project = Project.get(Project.name == "Solar")
    assert project.signed_on == dt.date(2022, 3, 1) and project.is_key


def test_unrecognised_header_mapped_by_the_importer(login):
    bureau = login("bureau")
    rows = [["项目名称", "责任单位", "盘子大小"], ["光伏组件", "County A", "300"]]
    bid = batch_id(upload(bureau, xlsx(rows)))
    html = bureau.get(f"/projects/import/{bid}").get_data(as_text=True)
    assert 'name="col_2"' in html
    response = bureau.post_form(f"/projects/import/{bid}/mapping", {"col_2": "total_investment"})
    assert response.status_code == 303
    confirm(bureau, bid)
    assert Project.get(Project.name == "光伏组件").total_investment == Decimal("300.00")


@pytest.mark.parametrize("user, status", [("unit_a", 403), ("leader", 403), ("department", 403), ("admin", 200)])
def test_only_bureau_and_admin_may_import(login, user, status):
    assert login(user).get("/projects/import").status_code == status


def test_others_cannot_confirm_or_undo_a_batch(login):
    bureau = login("bureau")
    bid = batch_id(upload(bureau, xlsx(clean_rows())))
    unit = login("unit_a")
    assert unit.post_form(f"/projects/import/{bid}/confirm").status_code == 403
    assert unit.post_form(f"/projects/import/{bid}/undo").status_code == 403
    assert bureau.get("/projects/import/99999").status_code == 404
    assert Project.select().count() == 0


def test_not_a_sheet_is_refused(login):
    bureau = login("bureau")
    assert upload(bureau, b"hello", "notes.txt").status_code == 422
    bid = batch_id(upload(bureau, b"not a zip", "fake.xlsx"))
    assert bureau.get(f"/projects/import/{bid}").status_code == 422
    assert confirm(bureau, bid).status_code == 422


def test_damaged_workbook_is_a_message_not_a_500(login):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "not xml at all <<")
    bureau = login("bureau")
    bid = batch_id(upload(bureau, buffer.getvalue(), "damaged.xlsx"))
    response = bureau.get(f"/projects/import/{bid}")
    assert response.status_code == 422 and "not an Excel workbook that can be read" in response.get_data(as_text=True)


def test_template_names_every_column(login):
    response = login("bureau").get("/projects/import/template.xlsx")
    header = [c.value for c in load_workbook(io.BytesIO(response.data)).active[1]]
    assert "Project name" in header and "Responsible unit" in header and "Signing date" in header


def test_cli_dry_run_writes_nothing_then_imports(app, org, tmp_path):
    path = tmp_path / "projects.xlsx"
    path.write_bytes(xlsx(clean_rows()))
    env = {"PORTAL_DATABASE_URL": app.config["DATABASE_URL"], "PORTAL_INSTANCE_PATH": app.config["INSTANCE_PATH"],
           "PORTAL_SECRET_KEY": "x"}
    result = CliRunner().invoke(cli, ["import", "projects", str(path), "--dry-run", "--user", "bureau"], env=env)
    assert result.exit_code == 0, result.output
    assert "rows to create: 3" in result.output
    assert Project.select().count() == 0 and ImportBatch.select().count() == 0
    result = CliRunner().invoke(cli, ["import", "projects", str(path), "--user", "bureau"], env=env)
    assert result.exit_code == 0, result.output
    database.connect(reuse_if_open=True)
    assert Project.select().count() == 3


def _export_rows(client) -> list[list]:
    response = client.get("/projects?format=xlsx")
    rows = [list(r) for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    return [rows[0]] + sorted(rows[1:], key=lambda r: str(r[0]))


def _figures(year=2026):
    result = {}
    for period in (Period.of_year(year), Period.of_month(year, 3), Period.of_month(year, 2)):
        data = figures.compute(period)
        result[period.start] = {key: (item.value, item.previous) for key, item in data.items.items()}
    return result


def test_export_imports_back_with_the_same_lists_and_figures(login, app):
    bureau = login("bureau")
    rows = clean_rows()
    rows[2] = rows[2] + ["线索日期", "开工日期"]
    rows[3] += [dt.date(2026, 1, 10), None]
    rows[4] += [dt.date(2025, 12, 1), dt.date(2026, 3, 15)]
    rows[6] += ["2026-01-20", None]
    first = batch_id(upload(bureau, xlsx(rows)))
    assert confirm(bureau, first).status_code == 303
    exported = _export_rows(bureau)
    with app.app_context():
        figures_before = _figures()
    sheet = load_workbook(io.BytesIO(bureau.get("/projects?format=xlsx").data))
    buffer = io.BytesIO()
    sheet.save(buffer)
    # Back to an instance without projects (and investors), then the export imported.
    assert bureau.post_form(f"/projects/import/{first}/undo").status_code == 303
    assert Project.select().count() == 0 and Enterprise.select().count() == 0
    second = batch_id(upload(bureau, buffer.getvalue(), "projects-2026.xlsx"))
    assert confirm(bureau, second).status_code == 303, bureau.get(f"/projects/import/{second}").get_data(as_text=True)
    assert _export_rows(bureau) == exported
    with app.app_context():
        assert _figures() == figures_before
    assert any(v[0] for v in figures_before[dt.date(2026, 3, 1)].values())  # the figures are not all empty
    # Imported again: nothing new, nothing changed.
    third = batch_id(upload(bureau, buffer.getvalue(), "projects-2026.xlsx"))
    html = bureau.get(f"/projects/import/{third}").get_data(as_text=True)
    assert 'id="count-created">0<' in html and 'id="count-updated">0<' in html and 'id="count-skipped">3<' in html
