"""Pytest fixtures for the portal and its plugins, installed with the portal.

``pip install investment-portal`` registers this module as a pytest plugin (entry point
``pytest11``, name ``portal``), so a plugin's own repository has the fixtures the portal's
suite uses: ``app`` (the portal on a fresh, migrated database: a temporary SQLite file, or
PostgreSQL/MySQL when PORTAL_TEST_DATABASE_URL names one), ``client``, ``runner``, ``org``
(a small city with one user per role), ``login("bureau")`` (a logged-in client) and
``make_project(...)``. Override the ``portal_settings`` fixture to add settings, e.g.
``{"LOAD_PLUGINS": "my_county"}`` to load your installed plugin into ``app``.

pytest loads this module in every run in a virtualenv where the portal is installed:
importing it only defines fixtures (no database, no app, no setting is touched until a
test asks for a fixture). Fixtures of a project's own conftest.py take precedence; ``-p
no:portal`` switches the plugin off.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from decimal import Decimal

import peewee
import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from portal import create_app, schema
from portal.auth import passwords
from portal.db import close_pool, database, make_database
from portal.models import Project, Unit, User

PASSWORD = "Lantern-Harbour-2026"  # passes the password policy (12+ characters, not common)
TEST_DB_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


class Client(FlaskClient):
    """A test client that sends the CSRF token with every form it posts, as a browser would."""

    def csrf_token(self) -> str:
        page = self.get("/login" if not self._logged_in else "/account/password").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1) or match.group(2)

    _logged_in = False

    def post_form(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def htmx(self, method, url, data=None, headers=None, **kwargs):
        """An htmx request: HX-Request header and the CSRF token in X-CSRFToken, as htmx sends them."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf_token(), **(headers or {})}
        return self.open(url, method=method, data=data, headers=headers, **kwargs)

    def login(self, username, password=PASSWORD):
        response = self.post_form("/login", {"username": username, "password": password})
        self._logged_in = response.status_code == 303
        return response


# Databases ---------------------------------------------------------------

def server_database(url: str):
    """Create a fresh schema (PostgreSQL) or database (MySQL) for this run; yield its URL."""
    name = "t_" + uuid.uuid4().hex[:10]
    admin = make_database(url)
    admin.connect()
    if isinstance(admin, peewee.PostgresqlDatabase):
        admin.execute_sql(f"CREATE SCHEMA {name}")
        sep = "&" if "?" in url else "?"
        run_url, drop = f"{url}{sep}schema={name}", f"DROP SCHEMA {name} CASCADE"
    else:
        admin.execute_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        base, _, query = url.partition("?")
        if "ssl" not in query:
            # PyMySQL tries TLS by default and builds a context from the system's certificates for
            # every connection: about 60 ms a test (each app has its own pool). Tests talk to a
            # server the URL names; a URL that asks for TLS options keeps them.
            query = "&".join(part for part in (query, "ssl_disabled=1") if part)
        run_url = base.rsplit("/", 1)[0] + "/" + name + "?" + query
        drop = f"DROP DATABASE {name}"
    admin.close()
    return run_url, lambda: _drop(url, drop)


def _drop(url, statement):
    admin = make_database(url)
    admin.connect()
    admin.execute_sql(statement)
    admin.close()


def _migrate(url: str, instance) -> None:
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "x"})
    with app.app_context(), database.connection_context():
        schema.upgrade()
    close_pool()  # the template file is copied: its WAL must be folded back first


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """One migrated database per test run: a template SQLite file, or a server schema."""
    instance = tmp_path_factory.mktemp("template")
    if TEST_DB_URL:
        url, drop = server_database(TEST_DB_URL)
        _migrate(url, instance)
        yield url
        database.close() if not database.is_closed() else None
        drop()
    else:
        url = f"sqlite:///{instance / 'template.sqlite3'}"
        _migrate(url, instance)
        yield url


def _tables_with_rows(tables: list[str]) -> list[str]:
    """Which of ``tables`` hold rows, in one query: a statement per table costs about 0.2 ms even
    on an empty one, and a test leaves rows in few of the sixty."""
    if not tables:
        return []
    dual = "" if isinstance(database.obj, peewee.PostgresqlDatabase) else " FROM DUAL"  # MySQL: FROM before WHERE
    left, right = database.quote
    probe = " UNION ALL ".join(f"SELECT '{t}'{dual} WHERE EXISTS (SELECT 1 FROM {left}{t}{right})" for t in tables)
    return [row[0] for row in database.execute_sql(probe).fetchall()]


def _empty_server_tables():
    tables = [t for t in database.get_tables() if t != "schema_migration"]
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        # Empty the tables with rows, and restart every sequence that was used. A superuser
        # deletes with the foreign-key triggers off (any order; about 1 ms); TRUNCATE, for other
        # users, recreates each table's files (about 0.1 s a test, minutes of a suite).
        filled = _tables_with_rows(tables)
        if filled and database.execute_sql("SHOW is_superuser").fetchone()[0] == "on":
            database.execute_sql("SET session_replication_role = replica")
            try:
                for table in filled:
                    database.execute_sql(f'DELETE FROM "{table}"')
            finally:
                database.execute_sql("SET session_replication_role = DEFAULT")
        elif filled:
            database.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in filled) + " CASCADE")
        database.execute_sql(
            "SELECT setval(format('%%I.%%I', schemaname, sequencename)::regclass, 1, false) FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            " AND sequencename NOT LIKE 'schema_migration%%'")
    else:
        # TRUNCATE recreates each table (seconds per test on InnoDB): DELETE the tables with rows,
        # and restart their ids.
        filled = _tables_with_rows(tables)
        if filled:
            database.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in filled:
                database.execute_sql(f"DELETE FROM `{table}`")
                database.execute_sql(f"ALTER TABLE `{table}` AUTO_INCREMENT = 1")
            database.execute_sql("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture
def portal_settings() -> dict:
    """Settings added to the ``app`` fixture's; override it in a plugin's conftest.py."""
    return {}


@pytest.fixture
def app(migrated_database, tmp_path, portal_settings):
    """The portal on a fresh, migrated, empty database (strict plugins, CSRF on)."""
    if TEST_DB_URL:
        url = migrated_database
    else:
        shutil.copy(migrated_database.removeprefix("sqlite:///"), tmp_path / "portal.sqlite3")
        url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    app = create_app({
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "STRICT_PLUGINS": True,
        "DEFAULT_LOCALE": "en",
        **portal_settings,
    })
    app.test_client_class = Client
    app.jinja_env.bytecode_cache = _compiled_templates
    # No app context stays pushed: each request gets its own, as in production
    # (a shared one would carry ``g`` and the chosen language across requests).
    database.connect(reuse_if_open=True)
    if TEST_DB_URL:
        _empty_server_tables()
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Apps ------------------------------------------------------------------------

class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per run, not once per test's app (each app has its own Jinja
    environment and would compile every template it renders again: about 20 ms a test). Jinja
    checks each entry against the template's source; the key adds the environment's settings
    that change the compiled code."""

    def __init__(self):
        self.compiled: dict = {}

    @staticmethod
    def _key(bucket):
        env = bucket.environment
        return (bucket.key, tuple(sorted(env.extensions)), env.trim_blocks, env.lstrip_blocks,
                env.keep_trailing_newline, env.newline_sequence, env.optimized, env.is_async)

    def load_bytecode(self, bucket):
        code = self.compiled.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.compiled[self._key(bucket)] = bucket.bytecode_to_string()


_compiled_templates = _CompiledTemplates()


@pytest.fixture(scope="session", autouse=True)
def reused_url_builders():
    """The suite makes a fresh app for each test (about 1,500 a run), and werkzeug compiles two
    URL builders for each of the app's ~180 routes with Python's ``compile()``: about 0.1 s a
    test, most of a test's set-up. A builder depends only on the rule's text, domain, slash
    merging and defaults, so identical rules of later apps reuse the first app's builders.
    Without the private method (another werkzeug), every app compiles its own, as before."""
    from werkzeug.routing import Rule

    original = Rule.__dict__.get("_compile_builder")
    if original is None:
        yield
        return
    builders = {}

    def compile_builder(rule, append_unknown=True):
        key = (rule.rule, rule.subdomain, rule.host, rule.map.host_matching, rule.merge_slashes,
               repr(sorted((rule.defaults or {}).items())), append_unknown)
        if key not in builders:
            builders[key] = original(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = compile_builder
    yield
    Rule._compile_builder = original


# Organisation and users ------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """argon2id at its lowest cost for the whole run: at the portal's cost (argon2-cffi's
    defaults, about 0.1 s a hash on purpose) signing in would take much of a suite's time.
    Hashes stay argon2id, verified and checked for rehashing as in production."""
    previous = passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield previous  # the portal's own hasher
    passwords.use_hasher(previous)


@pytest.fixture(scope="session")
def password_hash(cheap_password_hashing):
    return passwords.hash_password(PASSWORD)  # hashed once per run


@dataclass
class Org:
    units: dict
    users: dict


@pytest.fixture
def org(app, password_hash) -> Org:
    """A small city: the bureau, two counties (one with a town), a department, a stationed
    team, and one user per role."""
    units = {}
    for key, name, kind, parent in [
        ("bureau", "Bureau", "bureau", None),
        ("county_a", "County A", "county", "bureau"),
        ("town_a", "Town A1", "town", "county_a"),
        ("county_b", "County B", "county", "bureau"),
        ("department", "Land Department", "department", "bureau"),
        ("team", "Shanghai Team", "team", "bureau"),
    ]:
        units[key] = Unit(name=name, kind=kind, parent=units.get(parent),
                          city="上海" if kind == "team" else "").save_with_path()
    users = {}
    for username, role, unit in [
        ("admin", "admin", "bureau"), ("bureau", "bureau", "bureau"), ("leader", "leader", "bureau"),
        ("unit_a", "unit", "county_a"), ("town_a", "unit", "town_a"), ("unit_b", "unit", "county_b"),
        ("department", "department", "department"), ("team", "unit", "team"),
    ]:
        users[username] = User.create(username=username, display_name=username.title(), role=role,
                                      unit=units[unit], password_hash=password_hash)
    return Org(units=units, users=users)


@pytest.fixture
def login(app, org):
    """``login("bureau")`` gives a client logged in as that user of the org fixture."""
    def _login(username: str) -> Client:
        c = app.test_client()
        response = c.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)
        return c

    return _login


# Records ----------------------------------------------------------------------

@pytest.fixture
def make_project(org):
    """``make_project(name=..., unit=org.units[...], stage=..., **fields)`` saves a project
    directly (no stage history); tests of features build on it."""
    def _make(name="Test project", unit="county_a", **fields):
        values = dict(name=name, responsible_unit=org.units[unit] if isinstance(unit, str) else unit,
                      total_investment=Decimal("10000"), clue_on=dt.date(2026, 1, 5),
                      created_by=org.users["bureau"])
        values.update(fields)
        return Project.create(**values)

    return _make
