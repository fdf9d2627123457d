"""A county officer enters the weekly report in Chromium: row by row with htmx, and all rows at once
with JavaScript off; rows without a report stand out until they are filled."""
import pytest

from portal.models import ProgressReport
from tests.browser.conftest import browser_login, expect
from tests.scheduling_helpers import LONG_AGO


def settled(page):
    """Wait until htmx has no request in flight and no element still swapping or settling."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_enter_the_weekly_report(live_server, page, org, make_project, js_enabled):
    plant = make_project(name="电池工厂", unit="county_a", stage="signed", created_at=LONG_AGO)
    hotel = make_project(name="湖滨酒店", unit="town_a", stage="negotiating", created_at=LONG_AGO)
    browser_login(page, "unit_a")
    page.goto("/scheduling/report")
    plant_row, hotel_row = page.locator(f"#report-row-{plant.id}"), page.locator(f"#report-row-{hotel.id}")
    expect(plant_row).to_have_attribute("data-reported", "no")
    expect(hotel_row).to_have_attribute("data-reported", "no")

    page.fill(f"#happened-{plant.id}", "完成土地测绘")
    page.fill(f"#next-{plant.id}", "办理施工许可")
    page.fill(f"#percent-{plant.id}", "35")
    if js_enabled:
        page.fill(f"#happened-{hotel.id}", "Typed, not saved yet")
        url = page.url
        plant_row.locator("button[type=submit]").click()
        settled(page)
        # Only this row is saved and re-rendered; the page stays, the other row keeps what was typed.
        expect(page.locator(f"#report-row-{plant.id}")).to_have_attribute("data-reported", "yes")
        expect(page.locator(f"#report-row-{plant.id}")).to_contain_text("完成土地测绘")
        assert page.url == url
        expect(page.locator(f"#happened-{hotel.id}")).to_have_value("Typed, not saved yet")
        assert [r.project_id for r in ProgressReport.select()] == [plant.id]
        # A wrong percentage is answered in the row, with the message at the field.
        page.fill(f"#happened-{hotel.id}", "第二次拜访")
        page.fill(f"#percent-{hotel.id}", "200")
        page.locator(f"#report-row-{hotel.id} button[type=submit]").click()
        expect(page.locator(f"#percent-{hotel.id}-error")).to_be_visible()
        settled(page)  # a person types into the row htmx has finished swapping in, not the one leaving
        page.fill(f"#percent-{hotel.id}", "")
        page.locator(f"#report-row-{hotel.id} button[type=submit]").click()
        expect(page.locator(f"#report-row-{hotel.id}")).to_have_attribute("data-reported", "yes")
    else:
        page.fill(f"#happened-{hotel.id}", "第二次拜访")
        page.click("button[name=all]")
        expect(page.locator(".flash-success")).to_be_visible()
        expect(page.locator(f"#report-row-{plant.id}")).to_have_attribute("data-reported", "yes")
        expect(page.locator(f"#report-row-{hotel.id}")).to_have_attribute("data-reported", "yes")
    saved = {(r.project_id, r.happened, r.percent_complete) for r in ProgressReport.select()}
    assert saved == {(plant.id, "完成土地测绘", 35), (hotel.id, "第二次拜访", None)}
    if not js_enabled:
        expect(page.locator(".report-progress")).to_have_attribute("data-reported", "2")
    # htmx logs the 422 answer it swapped in on purpose; anything else is a real error.
    errors = [e for e in page.js_errors if "Response Status Error Code 422" not in e]
    assert not errors, errors
