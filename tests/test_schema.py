"""Schema versions: `portal db upgrade` brings an older database to the current schema without
losing data; a portal refuses to start on a newer database; /healthz reports both."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee
import pytest
from click.testing import CliRunner

from portal import create_app, schema
from portal.cli import cli
from portal.db import database
from tests.conftest import PASSWORD, TEST_DB_URL, Client, server_database

FIRST = "0001_foundation_and_projects"
NOW = dt.datetime(2026, 3, 1, 8, 0)


@pytest.fixture
def empty_database(tmp_path):
    """The URL of an empty database of its own (an SQLite file, or a fresh server schema)."""
    if TEST_DB_URL:
        url, drop = server_database(TEST_DB_URL)
        yield url
        if hasattr(database.obj, "close_all"):
            database.obj.close_all()
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"


def _app(url, instance, **extra):
    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "s",
                       "STRICT_PLUGINS": True, "DEFAULT_LOCALE": "en", **extra})


class _Table(peewee.Table):
    def add(self, **values) -> int:
        """Insert a row; its id (looked up, as PostgreSQL returns none for a plain Table insert)."""
        self.insert(**values).execute()
        return self.select(peewee.fn.MAX(self.id)).scalar()


def _table(name, *columns):
    return _Table(name, ("id", *columns)).bind(database.obj)


def _fill_version_1(password_hash):
    """Rows as a portal at schema version 1 wrote them (plain SQL: today's models may differ)."""
    unit = _table("unit", "name", "kind", "parent_id", "path", "city", "sort_order", "active", "created_at")
    bureau = unit.add(name="招商局", kind="bureau", path="", city="", sort_order=0, active=True, created_at=NOW)
    unit.update(path=f"/{bureau}/").where(unit.id == bureau).execute()
    county = unit.add(name="东湖区", kind="county", parent_id=bureau, path="", city="", sort_order=1,
                         active=True, created_at=NOW)
    unit.update(path=f"/{bureau}/{county}/").where(unit.id == county).execute()
    user = _table("user", "username", "display_name", "password_hash", "role", "unit_id", "active", "phone",
                  "session_version", "failed_logins", "created_at")
    admin = user.add(username="admin", display_name="管理员", password_hash=password_hash, role="admin",
                        unit_id=bureau, active=True, phone="", session_version=1, failed_logins=0,
                        created_at=NOW)
    user.add(username="donghu", display_name="赵东湖", password_hash=password_hash, role="unit", unit_id=county,
                active=True, phone="", session_version=1, failed_logins=0, created_at=NOW)
    project = _table("project", "name", "industry_code", "chain_link_code", "park", "source_channel",
                     "investment_method", "is_key", "is_confidential", "total_investment", "safety_assessment",
                     "environment_assessment", "responsible_unit_id", "responsible_person", "stage",
                     "stage_before_stall", "stage_reason", "clue_on", "flag", "review_recommendation", "archived",
                     "version", "created_by_id", "created_at", "updated_at")
    project.add(name="新能源电池项目", industry_code="", chain_link_code="", park="", source_channel="",
                   investment_method="", is_key=True, is_confidential=False, total_investment="150000.50",
                   safety_assessment="", environment_assessment="", responsible_unit_id=county,
                   responsible_person="赵东湖", stage="signed", stage_before_stall="", stage_reason="",
                   clue_on=dt.date(2026, 1, 5), flag="green", review_recommendation="", archived=False, version=1,
                   created_by_id=admin, created_at=NOW, updated_at=NOW)


def test_upgrade_from_version_1_keeps_every_row(empty_database, tmp_path, password_hash, monkeypatch):
    app = _app(empty_database, tmp_path)
    with app.app_context(), database.connection_context():
        schema._runner().up(target=FIRST)
        _fill_version_1(password_hash)
        before = schema.status()
    assert before.current == 1
    if before.expected == 1:
        pytest.skip("only migration 0001 exists so far: nothing to upgrade")

    # The old database: the portal reports a pending upgrade and refuses to serve.
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "degraded"
    assert health.get_json()["schema"] == {"current": 1, "expected": before.expected}

    monkeypatch.setenv("PORTAL_DATABASE_URL", empty_database)
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "s")
    runner = CliRunner()
    status = runner.invoke(cli, ["db", "status"])
    assert status.exit_code == 1 and "portal db upgrade" in status.output
    served = runner.invoke(cli, ["serve", "--port", "1"])
    assert served.exit_code != 0 and "portal db upgrade" in served.output

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"database schema version {before.expected}" in result.output
    assert "applied migration 0001" not in result.output  # applied once, never again
    again = runner.invoke(cli, ["db", "upgrade"])
    assert again.exit_code == 0 and "applied migration" not in again.output

    # The upgraded database: every row is still there, through today's models and pages.
    app = _app(empty_database, tmp_path)
    from portal.models import Project, Unit, User

    with app.app_context(), database.connection_context():
        assert schema.status().ok
        assert [u.name for u in Unit.select().order_by(Unit.id)] == ["招商局", "东湖区"]
        assert User.get(User.username == "donghu").unit.name == "东湖区"
        project = Project.get(Project.name == "新能源电池项目")
        assert project.total_investment == Decimal("150000.50")
        assert project.stage == "signed" and project.responsible_unit.name == "东湖区"
        # The name written before the search indexes existed is in them (migrations 0028, 0048 fill them).
        from portal.projects import masking

        for term in ("新能源电池", "电池", "池", "能"):
            assert [p.id for p in Project.select().where(masking.contains(Project.name, term))] == [project.id]
    app.test_client_class = Client
    client = app.test_client()
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert client.login("donghu", PASSWORD).status_code == 303


def test_portal_refuses_to_start_on_a_newer_database(app, tmp_path, monkeypatch):
    url = app.config["DATABASE_URL"]
    history = peewee.Table(schema.HISTORY_TABLE, ("id", "name", "applied")).bind(database.obj)
    history.insert(name="9999_from_a_newer_portal", applied=NOW).execute()
    try:
        with pytest.raises(schema.SchemaTooNewError) as error:
            _app(url, tmp_path)
        message = str(error.value)
        assert "newer" in message and "9999_from_a_newer_portal" in message
        assert "schema version 9999" in message

        # The command line says the same, without a traceback.
        monkeypatch.setenv("PORTAL_DATABASE_URL", url)
        monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path))
        for args in (["db", "upgrade"], ["serve"], ["users", "list"]):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 1, args
            assert "newer than this portal" in result.output and "Traceback" not in result.output
    finally:
        database.connect(reuse_if_open=True)
        history.delete().where(history.name == "9999_from_a_newer_portal").execute()


def test_healthz_reports_database_and_schema_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    expected = max(m.idx for m in schema.known_migrations())
    assert body == {"status": "ok", "database": "ok", "schema": {"current": expected, "expected": expected}}
    assert client.get("/healthz").status_code == 200  # no login needed, nothing personal


def test_every_migration_is_numbered_and_defines_up():
    migrations = schema.known_migrations()
    numbers = [m.idx for m in migrations]
    assert numbers == sorted(set(numbers)), "two migrations share a number"
    assert numbers[0] == 1
    for migration in migrations:
        assert callable(getattr(migration.load(), "up", None)), migration.name


def test_migrated_schema_matches_the_models(app):
    """Every model's table and column exists after all migrations (a forgotten add_column shows here)."""
    from portal.models import ALL_MODELS

    missing = []
    tables = set(database.get_tables())
    for model in ALL_MODELS:
        table = model._meta.table_name
        if table not in tables:
            missing.append(table)
            continue
        columns = {c.name for c in database.get_columns(table)}
        missing += [f"{table}.{f.column_name}" for f in model._meta.sorted_fields if f.column_name not in columns]
    assert not missing, f"in the models but not in the migrated database: {missing}"


def test_migration_0059_gives_sqlite_statistics_for_its_indexes(empty_database, tmp_path, password_hash):
    """Where the project table's indexes have statistics, SQLite takes a new index without any for the
    most selective and plans badly with it (the meeting's count of the week's signings read a unit's
    projects instead: 40 -> 440 ms at 100,000 projects): the migration analyzes the table."""
    if TEST_DB_URL:
        pytest.skip("SQLite's statistics (sqlite_stat1); PostgreSQL and MySQL keep theirs by column")
    app = _app(empty_database, tmp_path)
    with app.app_context(), database.connection_context():
        schema._runner().up(target=FIRST)
        _fill_version_1(password_hash)
        schema._runner().up(target="0058_bare_investors")
        database.execute_sql("ANALYZE")
        schema.upgrade()
        analyzed = {row[0] for row in database.execute_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'project'")}
    assert {"project_meeting_flagged", "project_meeting_missing", "project_signed_on"} <= analyzed
