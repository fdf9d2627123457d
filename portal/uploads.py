"""Uploaded files (a project's attachments, a contact's): the type is checked by content (magic
bytes), files are stored under random names and sent back as downloads under their own names.

Accepted: PDF, PNG, JPEG, Office Open XML (docx, xlsx, pptx) and the older
Office formats (doc, xls). The extension must agree with the content, so a
download never reaches a browser with a misleading type.
"""
from __future__ import annotations

import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

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
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def safe_original_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip() or "file"
    name = "".join(c for c in name if c.isprintable() and c not in '"<>|:*?')
    return name[-200:] or "file"


def check(storage) -> tuple[str, str, int]:
    """Validate an uploaded file; returns (kind, original name, size) or raises UploadError."""
    original = safe_original_name(storage.filename)
    extension = os.path.splitext(original)[1].lower()
    stream = storage.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError(_l("The file %(name)s is empty.", name=original))
    if size > max_bytes():
        raise UploadError(_l("The file %(name)s is larger than %(mb)s MB.", name=original,
                             mb=current_app.config["MAX_UPLOAD_MB"]))
    kind = sniff(stream, extension)
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


def discard(stored_name: str) -> None:
    """Delete a stored file (its record is gone): a file already missing is no error."""
    try:
        path_of(stored_name).unlink()
    except FileNotFoundError:
        pass


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
