"""A county officer creates a project and moves it to signed, in Chromium, with and without JavaScript."""
import datetime as dt
import re

import pytest

from portal.models import Project, StageChange
from tests.browser.conftest import browser_login, expect


def _change_stage(page, to_stage, day, amount=None):
    page.click("#stage a.button")  # "Change stage": htmx loads the form in place; without JS a page
    page.wait_for_selector("form.stage-form select[name=to_stage]")
    page.select_option("form.stage-form select[name=to_stage]", to_stage)
    page.fill("form.stage-form input[name=on_date]", day)
    if amount is not None:
        page.fill("form.stage-form input[name=contracted_amount]", amount)
    page.click("form.stage-form button[type=submit]")
    expect(page.locator("#stage .current-stage")).to_have_attribute("data-stage", to_stage)


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_create_project_and_move_it_to_signed(live_server, page, org, js_enabled):
    browser_login(page, "unit_a")
    page.goto("/projects/new")
    page.fill("input[name=name]", "新能源电池项目")
    page.fill("input[name=investor_name]", "宁德动力有限公司")
    page.fill("input[name=total_investment]", "120000")
    page.fill("input[name=clue_on]", "2026-01-05")
    page.click("form.project-form button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("新能源电池项目")
    assert re.search(r"/projects/\d+$", page.url), page.url
    project = Project.get(Project.name == "新能源电池项目")
    assert project.responsible_unit.id == org.units["county_a"].id and project.enterprise.name == "宁德动力有限公司"

    _change_stage(page, "negotiating", "2026-02-01")
    _change_stage(page, "signed", "2026-03-01", amount="80000")
    # Awaiting the bureau's verification, shown in the timeline.
    expect(page.locator('#stage table.timeline .verification[data-state="pending"]')).to_have_count(1)
    project = Project.get_by_id(project.id)
    assert (project.stage, str(project.signed_on), project.contracted_amount) == ("signed", "2026-03-01", 80000)
    signing = StageChange.get(StageChange.project == project.id, StageChange.to_stage == "signed")
    assert signing.verification == "pending"
    # The county's dashboard counts it among the signed projects (the funnel reads the database's
    # own tally, migration 0051), not among the clues or the negotiations it went through.
    page.goto("/dashboard")
    funnel = page.locator("#panel-funnel tbody")
    expect(funnel.locator("a[href*='stage=signed']")).to_have_text("1")
    expect(funnel.locator("a[href*='stage=negotiating']")).to_have_text("0")
    expect(funnel.locator("a[href*='stage=clue']")).to_have_text("0")
    assert not page.js_errors, page.js_errors


def test_the_stage_page_opened_directly_changes_the_stage_once(live_server, page, org, make_project):
    """A bookmark or a new tab opens /projects/<id>/stage on its own: saving there changes the
    stage once and shows the project page with a confirmation (it used to swap into nothing)."""
    project = make_project(name="书签项目", clue_on=dt.date(2026, 1, 5))
    browser_login(page, "unit_a")
    page.goto(f"/projects/{project.id}/stage")
    page.select_option("form.stage-form select[name=to_stage]", "negotiating")
    page.fill("form.stage-form input[name=on_date]", "2026-02-01")
    page.click("form.stage-form button[type=submit]")
    page.wait_for_url(f"**/projects/{project.id}")
    expect(page.locator("#stage .current-stage")).to_have_attribute("data-stage", "negotiating")
    expect(page.locator(".flash, .flashes, [role=status]").first).to_be_visible()
    assert Project.get_by_id(project.id).stage == "negotiating"
    assert StageChange.select().where(StageChange.project == project.id).count() == 1
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_a_project_attachment_downloads_with_and_without_javascript(live_server, page, org, make_project, js_enabled):
    """The attachment link is a download, not a boosted page load (htmx fetched the file into the page)."""
    import pathlib

    from portal.models import Attachment

    project = make_project(name="附件项目")
    attachment = Attachment.create(project=project, stored_name="d" * 32 + ".pdf", original_name="可研报告.pdf",
                                   content_type="application/pdf", size=9, by=org.users["unit_a"])
    uploads = pathlib.Path(live_server.app.config["UPLOADS_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / attachment.stored_name).write_bytes(b"%PDF-1.7\n")
    browser_login(page, "unit_a")
    page.goto(f"/projects/{project.id}")
    with page.expect_download() as caught:
        page.locator("#attachments a", has_text="可研报告.pdf").click()
    assert caught.value.suggested_filename == "可研报告.pdf"
    assert open(caught.value.path(), "rb").read() == b"%PDF-1.7\n"
