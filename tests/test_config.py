"""Settings: the generated secret key, language and time-zone validation, database URLs,
SQLite's pragmas, and two processes writing one SQLite file at once."""
from __future__ import annotations

import multiprocessing
import os
import stat
from zoneinfo import ZoneInfo

import peewee
import pytest
from playhouse.pool import PooledMySQLDatabase, PooledPostgresqlDatabase

from portal import create_app
from portal.db import make_database

ENV = [name for name in os.environ if name.startswith("PORTAL_") and name != "PORTAL_TEST_DATABASE_URL"]


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An empty instance folder, with no PORTAL_* setting from the environment."""
    for name in ENV:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path))
    return tmp_path


def _app(instance, **config):
    return create_app({"DATABASE_URL": f"sqlite:///{instance / 'c.sqlite3'}", **config})


# Secret key ------------------------------------------------------------------------

def test_secret_key_is_generated_once_into_the_instance_folder(instance):
    first = _app(instance)
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 64 and first.secret_key == key_file.read_text().strip()
    # The next start (or a second process) uses the same key: sessions survive restarts.
    assert _app(instance).secret_key == first.secret_key


def test_secret_key_from_the_environment_wins_and_nothing_is_written(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "shared-by-every-machine")
    assert _app(instance).secret_key == "shared-by-every-machine"
    assert not (instance / "secret_key").exists()


def test_two_instances_get_different_keys(tmp_path, monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    a = create_app({"INSTANCE_PATH": str(tmp_path / "a")})
    b = create_app({"INSTANCE_PATH": str(tmp_path / "b")})
    assert a.secret_key != b.secret_key


# Settings sources ---------------------------------------------------------------------

def test_defaults(instance):
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'portal.sqlite3'}"
    assert app.config["DEFAULT_LOCALE"] == "zh_CN"
    assert app.config["TIMEZONE"] == "Asia/Shanghai" and app.config["TZ"] == ZoneInfo("Asia/Shanghai")
    assert app.config["UPLOADS_DIR"] == str(instance / "uploads")
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["STRICT_PLUGINS"] is False and app.config["VERIFY_STAGES"] is True


def test_instance_file_then_environment_then_overrides(instance, monkeypatch):
    (instance / "portal.cfg").write_text('DEFAULT_LOCALE = "en"\nTIMEZONE = "Asia/Urumqi"\nPAGE_SIZE = 20\n',
                                         encoding="utf-8")
    app = _app(instance)
    assert (app.config["DEFAULT_LOCALE"], app.config["TIMEZONE"], app.config["PAGE_SIZE"]) == ("en", "Asia/Urumqi", 20)
    monkeypatch.setenv("PORTAL_TIMEZONE", "Asia/Chongqing")
    monkeypatch.setenv("PORTAL_UPLOADS_DIR", str(instance / "shared-uploads"))
    app = _app(instance)
    assert app.config["TIMEZONE"] == "Asia/Chongqing"
    assert app.config["UPLOADS_DIR"] == str(instance / "shared-uploads")
    assert _app(instance, TIMEZONE="UTC").config["TIMEZONE"] == "UTC"


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("yes", True), ("on", True),
                                             ("0", False), ("false", False), ("no", False)])
def test_boolean_settings(instance, monkeypatch, value, expected):
    for name in ("PORTAL_HTTPS", "PORTAL_STRICT_PLUGINS", "PORTAL_VERIFY_STAGES"):
        monkeypatch.setenv(name, value)
    app = _app(instance)
    assert app.config["SESSION_COOKIE_SECURE"] is expected
    assert app.config["STRICT_PLUGINS"] is expected
    assert app.config["VERIFY_STAGES"] is expected


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_supported_locales(instance, monkeypatch, locale):
    monkeypatch.setenv("PORTAL_LOCALE", locale)
    assert _app(instance).config["DEFAULT_LOCALE"] == locale


@pytest.mark.parametrize("locale", ["fr", "zh", "zh_TW", "EN"])
def test_unsupported_locale_stops_the_portal_with_a_message(instance, monkeypatch, locale):
    monkeypatch.setenv("PORTAL_LOCALE", locale)
    with pytest.raises(RuntimeError, match=rf"PORTAL_LOCALE='{locale}' is not supported; use one of zh_CN, en"):
        _app(instance)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Asia/Beijing", "../etc/passwd", "+08:00"])
def test_unknown_time_zone_stops_the_portal_with_a_message(instance, monkeypatch, zone):
    monkeypatch.setenv("PORTAL_TIMEZONE", zone)
    with pytest.raises(RuntimeError, match="PORTAL_TIMEZONE=.* is not a known time zone"):
        _app(instance)


@pytest.mark.parametrize("value", ["four", "0", "-2"])
def test_a_bad_number_of_concurrent_password_checks_stops_the_portal_with_a_message(instance, monkeypatch, value):
    monkeypatch.setenv("PORTAL_LOGIN_MAX_CONCURRENT_HASHES", value)
    with pytest.raises(RuntimeError, match="PORTAL_LOGIN_MAX_CONCURRENT_HASHES=.* must be a whole number, at least 1"):
        _app(instance)


def test_unknown_setting_messages_reach_the_command_line(instance, monkeypatch):
    from click.testing import CliRunner

    from portal.cli import cli

    monkeypatch.setenv("PORTAL_TIMEZONE", "Mars/Olympus")
    result = CliRunner().invoke(cli, ["users", "list"])
    assert result.exit_code == 1
    assert "PORTAL_TIMEZONE='Mars/Olympus' is not a known time zone" in result.output
    assert "Traceback" not in result.output


# Database URLs ------------------------------------------------------------------------

def test_sqlite_relative_and_absolute_paths():
    relative = make_database("sqlite:///instance/portal.sqlite3")
    assert isinstance(relative, peewee.SqliteDatabase) and relative.database == "instance/portal.sqlite3"
    absolute = make_database("sqlite:////srv/portal/portal.sqlite3")
    assert absolute.database == "/srv/portal/portal.sqlite3"
    spaced = make_database("sqlite:////srv/my%20portal/p.db")
    assert spaced.database == "/srv/my portal/p.db"


def test_postgresql_url():
    db = make_database("postgresql://portal:p%40ss%3Aword@db.example:5433/zhaoshang?schema=county&max_connections=5")
    assert isinstance(db, PooledPostgresqlDatabase)
    assert db.database == "zhaoshang"
    params = db.connect_params
    assert params["host"] == "db.example" and params["port"] == 5433
    assert params["user"] == "portal" and params["password"] == "p@ss:word"
    assert params["options"] == "-c search_path=county"
    assert db._max_connections == 5
    assert isinstance(make_database("postgres://localhost/zhaoshang"), PooledPostgresqlDatabase)


def test_mysql_url():
    db = make_database("mysql://root@127.0.0.1:3306/zhaoshang")
    assert isinstance(db, PooledMySQLDatabase)
    assert db.database == "zhaoshang"
    assert db.connect_params["host"] == "127.0.0.1" and db.connect_params["port"] == 3306
    assert db.connect_params["user"] == "root" and "password" not in db.connect_params
    assert db.connect_params["charset"] == "utf8mb4"  # Chinese text, including rare characters
    assert isinstance(make_database("mariadb://u:p@host/db"), PooledMySQLDatabase)


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ValueError, match="Unsupported database URL scheme 'oracle'"):
        make_database("oracle://scott:tiger@host/orcl")


# SQLite under several processes ------------------------------------------------------------

def test_sqlite_pragmas_are_in_force(tmp_path):
    db = make_database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with db.connection_context():
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db._lock_type == "IMMEDIATE"  # writers queue up front instead of failing later


def test_foreign_keys_are_enforced_in_the_portal(app, org):
    from portal.models import User

    with pytest.raises(peewee.IntegrityError):
        User.create(username="ghost", display_name="Ghost", role="unit", unit=999999, password_hash="x")


WRITES = 60


def _writer(url: str, name: str, start, errors) -> None:
    """Read-then-write transactions, as the portal's views do (a deferred transaction would fail
    with "database is locked" here, whatever the busy timeout)."""
    db = make_database(url)
    db.connect()
    start.wait(timeout=30)
    try:
        for i in range(WRITES):
            with db.atomic():
                count = db.execute_sql("SELECT COUNT(*) FROM entry WHERE writer = ?", (name,)).fetchone()[0]
                db.execute_sql("INSERT INTO entry (writer, n) VALUES (?, ?)", (name, count + 1))
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(f"{name}: {type(exc).__name__}: {exc}")
    finally:
        db.close()


def test_two_processes_write_one_sqlite_file_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    db = make_database(url)
    with db.connection_context():
        db.execute_sql("CREATE TABLE entry (id INTEGER PRIMARY KEY, writer TEXT NOT NULL, n INTEGER NOT NULL)")
    ctx = multiprocessing.get_context("spawn")
    start, errors = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_writer, args=(url, name, start, errors)) for name in ("a", "b")]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=90)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
            pytest.fail("a writer did not finish within 90 s")
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems
    assert [w.exitcode for w in workers] == [0, 0]
    with db.connection_context():
        rows = db.execute_sql("SELECT writer, COUNT(*), MAX(n) FROM entry GROUP BY writer ORDER BY writer").fetchall()
    assert rows == [("a", WRITES, WRITES), ("b", WRITES, WRITES)]
