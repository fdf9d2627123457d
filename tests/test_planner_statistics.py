"""SQLite's planner statistics follow the database's size (portal.planner_statistics): a database that
grew a project at a time through the pages is analyzed once it is large enough, and again when it has
doubled or halved; `portal db upgrade` does the same."""
import pytest

from portal import planner_statistics
from portal.db import backend, database
from portal.models import Project
from tests.test_cli import instance, portal  # noqa: F401 - fixture


def recorded(app):
    with app.app_context():
        return planner_statistics.recorded_projects()


def next_day(app):
    app.extensions.pop("planner_statistics", None)


@pytest.fixture
def sqlite_only(app):
    with app.app_context():
        if backend() != "sqlite":
            pytest.skip("SQLite's statistics: PostgreSQL's autovacuum and MySQL keep their own")


def test_the_first_request_of_a_day_analyzes_a_database_that_grew(app, client, make_project, sqlite_only):
    app.config.update(PLANNER_STATISTICS_AUTO=True, PLANNER_STATISTICS_MIN_ROWS=4)
    for number in range(3):
        make_project(name=f"P{number}")
    assert client.get("/login").status_code == 200
    assert recorded(app) is None  # too few projects to need any

    make_project(name="P3")
    assert client.get("/login").status_code == 200
    assert recorded(app) is None  # once a day: today's check is done

    next_day(app)
    assert client.get("/login").status_code == 200
    assert recorded(app) == 4

    for number in range(4, 8):  # 8: twice as many, not more
        make_project(name=f"P{number}")
    next_day(app)
    client.get("/login")
    assert recorded(app) == 4

    make_project(name="P8")
    next_day(app)
    client.get("/login")
    assert recorded(app) == 9

    with app.app_context():
        Project.delete().where(Project.name.in_(["P0", "P1", "P2", "P3", "P4"])).execute()  # 4 left: under half
    next_day(app)
    client.get("/login")
    assert recorded(app) == 4


def test_a_failing_refresh_leaves_the_page_and_tries_again(app, client, make_project, sqlite_only, monkeypatch):
    import peewee

    app.config.update(PLANNER_STATISTICS_AUTO=True, PLANNER_STATISTICS_MIN_ROWS=1)
    make_project()

    def locked(*args, **kwargs):
        raise peewee.OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(planner_statistics, "refresh_if_stale", locked)
        assert client.get("/login").status_code == 200
    assert client.get("/login").status_code == 200  # not counted as done: the next request retries
    assert recorded(app) == 1


def test_db_upgrade_analyzes_a_large_database_without_statistics(instance):  # noqa: F811
    if not instance.startswith("sqlite"):
        pytest.skip("SQLite's statistics: PostgreSQL's autovacuum and MySQL keep their own")
    assert portal("demo", "--password", "demo-pass-2026").exit_code == 0
    result = portal("db", "upgrade")
    assert result.exit_code == 0 and "analyzed" not in result.output  # the demo's projects: fewer than needed
    assert portal("seed", "--projects", str(planner_statistics.MIN_ROWS)).exit_code == 0
    from portal import create_app

    app = create_app({"DATABASE_URL": instance})
    with app.app_context(), database.connection_context():
        database.execute_sql("DROP TABLE IF EXISTS sqlite_stat1")  # as a database grown through the pages
    result = portal("db", "upgrade")
    assert result.exit_code == 0 and "the database was analyzed" in result.output, result.output
    assert recorded(app) >= planner_statistics.MIN_ROWS
    assert "analyzed" not in portal("db", "upgrade").output  # once is enough
