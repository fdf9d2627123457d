"""A logged visit keeps its files (issue #18): the minutes, photos, a business card scan, the
investor's brochure are chosen on the contact's own form (new and edit), listed with the contact
(investor page, the team's visit log) with name, size, who and when, downloaded by who reads the
contact only, removed by who may correct it — each addition and removal audited. Files are
untrusted: a wrong type or an over-size file is refused next to the field, and nothing is kept."""
import datetime as dt
import re
from pathlib import Path

import pytest

from portal.models import AuditLog, Contact, ContactAttachment, Enterprise
from tests.forms_helpers import forms_on, submit
from tests.problems_helpers import local_today

MINUTES = b"%PDF-1.7\n1 0 obj << >> endobj\nMinutes of the visit to Ningde\n%%EOF\n"
CARD = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


@pytest.fixture
def ningde():
    return Enterprise.create(name="Ningde Battery Co", origin_city="宁德")


def _uploads(app) -> set[str]:
    folder = Path(app.config["UPLOADS_DIR"])
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _contact_form(client, url, action):
    [form] = [f for f in forms_on(_page(client, url), url) if f.action.partition("?")[0] == action]
    assert form.multipart, "a file input needs enctype=multipart/form-data (else only its name is sent)"
    assert "multiple" in form.control("files").attrs
    return form


def _log_visit(client, enterprise, *files, summary="Visited the Shanghai office"):
    url = f"/investors/{enterprise.id}"
    form = _contact_form(client, url, f"{url}/contacts/new")
    form.choose("kind", "visit")
    form.type_into("summary", summary)
    form.choose_files("files", *files)
    return submit(client, form)


def _error_next_to_files(html) -> str:
    """The message shown right under the file input (the field macro's error paragraph)."""
    match = re.search(r'<input[^>]*id="files"[^>]*>\s*(?:<small class="hint">.*?</small>\s*)?'
                      r'<p class="error" id="files-error">([^<]*)</p>', html, re.S)
    assert match, "no error next to the file input"
    return match.group(1)


def _file_links(html, contact) -> dict[str, str]:
    return {name: href for href, name in re.findall(
        rf'<a href="(/contacts/{contact.id}/files/\d+)" download hx-boost="false">([^<]+)</a>', html)}


def test_a_visits_files_are_uploaded_listed_downloaded_by_its_readers_and_removed_with_audit(app, login, org, ningde):
    team = login("team")
    before = _uploads(app)
    response = _log_visit(team, ningde, (MINUTES, "拜访纪要 minutes.pdf"), (CARD, "card.png"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    contact = Contact.get()
    files = list(ContactAttachment.select().order_by(ContactAttachment.id))
    assert [(f.original_name, f.size, f.content_type, f.by_id, f.contact_id) for f in files] == [
        ("拜访纪要 minutes.pdf", len(MINUTES), "application/pdf", org.users["team"].id, contact.id),
        ("card.png", len(CARD), "image/png", org.users["team"].id, contact.id)]
    stored = _uploads(app) - before
    assert stored == {f.stored_name for f in files}  # stored under random names, not the ones sent
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(pdf|png)", name) for name in stored)

    # Listed on the team's visit log and on the investor page: name, size, who and when.
    log = _page(team, f"/teams/{org.units['team'].id}")
    investor_page = _page(team, f"/investors/{ningde.id}")
    for html in (log, investor_page):
        links = _file_links(html, contact)
        assert set(links) == {"拜访纪要 minutes.pdf", "card.png"}
        assert f"{round(len(MINUTES) / 1024, 1)} KB" in html and "added by Team on " in html

    # Downloaded with the same bytes, as an attachment under its own name, never sniffed.
    href = _file_links(log, contact)["拜访纪要 minutes.pdf"]
    download = team.get(href)
    assert download.status_code == 200 and download.data == MINUTES
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E6%8B%9C%E8%AE%BF" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert login("leader").get(href).status_code == 200  # the city's leaders read every contact

    # Who may not read the contact finds nothing there; another contact's URL does not reach it.
    assert login("unit_b").get(href).status_code == 404
    assert login("unit_a").get(href).status_code == 404
    other = Contact.create(enterprise=ningde, unit=org.units["team"], kind="call", happened_on=local_today(),
                           summary="Called", by=org.users["team"])
    assert team.get(href.replace(f"/contacts/{contact.id}/", f"/contacts/{other.id}/")).status_code == 404
    assert team.get(f"/contacts/{contact.id}/files/x").status_code == 404

    # Removal: the button is offered to who may correct the contact only, and checked on the server.
    assert "/remove" not in _page(login("leader"), f"/teams/{org.units['team'].id}")
    remove_url = href + "/remove"
    assert login("leader").post_form(remove_url).status_code == 403
    assert login("unit_b").post_form(remove_url).status_code == 404
    assert ContactAttachment.select().count() == 2
    [button] = [f for f in forms_on(log, f"/teams/{org.units['team'].id}") if f.action == remove_url]
    response = submit(team, button)
    assert response.status_code == 303
    assert response.location.endswith(f"/teams/{org.units['team'].id}#contact-{contact.id}")  # back to the visit
    assert [f.original_name for f in ContactAttachment.select()] == ["card.png"]
    assert _uploads(app) - before == {files[1].stored_name}  # the file itself is gone too
    assert team.get(href).status_code == 404
    assert "拜访纪要 minutes.pdf" not in _file_links(_page(team, f"/teams/{org.units['team'].id}"), contact)

    entries = list(AuditLog.select().where(AuditLog.entity == "contact", AuditLog.entity_id == contact.id,
                                           AuditLog.action.startswith("contact_file")).order_by(AuditLog.id))
    assert [(e.action, e.user_id, e.changes["attachment"]) for e in entries] == [
        ("contact_file_add", org.users["team"].id, [None, "拜访纪要 minutes.pdf"]),
        ("contact_file_add", org.users["team"].id, [None, "card.png"]),
        ("contact_file_remove", org.users["team"].id, ["拜访纪要 minutes.pdf", None])]
    removal = entries[-1].changes
    assert (removal["file_size"], removal["file_type"], removal["added_by"]) == (
        [len(MINUTES), None], ["application/pdf", None], ["Team", None])
    history = _page(login("admin"), "/admin/audit")
    assert "File removed from a contact" in history and "拜访纪要 minutes.pdf" in history


def test_files_are_added_to_a_contact_over_time_on_its_correction_form(app, login, org, ningde):
    contact = Contact.create(enterprise=ningde, unit=org.units["county_a"], kind="meeting",
                             happened_on=local_today() - dt.timedelta(days=2), summary="Met", by=org.users["unit_a"])
    unit_a = login("unit_a")
    url = f"/contacts/{contact.id}/edit"
    for content, name in ((MINUTES, "minutes.pdf"), (CARD, "brochure page.png")):
        form = _contact_form(unit_a, url, url)
        form.choose_files("files", (content, name))
        response = submit(unit_a, form)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert [f.original_name for f in ContactAttachment.select().order_by(ContactAttachment.id)] == [
        "minutes.pdf", "brochure page.png"]
    assert Contact.get_by_id(contact.id).summary == "Met"  # only files added: the record is unchanged
    assert [e.action for e in AuditLog.select().where(AuditLog.entity_id == contact.id)] == [
        "contact_file_add", "contact_file_add"]
    edit_page = _page(unit_a, url)
    assert set(_file_links(edit_page, contact)) == {"minutes.pdf", "brochure page.png"}
    assert login("team").get(url).status_code == 404  # another unit's contact


def test_deleting_a_contact_deletes_its_files_and_the_audit_names_them(app, login, org, ningde):
    team = login("team")
    before = _uploads(app)
    assert _log_visit(team, ningde, (MINUTES, "minutes.pdf")).status_code == 303
    contact = Contact.get()
    assert len(_uploads(app) - before) == 1
    assert team.post_form(f"/contacts/{contact.id}/delete").status_code == 303
    assert ContactAttachment.select().count() == 0 and _uploads(app) == before
    deleted = AuditLog.get(AuditLog.action == "contact_delete")
    assert deleted.changes["attachment"] == ["minutes.pdf", None]


@pytest.mark.parametrize("content, name", [
    (b"MZ\x90\x00 a program", "minutes.pdf"),  # the content is no PDF
    (MINUTES, "minutes.exe"),  # the extension does not agree with the content
    (b"<html><script>alert(1)</script>", "card.html"),
    (CARD, "card.pdf"),
])
def test_a_file_of_the_wrong_type_is_refused_next_to_the_field_and_nothing_is_kept(app, login, ningde, content, name):
    team = login("team")
    before = _uploads(app)
    response = _log_visit(team, ningde, (content, name))
    assert response.status_code == 422
    assert _error_next_to_files(response.get_data(as_text=True)) == (
        f"The file {name} is not a PDF, an image (PNG, JPEG) or an Office document.")
    assert Contact.select().count() == 0 and ContactAttachment.select().count() == 0
    assert _uploads(app) == before


def test_an_over_size_file_is_refused_next_to_the_field_in_both_languages(app, login, ningde):
    app.config["MAX_UPLOAD_MB"] = 1
    big = MINUTES + b"0" * (1024 * 1024)
    team = login("team")
    before = _uploads(app)
    response = _log_visit(team, ningde, (MINUTES, "minutes.pdf"), (big, "scan.pdf"))
    assert response.status_code == 422
    assert _error_next_to_files(response.get_data(as_text=True)) == "The file scan.pdf is larger than 1 MB."
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    response = _log_visit(team, ningde, (big, "scan.pdf"), summary="拜访")
    assert response.status_code == 422
    assert _error_next_to_files(response.get_data(as_text=True)) == "文件 scan.pdf 超过 1 MB。"
    # Nothing kept: not the contact, not the good file sent with the bad one.
    assert Contact.select().count() == 0 and ContactAttachment.select().count() == 0
    assert _uploads(app) == before


def test_at_most_twenty_files_are_taken_at_once(app, login, ningde):
    before = _uploads(app)
    response = _log_visit(login("team"), ningde, *[(CARD, f"photo {i}.png") for i in range(21)])
    assert response.status_code == 422
    assert _error_next_to_files(response.get_data(as_text=True)) == "Choose at most 20 files at a time."
    assert ContactAttachment.select().count() == 0 and _uploads(app) == before


def test_a_request_larger_than_the_server_takes_is_a_413_not_a_500(app, login, ningde):
    """(tests/test_upload_limits.py: what the page says, and a file over its own limit within it.)"""
    app.config.update(MAX_UPLOAD_MB=1, MAX_UPLOAD_REQUEST_MB=2)
    response = _log_visit(login("team"), ningde, (MINUTES + b"0" * (2200 * 1024), "scan.pdf"))
    assert response.status_code == 413
    assert "The files you chose add up to more than 2 MB" in response.get_data(as_text=True)
    assert Contact.select().count() == 0 and ContactAttachment.select().count() == 0


def test_a_failure_while_saving_leaves_no_file_without_its_row(app, login, ningde, monkeypatch):
    """The files are written before the transaction commits: when it fails, they are deleted again."""
    from portal.sourcing import service

    def failing(action, *args, **kwargs):
        if action == "contact_file_add" and ContactAttachment.select().count() == 2:
            raise RuntimeError("the database went away")
        return record(action, *args, **kwargs)

    record = service.audit.record
    monkeypatch.setattr(service.audit, "record", failing)
    before = _uploads(app)
    with pytest.raises(RuntimeError):
        _log_visit(login("team"), ningde, (MINUTES, "minutes.pdf"), (CARD, "card.png"))
    assert Contact.select().count() == 0 and ContactAttachment.select().count() == 0
    assert _uploads(app) == before
