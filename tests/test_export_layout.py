"""Every Excel export is laid out as the lists' export: a header row that stays in view and
filters, amounts in 万元 as numbers with thousands separators, columns wide enough for their
Chinese headers. Each workbook is downloaded as a Chinese user does and opened with openpyxl.

The one rule for amounts (docs/CONTRIBUTING.md): a page shows 亿元 where a figure is large, an
export always holds the number in 万元 (or 万美元) and names the unit in the column's header, so
the cells sum and sort; no export writes an amount as text or in 亿元.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from portal.models import EventProject, EventUnit, PromotionEvent, UnitTarget
from portal.timeutil import today

SOURCING_EXPORTS = ["/events?period={year}&format=xlsx", "/events/{event}?format=xlsx",
                    "/teams?year={year}&format=xlsx", "/teams/{team}?year={year}&format=xlsx"]
EXPORTS = ["/lists/signed?format=xlsx", "/dashboard?format=xlsx", "/scheduling?format=xlsx",
           "/ranking?format=xlsx", "/problems?format=xlsx"] + SOURCING_EXPORTS
AMOUNT_EXPORTS = ["/lists/signed?format=xlsx", "/dashboard?format=xlsx", "/ranking?format=xlsx"] + SOURCING_EXPORTS


@pytest.fixture
def chinese_bureau(app, org, make_project, login):
    """Signed projects with large amounts, a target and a problem; the bureau reading in Chinese."""
    with app.app_context():
        signed_on = today() - dt.timedelta(days=3)
        deadline = (today() + dt.timedelta(days=10)).isoformat()
        UnitTarget.create(year=today().year, unit=org.units["county_a"], figure="signed_investment",
                          value=Decimal("500000"))
        project = make_project(name="新能源电池生产基地项目", unit="county_a", stage="signed", signed_on=signed_on,
                               total_investment=Decimal("261300"), contracted_amount=Decimal("123456.78"),
                               source_team=org.units["team"])
        event = PromotionEvent.create(name="长三角新能源产业招商推介会", kind="conference", city="上海",
                                      starts_on=signed_on, ends_on=signed_on, unit=org.units["bureau"],
                                      created_by=org.users["bureau"])
        EventUnit.create(event=event, unit=org.units["county_a"])
        EventProject.create(event=event, project=project, by=org.users["bureau"])
        urls = {"year": today().year, "event": event.id, "team": org.units["team"].id}
        make_project(name="湖滨酒店", unit="county_a", stage="signed", signed_on=signed_on,
                     total_investment=Decimal("44330"))
    client = login("bureau")
    response = client.post_form(f"/projects/{project.id}/problems/new", {
        "category": "land", "description": "用地指标未落实", "assigned_unit": str(org.units["department"].id),
        "deadline": deadline, "priority": "normal"})
    assert response.status_code == 303
    client.post_form("/language", {"locale": "zh_CN", "next": "/"})
    client.urls = urls
    return client


def _width(text) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _tables(response):
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.data))
    return book.worksheets


@pytest.mark.parametrize("url", EXPORTS)
def test_every_sheet_has_a_frozen_filtering_header(chinese_bureau, url):
    for ws in _tables(chinese_bureau.get(url.format(**chinese_bureau.urls))):
        ref = ws.auto_filter.ref
        assert ref, f"{ws.title}: no autofilter"
        first, last = ref.split(":")
        header_row = int(re.sub(r"\D", "", first))
        assert first == f"A{header_row}"
        assert last == f"{get_column_letter(ws.max_column)}{max(ws.max_row, header_row)}", ws.title
        assert ws.freeze_panes == f"A{header_row + 1}", ws.title
        for cell in ws[header_row]:
            assert cell.font.bold, (ws.title, cell.value)
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= _width(cell.value), (ws.title, cell.value, width)


@pytest.mark.parametrize("url", AMOUNT_EXPORTS)
def test_amounts_are_numbers_in_10k_yuan_with_separators(chinese_bureau, url):
    amounts = 0
    for ws in _tables(chinese_bureau.get(url.format(**chinese_bureau.urls))):
        header_row = int(re.sub(r"\D", "", ws.auto_filter.ref.split(":")[0]))
        headers = [cell.value for cell in ws[header_row]]
        unit_column = headers.index("计量单位") if "计量单位" in headers else None
        for row in ws.iter_rows(min_row=header_row + 1):
            for index, cell in enumerate(row):
                in_10k_yuan = "万元" in str(headers[index] or "") or (
                    unit_column is not None and index > unit_column and row[unit_column].value == "万元"
                    and "%" not in str(headers[index]))
                assert not re.search(r"[（(]亿", str(headers[index] or "")), (ws.title, headers[index])  # unit 亿元
                assert not (in_10k_yuan and isinstance(cell.value, str) and cell.value not in ("", "—")), \
                    (ws.title, headers[index], cell.value)  # an amount written as text neither sums nor sorts
                if in_10k_yuan and isinstance(cell.value, (int, float)):
                    assert cell.number_format == "#,##0.00", (ws.title, headers[index], cell.number_format)
                    amounts += 1
    assert amounts, f"{url}: no amount in 万元"


def test_meeting_and_problem_texts_fit_their_columns(chinese_bureau):
    """Widths fit the longest text of a column, not only its header (sheets small enough to measure)."""
    for url in ("/problems?format=xlsx", "/scheduling?format=xlsx"):
        for ws in _tables(chinese_bureau.get(url)):
            for column in ws.iter_cols():
                longest = max(_width(c.value) for c in column if isinstance(c.value, str)) if any(
                    isinstance(c.value, str) for c in column) else 0
                width = ws.column_dimensions[column[0].column_letter].width
                assert width >= min(longest, 60), (ws.title, column[0].value, width, longest)
