"""On the wire: static files under versioned addresses cached for a year, compressed pages."""
import gzip
import os
import re

from flask import url_for

from portal import static_files


def test_static_addresses_carry_a_version_cached_for_a_year(app, client):
    html = client.get("/login").get_data(as_text=True)
    addresses = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert len(addresses) >= 3 and all(re.search(r"\?v=[0-9a-f]{12}$", a) for a in addresses), addresses
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", address
    plain = client.get(addresses[0].split("?")[0])
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    stale = client.get(addresses[0].split("?")[0] + "?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_address(app, client, tmp_path, monkeypatch):
    # The mtime is looked at once a second at most (tests/test_static_versions.py): here at every call.
    monkeypatch.setattr(static_files, "CHECK_SECONDS", 0.0)
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "portal.css").write_text("body { color: black }")
    app.static_folder = str(static)
    with app.test_request_context():
        first = url_for("static", filename="css/portal.css")
        (static / "css" / "portal.css").write_text("body { color: navy }")
        os.utime(static / "css" / "portal.css", (1, 1))  # a different modification time
        second = url_for("static", filename="css/portal.css")
    assert first != second


def test_pages_and_scripts_are_compressed_when_the_browser_accepts_it(app, org, login):
    bureau = login("bureau")
    page = bureau.get("/projects", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    assert b"<html" in gzip.decompress(page.data)
    assert "Accept-Encoding" in page.headers.get("Vary", "")
    html = bureau.get("/projects").get_data(as_text=True)
    htmx = re.search(r'src="(/static/vendor/htmx/htmx.min.js[^"]*)"', html).group(1)
    script = bureau.get(htmx, headers={"Accept-Encoding": "br, gzip"})
    assert script.headers.get("Content-Encoding") == "br"
    assert len(script.data) < 25_000  # 53.5 KB uncompressed
    assert bureau.get("/projects").headers.get("Content-Encoding") is None  # no Accept-Encoding: plain
