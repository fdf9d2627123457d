"""The fixed cost of a request: a request borrows a pooled connection (the pragmas or the login are
paid once per connection, not once per request), /healthz does not read the migrations folder on
every call, and plugin answers are checked without resolving their annotations each time."""
from __future__ import annotations

import threading

import pytest

from portal import plugin_answers, plugins, schema
from portal.db import database
from tests.conftest import TEST_DB_URL


@pytest.mark.skipif(bool(TEST_DB_URL), reason="the SQLite pool; the servers' pools were pooled before")
def test_requests_reuse_one_pooled_connection(app, client):
    database.close()  # the fixture's own connection; from here on only requests connect
    connections = set()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert database.is_closed()  # given back at the end of the request
        pool = database.obj
        assert not pool._in_use
        connections |= {id(entry[-1]) for entry in pool._connections}
    assert len(connections) == 1
    # The pragmas hold on the reused connection.
    with database.connection_context():
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


@pytest.mark.skipif(bool(TEST_DB_URL), reason="the SQLite pool")
def test_a_pooled_connection_serves_a_request_in_another_thread(app, client):
    database.close()
    assert client.get("/healthz").get_json()["database"] == "ok"  # the pool now holds this thread's connection
    answers = []
    worker = threading.Thread(target=lambda: answers.append(client.get("/healthz").get_json()))
    worker.start()
    worker.join(30)
    assert answers == [client.get("/healthz").get_json()] and answers[0]["status"] == "ok"


def test_healthz_reads_the_migrations_folder_once_per_process(client):
    client.get("/healthz")
    before = schema._shipped.cache_info()
    for _ in range(3):
        assert client.get("/healthz").get_json()["status"] == "ok"
    after = schema._shipped.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 3


def test_menu_answers_are_checked_by_a_check_built_once(login):
    client = login("bureau")
    client.get("/")
    plugin_answers._hook_validator.cache_clear()
    client.get("/")
    first = plugin_answers._hook_validator.cache_info()
    client.get("/")
    second = plugin_answers._hook_validator.cache_info()
    assert second.misses == first.misses and second.hits > first.hits


def test_a_bad_menu_answer_is_still_refused(app):
    with pytest.raises(plugin_answers.BadReturnValue):
        plugin_answers.check_answer("portal_menu_items", [{"endpoint": "home.index"}])
    assert plugins.menu_items is not None
