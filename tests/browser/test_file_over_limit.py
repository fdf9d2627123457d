"""A user who picks a file over the size limit sees the form they were filling with the message at
the file input, with JavaScript on (htmx sends the form) and off, in Chromium through waitress;
before, a file over the limit stopped the whole request with the bare 413 page."""
import pytest

from portal.models import Attachment, Contact, Enterprise, ImportBatch
from tests.browser.conftest import browser_login, expect, switch_user

pytestmark = [pytest.mark.parametrize("portal_settings", [{"MAX_UPLOAD_MB": 1}]),
              pytest.mark.parametrize("js_enabled", [True, False], indirect=True, ids=["js", "nojs"])]


def _two_megabytes(path, head: bytes):
    path.write_bytes(head + b"0" * (2 * 1024 * 1024))
    return str(path)


def _send(form, field: str, file: str) -> None:
    """Pick ``file`` in the form's file input ``field`` and press its submit button."""
    form.locator(f"input[type=file][name={field}]").set_input_files(file)
    form.locator("button[type=submit]").click()


def test_a_file_over_the_limit_is_refused_at_its_field_on_the_form_being_filled(live_server, page, org, tmp_path,
                                                                               make_project, js_enabled,
                                                                               portal_settings):
    scan = _two_megabytes(tmp_path / "scan.pdf", b"%PDF-1.7\n")
    investor = Enterprise.create(name="Ningde Battery Co")
    browser_login(page, "team")
    page.goto(f"/investors/{investor.id}")
    form = page.locator("form.contact-form")
    form.locator("textarea[name=summary]").fill("在上海总部座谈，企业计划扩产")
    _send(form, "files", scan)
    expect(page.locator("#files-error")).to_have_text("文件 scan.pdf 超过 1 MB。")
    expect(page.locator("form.contact-form textarea[name=summary]")).to_have_value("在上海总部座谈，企业计划扩产")
    assert Contact.select().count() == 0

    switch_user(page, "unit_a")
    project = make_project(name="Battery plant")
    page.goto(f"/projects/{project.id}")
    _send(page.locator("#attachments form"), "files", scan)
    expect(page.locator("#attachments p.error")).to_have_text("文件 scan.pdf 超过 1 MB。")
    expect(page.locator("#attachments input[type=file][name=files]")).to_be_visible()
    assert Attachment.select().count() == 0
    assert not page.js_errors, page.js_errors


def test_a_sheet_over_the_limit_is_refused_at_its_field_on_the_import_page(live_server, page, org, tmp_path,
                                                                           js_enabled, portal_settings):
    sheet = _two_megabytes(tmp_path / "项目台账.xlsx", b"PK\x03\x04")
    browser_login(page, "bureau")
    page.goto("/projects/import")
    _send(page.locator("main form"), "file", sheet)
    expect(page.locator("#file-error")).to_have_text("文件 项目台账.xlsx 超过 1 MB。")
    expect(page.locator("main form input[type=file][name=file]")).to_be_visible()
    assert ImportBatch.select().count() == 0
    assert not page.js_errors, page.js_errors
