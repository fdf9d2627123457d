"""In Chromium, an edit page saved without touching anything changes nothing: the selects show
the stored unit, role and parent, so "Save" sends them back (with and without JavaScript)."""
import pytest

from portal.models import Project
from tests.browser.conftest import browser_login
from tests.test_forms_roundtrip import dump_tables, make_city, table_changes

EDIT_PAGES = {
    # who, the page (from the org and the city), its form
    "unit": ("admin", lambda org: f"/admin/units/{org.units['town_a'].id}", "main form[method=post]"),
    "user": ("admin", lambda org: f"/admin/users/{org.users['unit_a'].id}", "main form[method=post]"),
    "project": ("bureau", lambda org: f"/projects/{Project.get(Project.name == 'Town workshop').id}/edit",
                "form.project-form"),
}


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
@pytest.mark.parametrize("record", sorted(EDIT_PAGES))
def test_edit_page_saved_untouched_changes_nothing(live_server, page, app, org, make_project, js_enabled, record):
    """A town below its county, a county's user, a town's project: none is the first unit listed."""
    with app.app_context():
        make_city(org, make_project)
    username, path, form = EDIT_PAGES[record]
    browser_login(page, username)
    before = dump_tables()
    page.goto(path(org))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()
    assert posted.value.status in (200, 303)
    assert table_changes(before, dump_tables()) == {}
    assert not page.js_errors, page.js_errors
