"""The bureau enters a project signed in 2022 on the new-project form, in Chromium: with
JavaScript choosing the stage leaves only the dates of the stages up to it; without, every date
stays and the server takes the same entry."""
import datetime as dt

import pytest

from portal.models import Project
from tests.browser.conftest import browser_login, expect

DATES = ("clue_on", "negotiating_on", "signed_on", "started_on", "completed_on", "production_on")


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_choosing_the_stage_shows_its_dates_and_the_project_is_entered_signed(live_server, page, org, js_enabled):
    browser_login(page, "bureau")
    page.goto("/projects/new")
    page.fill("input[name=name]", "Harbour cold store")
    page.fill("input[name=total_investment]", "50000")
    page.fill("input[name=contracted_amount]", "42000")
    page.fill("input[name=clue_on]", "2021-11-02")
    page.select_option("select[name=stage]", "signed")
    shown = DATES[:3] if js_enabled else DATES
    for name in DATES:
        expect(page.locator(f"input[name={name}]")).to_have_count(1 if name in shown else 0)
    expect(page.locator("input[name=clue_on]")).to_have_value("2021-11-02")  # kept while narrowing
    page.fill("input[name=signed_on]", "2022-03-01")
    page.click("form.project-form button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("Harbour cold store")
    project = Project.get(Project.name == "Harbour cold store")
    assert (project.stage, project.clue_on, project.signed_on) == ("signed", dt.date(2021, 11, 2), dt.date(2022, 3, 1))
    assert not page.js_errors and not page.failed_requests
