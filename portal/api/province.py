"""The province report: a period's figures and the projects behind them in a fixed, versioned
layout (JSON, and an Excel workbook of the same content), for the monthly reporting upward.

Everything comes from the modules the pages use: the figures from portal/figures/, the
projects behind each figure through the dashboard's own links (``figures.list_args``) read by
the lists' filters, under the permissions of the user asking. A county adapts the workbook to
its province's template with the ``portal_province_report`` hook (sheets added); the JSON
layout never changes within a version."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from portal import figures, plugins, xlsx
from portal.api import schemas, serialize
from portal.projects.filters import LISTS, ListFilters, base_query

LAYOUT = "investment-portal.province-report"
VERSION = 1
#: The figures whose projects the report lists, in this order.
LISTED = ("new_clues", "signed_count", "started_count", "completed_count", "production_count")
PROJECT_COLUMNS = ("id", "code", "name", "responsible_unit", "investor", "industry_code", "stage",
                   "total_investment", "contracted_amount", "clue_on", "signed_on", "started_on", "completed_on",
                   "production_on")
_BAD_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})


def build(user, period, scope) -> schemas.ProvinceReport:
    result = figures.compute(period, scope)
    return schemas.ProvinceReport(
        layout=LAYOUT, version=VERSION,
        period=schemas.PeriodOut(code=period.code, start=period.start, end=period.end),
        scope=schemas.ScopeOut(unit=scope.unit_id, industry=scope.industry, team=scope.team_id),
        generated_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        figures=[serialize.figure_out(f) for f in result],
        projects={key: _projects_behind(user, key, period, scope) for key in LISTED})


def _projects_behind(user, key: str, period, scope) -> list[schemas.ProjectOut]:
    """The projects a figure counts, as its link on the dashboard lists them for ``user``."""
    args = {name: str(value) for name, value in figures.list_args(key, period, scope).items()}
    filters = ListFilters.parse(LISTS["all"], args, user)
    rows = list(base_query(user, filters).order_by(*filters.order_for(user)))
    history = serialize.stage_history([p.id for p in rows])
    return [serialize.project_out(p, history[p.id]) for p in rows]


def workbook(report: schemas.ProvinceReport, context: dict) -> bytes:
    """The report as .xlsx: the figures, one sheet per list of projects, then the sheets the
    county's plugins lay out for the province's template."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("figures")
    sheet.append(xlsx.row(sheet, ("layout", LAYOUT, "version", VERSION, "period", report.period.code)))
    sheet.append(xlsx.row(sheet, ("key", "label", "value", "previous", "change")))
    for figure in report.figures:
        sheet.append(xlsx.row(sheet, (figure.key, figure.label, figure.value, figure.previous, figure.change)))
    for key, projects in report.projects.items():
        sheet = book.create_sheet(key)
        sheet.append(xlsx.row(sheet, PROJECT_COLUMNS))
        for project in projects:
            values = project.model_dump(mode="json")
            values["responsible_unit"] = project.responsible_unit.name
            values["investor"] = project.investor.name
            sheet.append(xlsx.row(sheet, [values[column] for column in PROJECT_COLUMNS]))
    for extra in plugins.call("portal_province_report", report=report.model_dump(mode="json"), context=context):
        for item in extra:
            sheet = book.create_sheet(str(item["title"]).translate(_BAD_TITLE)[:31])
            for cells in item["rows"]:
                sheet.append(xlsx.row(sheet, [_cell(value) for value in cells]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    """A plugin's cell as Excel takes it (anything else as its text)."""
    if value is None or isinstance(value, (str, int, float, dt.date)):
        return value
    return str(value)
