"""The `portal` command: init, demo, users …, --help; each run on an instance of its own."""
from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from portal import create_app, plugins
from portal.cli import cli
from portal.db import database
from portal.models import LoginThrottle, Project
from portal.models.fields import utcnow
from tests.conftest import TEST_DB_URL, Client, server_database


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """PORTAL_INSTANCE and PORTAL_DATABASE_URL pointing at a fresh instance and empty database."""
    drop = None
    if TEST_DB_URL:
        url, drop = server_database(TEST_DB_URL)
    else:
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_LOCALE", raising=False)
    yield url
    if drop:
        if hasattr(database.obj, "close_all"):
            database.obj.close_all()
        drop()


def portal(*args, input=None):
    """Run `portal ARGS…` like a user at a terminal; the result has .exit_code and .output."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def users_table() -> dict[str, tuple[str, str]]:
    """`portal users list` as {username: (role code, unit name)}, checking the line format."""
    result = portal("users", "list")
    assert result.exit_code == 0, result.output
    table = {}
    for line in result.output.splitlines():
        fields = line.split("\t")
        assert len(fields) in (3, 4), line  # username, role, unit [, inactive]
        table[fields[0]] = (fields[1], fields[2])
    return table


def can_log_in(url, username, password) -> bool:
    app = create_app({"DATABASE_URL": url, "DEFAULT_LOCALE": "en"})
    app.test_client_class = Client
    return app.test_client().login(username, password).status_code == 303


def test_help_explains_every_command():
    result = portal("--help")
    assert result.exit_code == 0
    for command in ("init", "demo", "serve", "db", "users"):
        assert re.search(rf"^\s+{command}\s+\S", result.output, re.M), f"{command} has no help line"
    users = portal("users", "--help").output
    for command in ("create", "list", "reset-password", "unlock"):
        assert re.search(rf"^\s+{command}\s+\S", users, re.M), command
    serve = portal("serve", "--help").output
    assert "127.0.0.1" in serve and "8000" in serve and "--threads" in serve
    assert "upgrade" in portal("db", "--help").output and "refresh-figures" in portal("db", "--help").output


#: Every command of `portal` with its sub-commands: the core's and, through
#: ``portal_register_commands``, the features' (snapshot, plugins, plugin, problems, export).
ALL_COMMANDS = {
    "db", "db prune", "db refresh-figures", "db status", "db upgrade", "demo", "export", "import",
    "import capital", "import investors", "import projects", "import targets", "import units", "import users", "init",
    "plugin",
    "notify", "plugin new", "plugins", "problems", "problems check-overdue", "seed", "serve", "snapshot",
    "uploads", "uploads missing", "uploads orphans", "users", "users create", "users list", "users reset-password",
    "users unlock",
}
FEATURE_COMMANDS = {"snapshot", "plugins", "plugin", "problems", "export"}  # and "import targets" (ranking)


def command_names(group, prefix="") -> set[str]:
    names = set()
    for name, command in group.commands.items():
        names.add(prefix + name)
        if isinstance(command, click.Group):
            names |= command_names(command, f"{prefix}{name} ")
    return names


def test_help_lists_every_command_the_features_included():
    assert command_names(cli) == ALL_COMMANDS
    listed = set(re.findall(r"^  (\S+)\s+\S", portal("--help").output.split("Commands:")[1], re.M))
    assert listed == {name for name in ALL_COMMANDS if " " not in name}


def test_features_add_their_commands_through_the_hook():
    group = click.Group("portal")
    plugins.register_commands(group)
    assert set(group.commands) == FEATURE_COMMANDS


def test_init_creates_the_database_and_the_first_administrator(instance):
    result = portal("init", "--password", "first-chief-pw")
    assert result.exit_code == 0, result.output
    assert "database schema version" in result.output
    assert "administrator 'admin' created" in result.output
    assert users_table() == {"admin": ("admin", "投资促进服务中心")}
    assert can_log_in(instance, "admin", "first-chief-pw")
    # A second run upgrades (nothing to do) and leaves the administrator alone.
    again = portal("init", "--password", "another-password")
    assert again.exit_code == 0 and "exists already" in again.output
    assert can_log_in(instance, "admin", "first-chief-pw")


def test_init_asks_for_the_password_and_refuses_a_short_one(instance):
    short = portal("init", "--password", "short")
    assert short.exit_code == 2 and "Use at least 12 characters." in short.output
    asked = portal("init", "--username", "chief", input="typed-password\ntyped-password\n")
    assert asked.exit_code == 0, asked.output
    assert users_table()["chief"][0] == "admin"


def test_demo_is_idempotent_and_its_password_works(instance):
    first = portal("demo", "--password", "demo-pass-2026")
    assert first.exit_code == 0, first.output
    assert "demo city ready" in first.output
    assert "password for every demo user" not in first.output
    users = users_table()
    assert users["admin"][0] == "admin"
    roles = {role for role, _ in users.values()}
    assert roles == {"admin", "bureau", "unit", "department", "leader"}
    units = {unit for _, unit in users.values()}
    assert {"驻上海招商组", "驻深圳招商组", "驻北京招商组"} <= units
    assert can_log_in(instance, "admin", "demo-pass-2026")

    # Again on the same instance, without --password: nothing duplicated, a new password printed,
    # and a demo user slowed down by failed logins gets in at once.
    from portal.models import LoginThrottle, User

    app = create_app({"DATABASE_URL": instance})
    with app.app_context(), database.connection_context():
        mayor = User.get(User.username == "mayor")
        LoginThrottle.insert_many([{"key": key, "failures": 15, "last_failed_at": dt.datetime.utcnow()}
                                   for key in (f"user:{mayor.id}", "pair:mayor|127.0.0.1")]).execute()
    second = portal("demo")
    assert second.exit_code == 0, second.output
    assert first.output.splitlines()[0] == second.output.splitlines()[0]  # same numbers of units and users
    match = re.search(r"password for every demo user: (\S+)", second.output)
    assert match, second.output
    assert users_table() == users
    assert can_log_in(instance, "mayor", match.group(1))
    assert not can_log_in(instance, "mayor", "demo-pass-2026")


def test_users_create_list_reset_password_and_unlock(instance):
    assert portal("init", "--password", "first-chief-pw").exit_code == 0
    created = portal("users", "create", "wang", "--role", "bureau", "--unit", "投资促进服务中心",
                     "--name", "王晓明", "--password", "yellow-river-pw")
    assert created.exit_code == 0, created.output
    assert users_table()["wang"] == ("bureau", "投资促进服务中心")
    result = portal("users", "list")
    assert "wang\tbureau\t投资促进服务中心\n" in result.output

    # Bad input: an unknown unit or role, a taken username, a short password.
    assert "no unit named" in portal("users", "create", "li", "--role", "unit", "--unit", "Nowhere",
                                     "--password", "li-password").output
    assert portal("users", "create", "li", "--role", "king", "--unit", "投资促进服务中心").exit_code == 2
    taken = portal("users", "create", "wang", "--role", "unit", "--unit", "投资促进服务中心", "--password", "xxxxxxxx")
    assert taken.exit_code == 1 and "exists already" in taken.output
    assert portal("users", "reset-password", "nobody", "--password", "whatever-pw").exit_code == 2

    # A slowed-down, deactivated account: reset-password sets the password, lifts the slow-down
    # and reactivates it.
    from portal.models import LoginThrottle, User

    app = create_app({"DATABASE_URL": instance})
    with app.app_context(), database.connection_context():
        User.update(active=False).where(User.username == "wang").execute()
        wang = User.get(User.username == "wang")
        version = wang.session_version
        LoginThrottle.insert_many([{"key": key, "failures": 15, "last_failed_at": dt.datetime.utcnow()}
                                   for key in (f"user:{wang.id}", "pair:wang|127.0.0.1")]).execute()
    reset = portal("users", "reset-password", "wang", input="blue-river-stone\nblue-river-stone\n")
    assert reset.exit_code == 0, reset.output
    with app.app_context(), database.connection_context():
        user = User.get(User.username == "wang")
        assert user.active and not LoginThrottle.select().where(
            LoginThrottle.key.in_([f"user:{user.id}", "pair:wang|127.0.0.1"])).exists()
        assert user.session_version == version + 1  # old sessions end
    assert can_log_in(instance, "wang", "blue-river-stone")

    # unlock lifts the slow-down of the account and its (username, address) pairs, not the password.
    with app.app_context(), database.connection_context():
        user_id = User.get(User.username == "wang").id
        LoginThrottle.insert_many([{"key": key, "failures": 15, "last_failed_at": dt.datetime.utcnow()}
                                   for key in (f"user:{user_id}", "pair:wang|127.0.0.1")]).execute()
    assert not can_log_in(instance, "wang", "blue-river-stone")
    unlocked = portal("users", "unlock", "wang")
    assert unlocked.exit_code == 0 and "unlocked" in unlocked.output
    assert can_log_in(instance, "wang", "blue-river-stone")


def test_users_list_marks_deactivated_users(instance):
    assert portal("init", "--password", "first-chief-pw").exit_code == 0
    from portal.models import User

    app = create_app({"DATABASE_URL": instance})
    with app.app_context(), database.connection_context():
        User.update(active=False).where(User.username == "admin").execute()
    assert portal("users", "list").output == "admin\tadmin\t投资促进服务中心\tinactive\n"


def test_db_refresh_figures_repairs_stage_changes_written_outside_the_portal(instance):
    """A bulk import in SQL bypasses the portal, so the counted dates the figures read stay empty
    until `portal db refresh-figures`."""
    assert portal("init", "--password", "first-chief-pw").exit_code == 0
    app = create_app()
    with app.app_context(), database.connection_context():
        from portal.models import Project, StageChange, Unit, User

        admin = User.get(User.username == "admin")
        project = Project.create(name="Imported", responsible_unit=Unit.get(), created_by=admin, stage="signed",
                                 signed_on=dt.date(2026, 3, 2))
        StageChange.insert_many([{"project": project.id, "from_stage": "", "to_stage": "signed",
                                  "on_date": dt.date(2026, 3, 2), "by": admin.id, "verification": "approved",
                                  "at": dt.datetime(2026, 3, 2, 9)}]).execute()
        assert Project.get_by_id(project.id).counted_signed_on is None
    result = portal("db", "refresh-figures")
    assert result.exit_code == 0 and "recomputed for 1 projects" in result.output
    with app.app_context(), database.connection_context():
        assert Project.get_by_id(project.id).counted_signed_on == dt.date(2026, 3, 2)


def test_db_prune_deletes_forgotten_throttle_rows_and_says_what_it_did(instance):
    assert portal("db", "upgrade").exit_code == 0
    app = create_app({"DATABASE_URL": instance})
    with app.app_context(), database.connection_context():
        LoginThrottle.create(key="addr:203.0.113.9", failures=3, last_failed_at=utcnow() - dt.timedelta(days=3))
    result = portal("db", "prune", "--keep-days", "30")
    assert result.exit_code == 0, result.output
    assert "throttle rows deleted: 1" in result.output
    with app.app_context(), database.connection_context():
        assert LoginThrottle.select().count() == 0


def test_demo_on_a_fresh_instance_logs_no_error(instance, caplog):
    """A fresh instance has no tables yet when the app starts: reading the disabled plugins
    must not fail (it logged "plugin states not read (OperationalError)")."""
    with caplog.at_level(logging.INFO):
        result = portal("demo", "--password", "demo-pass-2026")
    assert result.exit_code == 0, result.output
    portal_lines = [r.getMessage() for r in caplog.records if r.name.startswith("portal")]
    assert not [line for line in portal_lines if "not read" in line or "Error" in line], portal_lines


def _upgraded(url):
    assert portal("db", "upgrade").exit_code == 0
    return create_app({"DATABASE_URL": url})


def _city_and_user():
    from portal.models import Unit, User

    unit = Unit(name="City", kind="bureau").save_with_path()
    return unit, User.create(username="u", display_name="U", role="bureau", unit=unit, password_hash="x")


def test_db_upgrade_counts_the_projects_again_when_the_tally_differs_from_them(instance):
    """A restore with its triggers switched off, or rows changed by hand, leaves the dashboard's
    counts by stage wrong: `portal db upgrade` finds it and counts again; a right tally is left alone."""
    from portal.figures import tally
    from portal.figures.scope import Scope
    from portal.models import ProjectTally

    app = _upgraded(instance)
    with app.app_context(), database.connection_context():
        if not tally.available():
            pytest.skip("MySQL keeps no tally")
        unit, user = _city_and_user()
        for stage in ("signed", "signed", "started"):
            Project.create(name=stage, responsible_unit=unit, stage=stage, total_investment=12.5, created_by=user)
        right = tally.counts(Scope(), ProjectTally.stage)
        ProjectTally.update(projects=ProjectTally.projects + 5).where(ProjectTally.stage == "signed").execute()
        assert tally.counts(Scope(), ProjectTally.stage) != right
    result = portal("db", "upgrade")
    assert result.exit_code == 0 and "counted again" in result.output, result.output
    with app.app_context(), database.connection_context():
        assert tally.counts(Scope(), ProjectTally.stage) == right == {
            "signed": (2, Decimal("25.00")), "started": (1, Decimal("12.50"))}
    again = portal("db", "upgrade")
    assert again.exit_code == 0 and "counted again" not in again.output


def test_db_upgrade_copies_a_projects_columns_to_its_capital_entries_again_when_they_differ(instance):
    """The capital entries' copies of their project's unit (what the capital per unit reads): a
    copy gone wrong is found and put right by `portal db upgrade`; right copies are left alone."""
    from portal.db import backend
    from portal.figures import capital
    from portal.models import CapitalEntry

    app = _upgraded(instance)
    with app.app_context(), database.connection_context():
        if not capital.kept():
            pytest.skip("MySQL keeps no copies")
        unit, user = _city_and_user()
        project = Project.create(name="P", responsible_unit=unit, stage="signed", created_by=user)
        CapitalEntry.create(project=project, on_date=dt.date(2026, 3, 2), amount=5, by=user)
        postgresql = backend() == "postgresql"
        if postgresql:  # its trigger copies again on every update: off, as during a restore
            database.execute_sql("ALTER TABLE capital_entry DISABLE TRIGGER capital_entry_copies")
        CapitalEntry.update(project_responsible_unit_id=None, project_archived=True).execute()
        if postgresql:
            database.execute_sql("ALTER TABLE capital_entry ENABLE TRIGGER capital_entry_copies")
        assert CapitalEntry.get().project_archived is True
    result = portal("db", "upgrade")
    assert result.exit_code == 0 and "copied again" in result.output, result.output
    with app.app_context(), database.connection_context():
        entry = CapitalEntry.get()
        assert (entry.project_responsible_unit_id, entry.project_archived) == (unit.id, False)
    again = portal("db", "upgrade")
    assert again.exit_code == 0 and "copied again" not in again.output


def test_db_upgrade_lists_the_bare_investors_again_when_the_list_differs(instance):
    """The investors with no project and no contact, which every user may open: a list gone wrong
    (a restore with its triggers off) is found and written again by `portal db upgrade`."""
    from portal.models import BareInvestor, Enterprise
    from portal.sourcing import bare_investors

    app = _upgraded(instance)
    with app.app_context(), database.connection_context():
        if not bare_investors.kept():
            pytest.skip("MySQL keeps no list of bare investors")
        bare = Enterprise.create(name="Bare Co")
        BareInvestor.delete().execute()
    result = portal("db", "upgrade")
    assert result.exit_code == 0 and "listed again" in result.output, result.output
    with app.app_context(), database.connection_context():
        assert [row.enterprise_id for row in BareInvestor.select()] == [bare.id]
    again = portal("db", "upgrade")
    assert again.exit_code == 0 and "listed again" not in again.output
