"""The dashboard's flags panel: a past period shows the frozen flags of its last frozen week, named
as such; a period that includes the current week shows today's flags, named as today's (issue #12)."""
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from portal import figures
from portal.figures import Scope
from portal.models import Project
from portal.scheduling import snapshots as S
from portal.timeutil import iso_week
from tests.scheduling_helpers import LONG_AGO, SHANGHAI, report


def today():
    return dt.datetime.now(SHANGHAI).date()


def flag_numbers(html):
    panel = html.split('id="panel-flags"')[1].split("</section>")[0]
    return {flag: int(panel.split(f"flag-count flag-{flag}")[1].split('class="flag-number">')[1].split("<")[0])
            for flag in ("red", "yellow", "green")}, panel


@pytest.fixture
def flagged(app, make_project, org):
    """Week 2026-W39 frozen with one yellow (no report) and one green project; both red today."""
    with app.app_context():
        late = make_project(name="Late plant", stage="signed", industry_code="battery", created_at=LONG_AGO)
        fine = make_project(name="Fine mill", stage="signed", created_at=LONG_AGO)
        report(fine, "2026-W39", org.users["unit_a"])
        assert S.freeze_week("2026-W39")
        Project.update(flag="red", flag_reasons=[{"level": "red", "reason": "Overdue"}]).execute()
    return late, fine


def test_a_past_period_shows_the_frozen_flags_of_its_last_frozen_week(login, flagged):
    client = login("bureau")
    counts, panel = flag_numbers(client.get("/dashboard?period=2026-Q3").get_data(as_text=True))
    assert counts == {"red": 0, "yellow": 1, "green": 1}
    assert "Flags as frozen at the end of week 2026-W39 (2026-09-21 – 2026-09-27)" in panel
    assert "/scheduling?week=2026-W39" in panel  # not the project list, which filters by today's flags
    # The printable summary and the workbook say the same.
    summary = client.get("/dashboard/summary?period=2026-Q3").get_data(as_text=True)
    assert "Flags as frozen at the end of week 2026-W39" in summary
    book = load_workbook(io.BytesIO(client.get("/dashboard?period=2026-Q3&format=xlsx").data))
    rows = [tuple(r) for r in book["Flags"].iter_rows(min_row=2, values_only=True)]
    assert ("Flags as frozen at the end of week 2026-W39 (2026-09-21 – 2026-09-27)", "Yellow flag", 1) in rows


def test_a_period_with_the_current_week_shows_todays_flags_named_so(login, flagged):
    counts, panel = flag_numbers(login("bureau").get(f"/dashboard?period={today().year}").get_data(as_text=True))
    assert counts == {"red": 2, "yellow": 0, "green": 0}
    assert f"Today&#39;s flags (week {iso_week(today())})" in panel and "frozen" not in panel
    assert "/projects?" in panel and "flag=red" in panel


def test_a_past_period_without_a_frozen_week_says_the_flags_are_todays(login, flagged):
    counts, panel = flag_numbers(login("bureau").get("/dashboard?period=2026-Q1").get_data(as_text=True))
    assert counts == {"red": 2, "yellow": 0, "green": 0}
    assert f"Today&#39;s flags (week {iso_week(today())}): no week of this period was frozen" in panel


def test_frozen_flags_by_industry_and_unit(app, flagged, org):
    with app.app_context():
        assert figures.flag_counts("2026-W39", Scope(industry="battery")) == {"red": 0, "yellow": 1, "green": 0}
        assert figures.flag_counts("2026-W39", Scope(unit_id=org.units["county_b"].id)) == {
            "red": 0, "yellow": 0, "green": 0}
        assert figures.flag_counts("2026-W39", Scope(unit_id=org.units["bureau"].id)) == {
            "red": 0, "yellow": 1, "green": 1}
