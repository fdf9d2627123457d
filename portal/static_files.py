"""Static files under versioned addresses, cached by browsers for a year, and compressed responses.

``url_for("static", filename=…)`` adds ``?v=<hash of the file>``: a new release changes the
address of every file it changed, so browsers may keep each address for a year without asking
again (three fewer round trips per page). A request without the current version (an old page,
a hand-typed address) is answered with ``no-cache`` as before.

Responses (pages, fragments, CSS, JavaScript, JSON) are compressed with Flask-Compress when the
browser accepts it: the pages are repetitive HTML that shrinks five- to tenfold.
"""
from __future__ import annotations

import hashlib
import os
import time

from flask import current_app, request, url_for
from flask_compress import Compress

ONE_YEAR = 365 * 24 * 3600

#: {path: (mtime, version)}; derived from the files alone, so every process computes the same.
_versions: dict[str, tuple[float, str]] = {}

#: {path: when its mtime was last looked at (time.monotonic())}. A page builds four static
#: addresses: a stat each per request was a fixed cost of every page; a file changed in place
#: (a deployment without restart) is seen within this many seconds.
CHECK_SECONDS = 1.0
_checked: dict[str, float] = {}


def file_version(static_folder: str, filename: str) -> str | None:
    """A short hash of the file's content (None for a missing file), recomputed when it changes;
    the file's mtime is looked at once a second at most."""
    path = os.path.join(static_folder, filename)
    known, now = _versions.get(path), time.monotonic()
    if known is not None and now - _checked.get(path, 0.0) < CHECK_SECONDS:
        return known[1]
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        _versions.pop(path, None)
        return None
    if known is None or known[0] != mtime:
        with open(path, "rb") as fh:
            known = (mtime, hashlib.sha256(fh.read()).hexdigest()[:12])
        _versions[path] = known
    _checked[path] = now
    return known[1]


#: {(script root, filename, version): address}. A page links four static files; building each address
#: through url_for and the router cost 9 µs, a thirtieth of the login page.
_addresses: dict[tuple, str] = {}
ADDRESSES_KEPT = 1000


def static_url(filename: str) -> str:
    """``url_for("static", filename=filename)`` with its version, built once per version (a template global)."""
    key = (request.script_root, filename, file_version(current_app.static_folder, filename))
    address = _addresses.get(key)
    if address is None:
        if len(_addresses) >= ADDRESSES_KEPT:  # many script roots or versions: start again
            _addresses.clear()
        address = _addresses[key] = url_for("static", filename=filename)
    return address


def init_app(app) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "text/javascript", "application/javascript",
                                                 "application/json", "image/svg+xml", "text/plain"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    Compress(app)
    app.jinja_env.globals["static_url"] = static_url

    @app.url_defaults
    def _versioned_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = file_version(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _static_caching(response):
        if request.endpoint == "static" and response.status_code == 200:
            filename = (request.view_args or {}).get("filename", "")
            current = file_version(app.static_folder, filename)
            if current and request.args.get("v") == current:
                response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response
