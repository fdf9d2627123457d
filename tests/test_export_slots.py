"""Eight exports at once held every thread of a process and the other pages queued behind them:
past ``EXPORTS_AT_ONCE`` workbooks being built in a process, another export is answered at once
with 503 and Retry-After, and the pages keep answering. Real concurrent requests to a served app."""
import http.client
import threading
import time

import pytest

from portal.projects import export
from tests.net_helpers import served_by_waitress

EXPORT = "/lists/signed?format=xlsx"


@pytest.fixture
def served(app):
    """The app under waitress (4 threads) on a free port of 127.0.0.1."""
    with served_by_waitress(app) as server:
        yield server.effective_port


def get(port, path, cookie=""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


@pytest.fixture
def slow_exports(monkeypatch):
    """Each workbook waits until ``release`` is set, as a large export keeps its thread busy."""
    release, building = threading.Event(), []
    write = export.write_workbook

    def slow_write(*args, **kwargs):
        building.append(1)
        release.wait(15)
        return write(*args, **kwargs)

    monkeypatch.setattr(export, "write_workbook", slow_write)
    yield release, building
    release.set()


def test_exports_past_the_limit_are_refused_at_once_and_pages_keep_answering(
        served, login, make_project, slow_exports, app):
    release, building = slow_exports
    make_project(name="电池工厂", unit="county_a", stage="signed")
    client = login("bureau")
    cookie = f"session={client.get_cookie('session').value}"
    assert app.config["EXPORTS_AT_ONCE"] == 2
    answers = []
    exporters = [threading.Thread(target=lambda: answers.append(get(served, EXPORT, cookie))) for _ in range(2)]
    for thread in exporters:
        thread.start()
    deadline = time.monotonic() + 10
    while len(building) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(building) == 2  # two workbooks being built, two of the four threads held

    started = time.monotonic()
    status, headers, body = get(served, EXPORT, cookie)  # a third export: refused at once, not queued
    assert status == 503 and headers["Retry-After"] == "5"
    assert "try again in a few seconds" in body.decode()
    assert time.monotonic() - started < 5
    assert get(served, "/login")[0] == 200  # other pages answer meanwhile
    assert get(served, "/lists/signed", cookie)[0] == 200

    release.set()
    for thread in exporters:
        thread.join(timeout=15)
    assert [a[0] for a in answers] == [200, 200]
    assert get(served, EXPORT, cookie)[0] == 200  # the slots are free again
