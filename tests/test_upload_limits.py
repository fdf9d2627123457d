"""A file over the size limit is refused at its field, on the form the user was filling.

Each file may be ``MAX_UPLOAD_MB``; every request is limited to about that much
(``MAX_CONTENT_LENGTH``), so a larger file used to stop the whole request with the bare 413
page, everything typed lost. A form with files (a project's attachments and stage change, a
contact's) now reads up to ``MAX_UPLOAD_REQUEST_MB``: the file's own check names it next to the
field (422) with the form as it was filled. A body over even that is not read: a 413 page names
both limits and links back to the form. The CSRF check holds either way."""
import re

import pytest

from portal.models import Attachment, Contact, ContactAttachment, Enterprise, ImportBatch, StageChange
from tests.forms_helpers import forms_on, submit
from tests.problems_helpers import local_today

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
MB = 1024 * 1024
SMALL_LIMITS = {"MAX_UPLOAD_MB": 1}  # one file: 1 MB; any other request: 1 MB and 64 KB
WITH_REQUEST_LIMIT = {"MAX_UPLOAD_MB": 1, "MAX_UPLOAD_REQUEST_MB": 3}


def _scan(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _form(client, url, action):
    [form] = [f for f in forms_on(_page(client, url), url) if f.action.partition("?")[0] == action]
    return form


def _error_next_to_files(html) -> str:
    match = re.search(r'<input[^>]*id="files"[^>]*>\s*(?:<small class="hint">.*?</small>\s*)?'
                      r'<p class="error" id="files-error">([^<]*)</p>', html, re.S)
    assert match, "no error next to the file input"
    return match.group(1)


def _back_link(html) -> str | None:
    match = re.search(r'<a href="([^"]*)">Back to the form</a>', html)
    return match.group(1) if match else None


@pytest.fixture
def ningde():
    return Enterprise.create(name="Ningde Battery Co")


@pytest.mark.parametrize("portal_settings", [SMALL_LIMITS])
def test_a_contacts_file_over_the_limit_is_refused_at_its_field_with_what_was_typed_kept(app, login, org, ningde):
    assert app.config["MAX_CONTENT_LENGTH"] < 2 * MB  # what any other request may send
    team = login("team")
    url = f"/investors/{ningde.id}"
    form = _form(team, url, f"{url}/contacts/new")
    form.choose("kind", "visit")
    form.type_into("summary", "Visited the Shanghai office: a second plant is planned")
    form.type_into("participants", "Mr Zeng, Ms Li")
    form.choose_files("files", (PDF, "minutes.pdf"), (_scan(2 * MB), "scan.pdf"))
    response = submit(team, form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _error_next_to_files(html) == "The file scan.pdf is larger than 1 MB."
    [again] = [f for f in forms_on(html, url) if "summary" in f.names()]
    assert again.control("summary").value.strip() == "Visited the Shanghai office: a second plant is planned"
    assert again.control("participants").attrs["value"] == "Mr Zeng, Ms Li"
    assert Contact.select().count() == 0 and ContactAttachment.select().count() == 0

    # The correction form of a contact takes files too.
    contact = Contact.create(enterprise=ningde, unit=org.units["team"], kind="call", happened_on=local_today(),
                             summary="Called", by=org.users["team"])
    edit = f"/contacts/{contact.id}/edit"
    form = _form(team, edit, edit)
    form.choose_files("files", (_scan(2 * MB), "scan.pdf"))
    response = submit(team, form)
    assert response.status_code == 422
    assert _error_next_to_files(response.get_data(as_text=True)) == "The file scan.pdf is larger than 1 MB."
    assert ContactAttachment.select().count() == 0


def _with_summary(form, summary="Called the head office"):
    form.type_into("summary", summary)
    return form


@pytest.mark.parametrize("portal_settings", [SMALL_LIMITS])
def test_a_projects_attachment_or_stage_file_over_the_limit_is_refused_at_its_field(app, login, make_project):
    project = make_project(name="Battery plant")
    client = login("unit_a")
    url = f"/projects/{project.id}"
    form = _form(client, url, f"{url}/attachments")
    form.choose_files("files", (_scan(2 * MB), "scan.pdf"))
    response = submit(client, form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    attachments = html[html.index('<section id="attachments"'):]
    assert re.search(r'<input[^>]*name="files"[^>]*>\s*<small class="hint">[^<]*</small>\s*'
                     r'<p class="error">The file scan.pdf is larger than 1 MB.</p>', attachments)
    assert Attachment.select().count() == 0

    stage = f"{url}/stage"
    form = _form(client, stage, stage)
    form.choose("to_stage", "negotiating")
    form.type_into("note", "Second round of talks")
    form.choose_files("files", (_scan(2 * MB), "term sheet.pdf"))
    response = submit(client, form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _error_next_to_files(html) == "The file term sheet.pdf is larger than 1 MB."
    [again] = [f for f in forms_on(html, stage) if "note" in f.names()]
    assert again.control("note").value.strip() == "Second round of talks"
    assert StageChange.select().count() == 0 and Attachment.select().count() == 0


@pytest.mark.parametrize("portal_settings", [WITH_REQUEST_LIMIT])
def test_files_over_what_one_form_sends_get_a_413_page_leading_back_to_the_form(app, login, ningde, make_project):
    team = login("team")
    url = f"/investors/{ningde.id}"
    form = _with_summary(_form(team, url, f"{url}/contacts/new"))
    form.choose_files("files", *[(_scan(900 * 1024), f"scan {i}.pdf") for i in range(4)])  # each within 1 MB
    response = submit(team, form, headers={"Referer": f"http://localhost{url}"})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert ("The files you chose add up to more than 3 MB, the most one form can send (each file can be at most "
            "1 MB). Nothing was saved: go back to the form and send fewer files at a time.") in html
    assert _back_link(html) == url  # the page the form was on
    assert _back_link(submit(team, form).get_data(as_text=True)) == f"{url}/contacts/new"  # no Referer: its own page
    assert _back_link(submit(team, form, headers={"Referer": "http://evil.example/x"}).get_data(as_text=True)) \
        == f"{url}/contacts/new"
    assert Contact.select().count() == 0 and ContactAttachment.select().count() == 0

    project = make_project(name="Battery plant")
    client = login("unit_a")
    page = f"/projects/{project.id}"
    form = _form(client, page, f"{page}/attachments")
    form.choose_files("files", (_scan(4 * MB), "scan.pdf"))
    response = submit(client, form)  # an attachment form answers POST only: back to its card on the project page
    assert response.status_code == 413 and _back_link(response.get_data(as_text=True)) == f"{page}#attachments"
    assert Attachment.select().count() == 0

    app.config["DEFAULT_LOCALE"] = "zh_CN"
    html = submit(client, form).get_data(as_text=True)
    assert "您选择的文件合计超过 3 MB" in html and "返回表单" in html


@pytest.mark.parametrize("portal_settings", [WITH_REQUEST_LIMIT])
def test_a_large_body_passes_no_form_without_its_csrf_token(app, login, ningde):
    """The larger body a form with files may send is still checked for its CSRF token before
    anything else; a body over the limit is not read at all."""
    team = login("team")
    url = f"/investors/{ningde.id}"
    for size, status in ((2 * MB, 400), (4 * MB, 413)):
        form = _with_summary(_form(team, url, f"{url}/contacts/new"))
        form.control("csrf_token").attrs["value"] = "forged"
        form.choose_files("files", (_scan(size), "scan.pdf"))
        response = submit(team, form)
        assert response.status_code == status, size
        if status == 400:
            assert "Your form has expired or was not sent by this portal." in response.get_data(as_text=True)
    assert Contact.select().count() == 0 and ContactAttachment.select().count() == 0


@pytest.mark.parametrize("portal_settings", [SMALL_LIMITS])
@pytest.mark.parametrize(("user", "page"), [("bureau", "/projects/import"), ("bureau", "/import/investors"),
                                           ("admin", "/admin/units/import")])
def test_a_sheet_over_the_limit_is_refused_at_its_field_on_every_import_page(app, login, user, page):
    """The import pages took only one file's worth in all, so a sheet over the limit got the bare
    413 page; now it is refused next to its field and no batch is opened."""
    client = login(user)
    form = _form(client, page, page)
    form.choose_files("file", (b"PK\x03\x04" + b"0" * (2 * MB), "projects 2026.xlsx"))
    response = submit(client, form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<input[^>]*id="file"[^>]*>\s*(?:<small class="hint">.*?</small>\s*)?'
                     r'<p class="error" id="file-error">The file projects 2026.xlsx is larger than 1 MB.</p>',
                     html, re.S), html[html.find('id="file"') - 200:][:800]
    assert ImportBatch.select().count() == 0
