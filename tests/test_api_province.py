"""The province report (/api/province-report, its .xlsx and `portal export`): the dashboard's
figures and the projects behind them exactly as the dashboard's links list them, under the
user's permissions, in a fixed layout; a county plugin adds its province's sheets."""
from __future__ import annotations

import io
import json
import re

import openpyxl
from click.testing import CliRunner

from portal import hookimpl
from portal.cli import cli
from tests.plugins_helpers import temporary_plugin
from tests.test_api import bearer, city, tokens_for  # noqa: F401 - fixtures

ROW_LINK_RE = re.compile(r'<td class="project-name"><a href="/projects/(\d+)"')


def test_the_report_lists_the_projects_behind_each_figure_as_the_dashboard_links(app, city, login, tokens_for):
    from portal import figures
    from portal.figures import Scope
    from portal.periods import Period

    api = app.test_client()
    for role in ("bureau", "unit_a", "unit_b", "department"):
        secret = tokens_for(role)
        report = api.get("/api/province-report?period=2026", headers=bearer(secret)).get_json()
        assert (report["layout"], report["version"]) == ("investment-portal.province-report", 1)
        assert report["figures"] == api.get("/api/figures?period=2026", headers=bearer(secret)).get_json()["figures"]
        scope = Scope(unit_id=report["scope"]["unit"])
        page = login(role)
        for key, projects in report["projects"].items():
            with app.test_request_context():
                query = figures.list_query(key, Period.parse("2026"), scope)
            listed = [int(i) for i in ROW_LINK_RE.findall(page.get(f"/projects?{query}").get_data(as_text=True))]
            assert [p["id"] for p in projects] == listed, (role, key)
    bureau = api.get("/api/province-report?period=2026", headers=bearer(tokens_for("bureau"))).get_json()
    assert [p["name"] for p in bureau["projects"]["signed_count"]] == ["Battery plant"]  # counted signings only
    refused = api.get(f"/api/province-report?unit={city.units['county_a'].id}", headers=bearer(tokens_for("unit_b")))
    assert refused.status_code == 403


class ProvinceTemplate:
    @hookimpl
    def portal_province_report(self, report, context):
        signed = report["projects"]["signed_count"]
        return [{"title": "省模板/签约", "rows": [["项目名称", "总投资"]]
                 + [[p["name"], float(p["total_investment"])] for p in signed] + [["=1+1", None]]}]


def test_the_workbook_holds_the_report_and_the_provinces_sheets(app, city, tokens_for):
    with temporary_plugin(app, ProvinceTemplate(), "province_template"):
        response = app.test_client().get("/api/province-report.xlsx?period=2026", headers=bearer(tokens_for("bureau")))
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["figures", "new_clues", "signed_count", "started_count", "completed_count",
                               "production_count", "省模板 签约"]
    figures = {row[0]: row[2] for row in book["figures"].iter_rows(min_row=3, values_only=True)}
    assert figures["signed_count"] == "1"
    assert [row[2] for row in book["signed_count"].iter_rows(min_row=2, values_only=True)] == ["Battery plant"]
    rows = list(book["省模板 签约"].iter_rows(values_only=True))
    assert rows[1] == ("Battery plant", 10000) and rows[2] == ("=1+1", None)
    assert book["省模板 签约"]["A3"].data_type == "s"  # a plugin's text never becomes a formula


def _portal(*args):
    """Run `portal ARGS…` as at a terminal."""
    return CliRunner().invoke(cli, list(args))


def test_portal_export_writes_the_report_for_a_user(app, city, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PORTAL_INSTANCE", app.instance_path)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "test-secret")
    target = tmp_path / "report.json"
    result = _portal("export", "unit_b", "--period", "2026", "--output", str(target))
    assert result.exit_code == 0, result.output
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["version"] == 1 and report["scope"]["unit"] == city.units["county_b"].id
    assert all(p["responsible_unit"]["name"] == "County B" for ps in report["projects"].values() for p in ps)
    workbook = tmp_path / "report.xlsx"
    result = _portal("export", "bureau", "--period", "2026", "--format", "xlsx", "-o", str(workbook))
    assert result.exit_code == 0, result.output
    assert "signed_count" in openpyxl.load_workbook(workbook).sheetnames
    refused = _portal("export", "unit_b", "--unit", str(city.units["county_a"].id), "-o", str(target))
    assert refused.exit_code != 0 and "may not read" in refused.output
