"""A user who picks a file over the size limit sees the form they were filling with the message at
the file input, with JavaScript on (htmx sends the form) and off, in Chromium through waitress;
before, a file over the limit stopped the whole request with the bare 413 page."""
import pytest

from portal.models import Attachment, Contact, Enterprise
from tests.browser.conftest import browser_login, expect


@pytest.mark.parametrize("portal_settings", [{"MAX_UPLOAD_MB": 1}])
@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_a_file_over_the_limit_is_refused_at_its_field_on_the_form_being_filled(live_server, page, org, tmp_path,
                                                                               make_project, js_enabled,
                                                                               portal_settings):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    investor = Enterprise.create(name="Ningde Battery Co")
    browser_login(page, "team")
    page.goto(f"/investors/{investor.id}")
    form = page.locator("form.contact-form")
    form.locator("textarea[name=summary]").fill("在上海总部座谈，企业计划扩产")
    form.locator("input[type=file][name=files]").set_input_files(str(scan))
    form.locator("button[type=submit]").click()
    expect(page.locator("#files-error")).to_have_text("文件 scan.pdf 超过 1 MB。")
    expect(page.locator("form.contact-form textarea[name=summary]")).to_have_value("在上海总部座谈，企业计划扩产")
    assert Contact.select().count() == 0

    page.context.clear_cookies()
    browser_login(page, "unit_a")
    project = make_project(name="Battery plant")
    page.goto(f"/projects/{project.id}")
    upload = page.locator("#attachments form")
    upload.locator("input[type=file][name=files]").set_input_files(str(scan))
    upload.locator("button[type=submit]").click()
    expect(page.locator("#attachments p.error")).to_have_text("文件 scan.pdf 超过 1 MB。")
    expect(page.locator("#attachments input[type=file][name=files]")).to_be_visible()
    assert Attachment.select().count() == 0
    assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("portal_settings", [{"MAX_UPLOAD_MB": 1}])
@pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])
def test_a_sheet_over_the_limit_is_refused_at_its_field_on_the_import_page(live_server, page, org, tmp_path,
                                                                           js_enabled, portal_settings):
    from portal.models import ImportBatch

    sheet = tmp_path / "项目台账.xlsx"
    sheet.write_bytes(b"PK\x03\x04" + b"0" * (2 * 1024 * 1024))
    browser_login(page, "bureau")
    page.goto("/projects/import")
    page.locator("main form input[type=file][name=file]").set_input_files(str(sheet))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#file-error")).to_have_text("文件 项目台账.xlsx 超过 1 MB。")
    expect(page.locator("main form input[type=file][name=file]")).to_be_visible()
    assert ImportBatch.select().count() == 0
    assert not page.js_errors, page.js_errors
