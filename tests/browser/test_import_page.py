"""The bureau uploads a sheet, reads the preview and confirms it, in Chromium, with and without JavaScript."""
import pytest

from portal.models import ImportBatch, Project
from tests.browser.conftest import browser_login, expect
from tests.test_import import clean_rows, xlsx


@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_upload_preview_confirm(live_server, page, org, js_enabled, tmp_path):
    sheet = tmp_path / "清单.xlsx"
    sheet.write_bytes(xlsx(clean_rows(), merge="A1:I1"))
    browser_login(page, "bureau")
    page.goto("/projects/import")
    page.set_input_files("input[name=file]", str(sheet))
    page.click("form[enctype] button[type=submit]")
    expect(page.locator("#count-created")).to_have_text("3")
    assert Project.select().count() == 0  # the preview saves nothing
    page.click("#confirm")
    expect(page.locator("#batches")).to_contain_text("清单.xlsx")
    assert Project.select().count() == 3
    assert ImportBatch.get().state == "imported"
