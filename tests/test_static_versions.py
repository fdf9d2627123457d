"""Static addresses carry a hash of the file (``?v=``): a page builds several, so the file is
looked at once a second at most, not on every address of every request; a file changed in place
gets its new address within that second."""
import os

from portal import static_files


def test_a_file_is_looked_at_once_a_second_and_a_change_is_seen(tmp_path, monkeypatch):
    (tmp_path / "site.css").write_text("body{}", encoding="utf-8")
    clock, stats = [100.0], []
    getmtime = os.path.getmtime
    monkeypatch.setattr(static_files.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(static_files.os.path, "getmtime", lambda p: stats.append(p) or getmtime(p))

    first = static_files.file_version(str(tmp_path), "site.css")
    assert first and all(static_files.file_version(str(tmp_path), "site.css") == first for _ in range(20))
    assert len(stats) == 1  # twenty-one addresses built, one stat

    (tmp_path / "site.css").write_text("body{color:red}", encoding="utf-8")
    os.utime(tmp_path / "site.css", (1, 1))  # a different mtime whatever the clock's resolution
    clock[0] += 0.5
    assert static_files.file_version(str(tmp_path), "site.css") == first  # within the second
    clock[0] += 0.6
    second = static_files.file_version(str(tmp_path), "site.css")
    assert second and second != first
    assert static_files.file_version(str(tmp_path), "missing.css") is None


def test_pages_link_the_current_version(client, app, monkeypatch):
    html = client.get("/login").get_data(as_text=True)
    version = static_files.file_version(app.static_folder, "css/portal.css")
    assert f'href="/static/css/portal.css?v={version}"' in html
    # Addresses are built once per version and mount point: a new version or a prefix gets its own.
    monkeypatch.setattr(static_files, "file_version", lambda folder, name: "0123456789ab")
    assert 'href="/static/css/portal.css?v=0123456789ab"' in client.get("/login").get_data(as_text=True)
    mounted = client.get("/login", base_url="http://localhost/portal/").get_data(as_text=True)
    assert 'href="/portal/static/css/portal.css?v=0123456789ab"' in mounted
    assert 'src="/portal/static/vendor/htmx/htmx.min.js?v=0123456789ab"' in mounted
