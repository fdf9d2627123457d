"""Uploaded files (a project's attachments, a contact's): the type is checked by content (magic
bytes), files are stored under random names and sent back as downloads under their own names.

Accepted: PDF, PNG, JPEG, Office Open XML (docx, xlsx, pptx) and the older
Office formats (doc, xls). The extension must agree with the content, so a
download never reaches a browser with a misleading type.

Sizes: each file at most ``MAX_UPLOAD_MB``. A form that sends files (its view marked with
:func:`takes_files`) may send up to ``MAX_UPLOAD_REQUEST_MB`` in all (default five files'
worth), so a file over its own limit reaches the form's check and is refused next to its field,
with what was typed kept; every other request stays within ``MAX_CONTENT_LENGTH`` (one file and
the form). A body over the larger limit is never read: the 413 page (:func:`too_large`) names
both limits and links back to the form. The CSRF check reads the body first, so such a request
stops there and its view never runs; a body within the limit is checked for its token as any.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import abort, current_app, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from portal.db import database
from portal.errors import render_error
from portal.models import ALL_MODELS, cascading_keys
from portal.models.projects import StoredFile
from portal.web import safe_next

log = logging.getLogger(__name__)
MB = 1024 * 1024
#: Room for a form's other fields and the multipart framing around its files.
FORM_ROOM = 64 * 1024

#: kind -> (extensions, content type)
KINDS = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "docx": ((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ((".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": ((".doc",), "application/msword"),
    "xls": ((".xls",), "application/vnd.ms-excel"),
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadError(ValueError):
    pass


def sniff(stream, extension: str) -> str | None:
    """The kind of file by its first bytes (and, for Office files, its inner structure)."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(OLE2):
        return {".doc": "doc", ".xls": "xls"}.get(extension)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            stream.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(n.startswith(prefix) for n in names):
                return kind
    return None


def uploads_dir() -> Path:
    path = Path(current_app.config["UPLOADS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * MB


def request_mb() -> int:
    """The most a form with files sends in one request, in MB: ``MAX_UPLOAD_REQUEST_MB``, by
    default five files' worth, and always more than one file's limit (a file just over it must
    reach the check that names it next to its field)."""
    per_file = int(current_app.config["MAX_UPLOAD_MB"])
    whole = current_app.config.get("MAX_UPLOAD_REQUEST_MB") or 5 * per_file
    return max(int(whole), per_file + 1)


def takes_files(view=None, *, back=None):
    """Mark a view whose form sends files (put it right under the route): its requests may be as
    large as :func:`request_mb`, and one larger is answered by :func:`too_large` with a link back
    to the form: the page the form was sent from, else ``back(**view_args)``, else the view's own
    address when it answers GET."""

    def mark(view):
        view.portal_takes_files = back or True
        return view

    return mark(view) if view is not None else mark


def _mark_of(endpoint: str | None):
    """The :func:`takes_files` mark of an endpoint's view (None when it takes no files)."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "portal_takes_files", None)


class LargerBodyForFiles:
    """Mixed into the app's request class: a view marked with :func:`takes_files` reads a larger
    body (the rest keep ``MAX_CONTENT_LENGTH``)."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app and _mark_of(self.endpoint):
            return request_mb() * MB + FORM_ROOM
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def _back_to_form() -> str | None:
    """Where the form was: the page that sent it (a page of this site), else the marked view's
    ``back``, else its own address when it answers GET."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:  # only its path is used (the scheme may be a proxy's)
        page = safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""), "")
        if page:
            return page
    back = _mark_of(request.endpoint)
    if callable(back):
        return back(**(request.view_args or {}))
    if back and request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return request.full_path.rstrip("?")
    return None


def too_large(error: RequestEntityTooLarge):
    """A request larger than the portal reads (413): the error page, saying how large a form with
    files may be when it was one, with a link back to the form. The body is not read."""
    detail = None
    if _mark_of(request.endpoint) and (request.content_length or 0) > request_mb() * MB:
        detail = _("The files you chose add up to more than %(total)s MB, the most one form can send (each file "
                   "can be at most %(each)s MB). Nothing was saved: go back to the form and send fewer files at "
                   "a time.", total=request_mb(), each=current_app.config["MAX_UPLOAD_MB"])
    return render_error(413, detail, back=_back_to_form())


def init_app(app) -> None:
    app.request_class = type("Request", (LargerBodyForFiles, app.request_class), {})  # htmx's, with the mixin
    app.register_error_handler(RequestEntityTooLarge, too_large)


def safe_original_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip() or "file"
    name = "".join(c for c in name if c.isprintable() and c not in '"<>|:*?')
    return name[-200:] or "file"


def size_of(storage) -> int:
    """The bytes of an uploaded file (its stream is left at the start)."""
    stream = storage.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def too_large_message(original_name: str):
    """What the field says of a file over ``MAX_UPLOAD_MB`` (one wording for every form)."""
    return _l("The file %(name)s is larger than %(mb)s MB.", name=original_name,
              mb=current_app.config["MAX_UPLOAD_MB"])


def check(storage) -> tuple[str, str, int]:
    """Validate an uploaded file; returns (kind, original name, size) or raises UploadError."""
    original = safe_original_name(storage.filename)
    extension = os.path.splitext(original)[1].lower()
    size = size_of(storage)
    if size == 0:
        raise UploadError(_l("The file %(name)s is empty.", name=original))
    if size > max_bytes():
        raise UploadError(too_large_message(original))
    kind = sniff(storage.stream, extension)
    if kind is None or extension not in KINDS[kind][0]:
        raise UploadError(_l("The file %(name)s is not a PDF, an image (PNG, JPEG) or an Office document.",
                             name=original))
    return kind, original, size


@dataclass(frozen=True)
class Stored:
    """A file saved by :func:`save`: what its record keeps."""

    stored_name: str
    original_name: str
    content_type: str
    size: int


def save(storage) -> Stored:
    """Check and save one uploaded file under a random name (never the name it came with); the
    caller creates its record and the audit entry. Raises UploadError."""
    kind, original, size = check(storage)
    stored_name = secrets.token_hex(16) + KINDS[kind][0][0]
    storage.stream.seek(0)
    with open(uploads_dir() / stored_name, "xb") as fh:
        fh.write(storage.stream.read())
    return Stored(stored_name, original, KINDS[kind][1], size)


def chosen(storages) -> list:
    """The files a person chose in a file input: a browser sends an empty part for an untouched
    input, and a field posted as plain text (not a file) is no file."""
    return [s for s in (storages or []) if isinstance(s, FileStorage) and s.filename]


def path_of(stored_name: str) -> Path:
    return uploads_dir() / stored_name


def discard(stored_name: str) -> bool:
    """Delete a stored file whose row is gone: a file already missing is no error. One that cannot
    be deleted (no permission, the network share away) stays, logged: its row is gone already, so
    the request that removed it succeeded, and ``portal uploads orphans --delete`` removes the file
    later. Never raises; False when the file stayed."""
    try:
        path_of(stored_name).unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("uploaded file %s was not deleted (%s); its row is gone: `portal uploads orphans --delete` "
                    "removes it", stored_name, error)
        return False
    return True


class removed_unless_committed:
    """``with removed_unless_committed() as saved, database.atomic():`` — the stored names of the
    files saved inside the block (append each): when the block fails (its transaction rolled back),
    they are deleted again, so no file is left without its row."""

    def __enter__(self) -> list[str]:
        self.names: list[str] = []
        return self.names

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:
            for stored_name in self.names:
                discard(stored_name)


class deleted_once_committed:
    """``with deleted_once_committed() as gone, database.atomic():`` — the stored names of the
    files whose rows the block deletes (append each, or :func:`files_deleted_with`): they are
    deleted once the transaction committed, never before (a failed deletion keeps the rows and
    their files). A file that cannot be deleted stays, logged (:func:`discard`); so does every
    file when the block ran inside a longer transaction, not committed yet."""

    def __enter__(self) -> list[str]:
        self.names: list[str] = []
        return self.names

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None or not self.names:
            return
        if database.in_transaction():
            log.warning("%d uploaded files whose rows were deleted inside a longer transaction were kept; "
                        "`portal uploads orphans --delete` removes them once no row names them", len(self.names))
            return
        for stored_name in self.names:
            discard(stored_name)


def stored_file_models() -> list:
    """The tables of stored files: the models of ALL_MODELS built on StoredFile (a project's
    attachments, a contact's files …)."""
    return [model for model in ALL_MODELS if issubclass(model, StoredFile)]


def _cascades_to_files(model, path: frozenset) -> bool:
    """Deleting a row of ``model`` deletes rows of a stored-file table (itself, or through keys)."""
    return issubclass(model, StoredFile) or any(
        _cascades_to_files(child, path | {child}) for child, _key in cascading_keys(model) if child not in path)


def files_deleted_with(model, ids) -> list[str]:
    """The stored names of the files whose rows the database deletes with these rows of ``model``
    (ids: a list or a query of them): the rows of every stored-file table reached from them through
    ON DELETE CASCADE keys (an investor's contacts' files). Call it before deleting, inside the
    deletion's transaction. One query per stored-file table reached."""
    if isinstance(ids, (list, tuple, set)) and not ids:
        return []
    names: list[str] = []

    def walk(parent, rows, path):
        for child, key in cascading_keys(parent):
            if child in path or not _cascades_to_files(child, path | {child}):
                continue
            if issubclass(child, StoredFile):
                names.extend(name for (name,) in child.select(child.stored_name).where(key.in_(rows)).tuples())
            walk(child, child.select(child._meta.primary_key).where(key.in_(rows)), path | {child})

    walk(model, list(ids) if isinstance(ids, (set, tuple)) else ids, frozenset({model}))
    return names


#: The name :func:`save` gives a file: 32 hex digits and the extension of its kind.
STORED_NAME = re.compile(r"[0-9a-f]{32}(%s)" % "|".join(re.escape(e) for exts, _type in KINDS.values() for e in exts))


@dataclass(frozen=True)
class Orphan:
    """A file of the uploads folder that no row names."""

    name: str
    size: int
    modified: dt.datetime  # UTC


def orphans() -> list[Orphan]:
    """The files of the uploads folder that no row of a stored-file table names, oldest first.
    Only files named as the portal names them count (its subfolders, such as ``imports/``, and
    anything else put there are not its uploads). The folder is read before the rows, so a file
    saved meanwhile has its row read too once committed."""
    candidates = [path for path in uploads_dir().iterdir() if STORED_NAME.fullmatch(path.name) and path.is_file()]
    named: set[str] = set()
    for model in stored_file_models():
        named.update(name for (name,) in model.select(model.stored_name).tuples())
    found = []
    for path in candidates:
        if path.name in named:
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # deleted meanwhile
            continue
        found.append(Orphan(path.name, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc)))
    return sorted(found, key=lambda orphan: (orphan.modified, orphan.name))


def is_named(stored_name: str) -> bool:
    return any(model.select().where(model.stored_name == stored_name).exists() for model in stored_file_models())


def delete_orphans(min_age: dt.timedelta) -> tuple[list[Orphan], list[Orphan], list[Orphan]]:
    """Delete the orphans older than ``min_age`` (a younger one may be an upload whose row is not
    committed yet), each checked once more just before. Returns (deleted, kept: too young or named
    by a row since, failed to delete)."""
    deleted, kept, failed = [], [], []
    now = dt.datetime.now(dt.timezone.utc)
    for orphan in orphans():
        if now - orphan.modified < min_age or is_named(orphan.name):
            kept.append(orphan)
        elif discard(orphan.name):
            deleted.append(orphan)
        else:
            failed.append(orphan)
    return deleted, kept, failed


@dataclass(frozen=True)
class MissingFile:
    """A row of a stored-file table whose file is not in the uploads folder (a restore that
    brought back the database but not the folder, a file deleted by hand): its download is a 404."""

    table: str
    row_id: int
    stored_name: str
    original_name: str
    at: dt.datetime  # when it was uploaded (UTC)


def missing_files() -> list[MissingFile]:
    """The rows whose file is missing, oldest upload first. Reads the rows a table at a time and
    the folder once (a stat per row would be a round trip each on a network share)."""
    present = {path.name for path in uploads_dir().iterdir()}
    found = []
    for model in stored_file_models():
        rows = model.select(model.id, model.stored_name, model.original_name, model.at).tuples()
        found.extend(MissingFile(model._meta.table_name, row_id, name, original, at)
                     for row_id, name, original, at in rows.iterator() if name not in present)
    return sorted(found, key=lambda row: (row.at, row.table, row.row_id))


def send(stored_name: str, content_type: str, original_name: str):
    """The stored file as a download under its original name (Content-Disposition: attachment,
    RFC 5987 for non-ASCII names), never sniffed or shown inline; 404 when the file is missing."""
    path = path_of(stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=safe_original_name(original_name), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"  # personal papers: no shared or kept copies
    return response
