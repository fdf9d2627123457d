"""No uploaded file is left on disk without its row, and no visit is lost. An import whose new
investor got visits since is not undone (it would delete them) until they are deleted, files
and all; a file whose deletion fails after its row is gone is
logged while the request succeeds, and `portal uploads orphans` lists it and, with --delete,
deletes it; files saved by a transaction that fails are deleted again."""
import logging
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import cli
from portal.db import database
from portal.models import Attachment, Contact, ContactAttachment, Enterprise, Project
from tests.forms_helpers import forms_on, submit
from tests.test_contact_attachments import CARD, MINUTES, _log_visit, _uploads
from tests.test_import import batch_id, clean_rows, confirm, upload, xlsx
from tests.test_import_list_undo import INVESTOR_ROWS, imported, press_undo
from tests.test_import_lists import INVESTORS


@pytest.fixture
def ningde():
    return Enterprise.create(name="Ningde Battery Co")


def test_an_investor_import_with_visits_logged_since_is_not_undone_until_they_are_deleted(app, login):
    # Undoing would delete the investor with its visits: refused, nothing lost. Once the visit
    # is deleted on its own page (its files with it), the undo goes through and no file is left.
    bureau = login("bureau")
    bid = imported(bureau, INVESTORS, xlsx(INVESTOR_ROWS))
    longi = Enterprise.get(Enterprise.name == "隆基绿能")  # created by the import
    before = _uploads(app)
    assert _log_visit(bureau, longi, (MINUTES, "minutes.pdf"), (CARD, "card.png")).status_code == 303
    assert len(_uploads(app) - before) == 2
    refused = press_undo(bureau, INVESTORS, bid)
    assert refused.status_code == 409
    assert "隆基绿能" in refused.get_data(as_text=True)
    assert Contact.select().count() == 1 and ContactAttachment.select().count() == 2
    assert len(_uploads(app) - before) == 2
    assert bureau.post_form(f"/contacts/{Contact.get().id}/delete").status_code == 303
    assert press_undo(bureau, INVESTORS, bid).status_code == 303
    assert not Enterprise.select().where(Enterprise.name == "隆基绿能").exists()
    assert _uploads(app) == before


def test_a_project_import_whose_new_investor_has_visits_since_is_not_undone(app, login):
    bureau = login("bureau")
    bid = batch_id(upload(bureau, xlsx(clean_rows())))
    assert confirm(bureau, bid).status_code == 303
    [investor, *_] = Enterprise.select().order_by(Enterprise.id)
    projects, before = Project.select().count(), _uploads(app)
    assert _log_visit(bureau, investor, (MINUTES, "minutes.pdf")).status_code == 303
    refused = bureau.post_form(f"/projects/import/{bid}/undo")
    assert refused.status_code == 409
    assert "Visits were logged" in refused.get_data(as_text=True)
    assert Project.select().count() == projects and Contact.select().count() == 1
    assert len(_uploads(app) - before) == 1
    assert bureau.post_form(f"/contacts/{Contact.get().id}/delete").status_code == 303
    assert bureau.post_form(f"/projects/import/{bid}/undo").status_code == 303
    assert Enterprise.select().count() == 0 and Project.select().count() == 0
    assert _uploads(app) == before


def _orphans_command(app, *args):
    env = {"PORTAL_INSTANCE": app.instance_path, "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_UPLOADS_DIR": app.config["UPLOADS_DIR"], "PORTAL_SECRET_KEY": "x"}
    result = CliRunner().invoke(cli, ["uploads", "orphans", *args], env=env)
    database.connect(reuse_if_open=True)  # the command's app closed its connection
    return result


def _age(path: Path, minutes: int) -> None:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def test_a_file_whose_deletion_fails_stays_logged_and_the_orphans_command_deletes_it(app, login, ningde, monkeypatch,
                                                                                    caplog):
    team = login("team")
    assert _log_visit(team, ningde, (MINUTES, "minutes.pdf"), (CARD, "card.png")).status_code == 303
    assert _log_visit(team, ningde, (MINUTES, "kept.pdf"), summary="Called again").status_code == 303
    contact = Contact.get(Contact.summary == "Visited the Shanghai office")
    stuck = {f.original_name: f.stored_name for f in ContactAttachment.select().where(
        ContactAttachment.contact == contact.id)}
    kept = ContactAttachment.get(ContactAttachment.original_name == "kept.pdf").stored_name
    unlink = Path.unlink

    def failing_unlink(self, *args, **kwargs):  # e.g. the network share is read-only for a while
        if self.name in stuck.values():
            raise PermissionError(13, "Permission denied", str(self))
        return unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", failing_unlink)
    page = f"/investors/{ningde.id}"
    card = ContactAttachment.get(ContactAttachment.stored_name == stuck["card.png"])
    [remove] = [f for f in forms_on(team.get(page).get_data(as_text=True), page)
                if f.action == f"/contacts/{contact.id}/files/{card.id}/remove"]
    with caplog.at_level(logging.WARNING, logger="portal.uploads"):
        assert submit(team, remove).status_code == 303  # the row is gone: the removal succeeded
        assert team.post_form(f"/contacts/{contact.id}/delete").status_code == 303
    assert not Contact.select().where(Contact.id == contact.id).exists()
    assert [f.stored_name for f in ContactAttachment.select()] == [kept]
    assert set(stuck.values()) <= _uploads(app)  # left on disk, and said so
    assert all(name in caplog.text and "portal uploads orphans --delete" in caplog.text for name in stuck.values())
    monkeypatch.undo()

    # Other files of the folder are not the command's: a referenced one, an import's, anything else.
    folder = Path(app.config["UPLOADS_DIR"])
    (folder / "imports").mkdir(exist_ok=True)
    (folder / "imports" / ("ab" * 16 + ".pdf")).write_bytes(b"%PDF-")
    (folder / "README.txt").write_text("backups: see the wiki")
    for path in folder.iterdir():
        if path.is_file():
            _age(path, 120)
    young = "cd" * 16 + ".png"  # an upload whose row is not committed yet
    (folder / young).write_bytes(CARD)

    listed = _orphans_command(app)
    assert listed.exit_code == 0, listed.output
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert sorted(line[0] for line in lines) == sorted([*stuck.values(), young])
    assert {line[0]: int(line[1]) for line in lines}[stuck["minutes.pdf"]] == len(MINUTES)
    assert "3 orphan files" in listed.stderr
    assert set(stuck.values()) | {young} <= _uploads(app)  # listing deletes nothing

    deleted = _orphans_command(app, "--delete")
    assert deleted.exit_code == 0, deleted.output
    assert "deleted: 2, kept (younger than 60 minutes): 1, could not be deleted: 0" in deleted.stderr
    assert _uploads(app) == {kept, young, "README.txt"}
    assert (folder / "imports" / ("ab" * 16 + ".pdf")).exists()

    assert "deleted: 1," in _orphans_command(app, "--delete", "--min-age", "0").stderr
    assert _uploads(app) == {kept, "README.txt"}
    assert team.get(f"/contacts/{ContactAttachment.get().contact_id}/files/{ContactAttachment.get().id}").data \
        == MINUTES


def test_a_failure_while_saving_a_projects_attachments_leaves_no_file(app, login, make_project, monkeypatch):
    """The files are written before the transaction commits: when it fails, they are deleted again."""
    from portal.projects import views

    record = views.audit.record

    def failing(action, *args, **kwargs):
        if action == "attachment" and Attachment.select().count() == 2:
            raise RuntimeError("the database went away")
        return record(action, *args, **kwargs)

    monkeypatch.setattr(views.audit, "record", failing)
    project = make_project(name="Battery plant")
    client = login("unit_a")
    url = f"/projects/{project.id}"
    [form] = [f for f in forms_on(client.get(url).get_data(as_text=True), url) if f.action == f"{url}/attachments"]
    form.choose_files("files", (MINUTES, "minutes.pdf"), (CARD, "card.png"))
    before = _uploads(app)
    with pytest.raises(RuntimeError):
        submit(client, form)
    assert Attachment.select().count() == 0
    assert _uploads(app) == before


def _missing_command(app):
    env = {"PORTAL_INSTANCE": app.instance_path, "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_UPLOADS_DIR": app.config["UPLOADS_DIR"], "PORTAL_SECRET_KEY": "x"}
    result = CliRunner().invoke(cli, ["uploads", "missing"], env=env)
    database.connect(reuse_if_open=True)  # the command's app closed its connection
    return result


def test_the_missing_command_lists_the_rows_whose_file_is_gone(app, login, ningde, make_project):
    # A restore brought back the database but not the whole uploads folder: the rows whose file is
    # gone are listed (their downloads answer 404), the others are not, and the command fails until
    # the files are back.
    team = login("team")
    assert _log_visit(team, ningde, (MINUTES, "minutes.pdf"), (CARD, "card.png")).status_code == 303
    bureau = login("bureau")
    project = make_project("Battery plant")
    page = f"/projects/{project.id}"
    [attach] = [f for f in forms_on(bureau.get(page).get_data(as_text=True), page)
                if f.action == f"/projects/{project.id}/attachments"]
    attach.choose_files("files", (b"%PDF-1.7 plan", "site plan.pdf"))
    assert submit(bureau, attach).status_code == 303

    clean = _missing_command(app)
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == "" and "0 rows name a missing file" in clean.stderr

    folder = Path(app.config["UPLOADS_DIR"])
    card = ContactAttachment.get(ContactAttachment.original_name == "card.png")
    plan = Attachment.get(Attachment.original_name == "site plan.pdf")
    saved = {row.stored_name: (folder / row.stored_name).read_bytes() for row in (card, plan)}
    for name in saved:
        (folder / name).unlink()
    assert team.get(f"/contacts/{card.contact_id}/files/{card.id}").status_code == 404

    listed = _missing_command(app)
    assert listed.exit_code == 1
    rows = sorted(line.split("\t")[:4] for line in listed.stdout.splitlines())
    assert rows == sorted([["contact_attachment", str(card.id), card.stored_name, "card.png"],
                           [Attachment._meta.table_name, str(plan.id), plan.stored_name, "site plan.pdf"]])
    assert "2 rows name a missing file" in listed.stderr

    for name, content in saved.items():
        (folder / name).write_bytes(content)
    assert _missing_command(app).exit_code == 0
