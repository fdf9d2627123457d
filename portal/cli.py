"""The `portal` command: init, demo, serve, db upgrade, users, uploads …"""
from __future__ import annotations

import secrets
import sys

import click
from flask_babel import force_locale

from portal import plugins, rule_plugins
from portal.auth import events, housekeeping, sessions, throttle
from portal.auth.passwords import hash_password, password_problem
from portal.db import close_pool, database
from portal.models import ROLES


def _app():
    from portal.app import create_app

    try:
        return create_app()
    except RuntimeError as exc:  # a clear message, not a traceback (e.g. a newer database)
        raise click.ClickException(str(exc))


class AppContext:
    """Run a command inside an app context with an open database connection."""

    def __enter__(self):
        self.app = _app()
        self.ctx = self.app.app_context()
        self.ctx.push()
        database.connect(reuse_if_open=True)
        return self.app

    def __exit__(self, *exc):
        close_pool()  # a command leaves the SQLite file whole, its WAL folded back
        self.ctx.pop()


def _upgrade(echo=True):
    from portal import schema

    applied = schema.upgrade()
    if echo:
        for name in applied:
            click.echo(f"applied migration {name}")
    say = click.echo if echo else (lambda line: None)
    plugins.call("portal_database_upgraded", echo=say)  # features' data
    rule_plugins.recompute_if_changed(echo=say)  # a plugin enabled or removed since the last start
    from portal.figures import capital, tally

    if tally.repair_if_wrong():
        say("the projects counted by stage and flag differed from the projects: counted again")
    if capital.repair_if_wrong():
        say("capital entries' copies of their projects' unit, team, industry or archiving differed: copied again")
    from portal import planner_statistics

    if planner_statistics.refresh_if_stale():
        say("SQLite's planner statistics were missing or taken at another size: the database was analyzed")
    if echo:
        st = schema.status()
        click.echo(f"database schema version {st.current}")


def _find_unit(name_or_id: str):
    from portal.models import Unit

    unit = Unit.get_or_none(Unit.name == name_or_id)
    if unit is None and name_or_id.isdigit():
        unit = Unit.get_or_none(Unit.id == int(name_or_id))
    if unit is None:
        raise click.BadParameter(f"no unit named {name_or_id!r}", param_hint="--unit")
    return unit


def _find_user(username: str):
    from portal.models import User

    user = User.get_or_none(User.username == username)
    if user is None:
        raise click.BadParameter(f"no user named {username!r}", param_hint="USERNAME")
    return user


def _check_password(password: str, username: str = "") -> str:
    """The portal's password policy (portal/auth/passwords.py); needs the app context."""
    with force_locale("en"):  # the command line speaks English
        problem = password_problem(password, username)
        if problem:
            raise click.BadParameter(str(problem), param_hint="--password")
    return password


@click.group(help="Investment promotion portal (招商引资). Settings come from PORTAL_* "
                  "environment variables; see README.md.")
@click.version_option(package_name="investment-portal")
def cli():
    pass


@cli.command(help="Create or upgrade the database and create the first administrator.")
@click.option("--username", default="admin", show_default=True)
@click.option("--password", help="The administrator's password (asked for when omitted).")
@click.option("--unit-name", default="投资促进服务中心", show_default=True, help="Name of the bureau unit.")
def init(username, password, unit_name):
    from portal.models import Unit, User

    with AppContext():
        _upgrade()
        if User.select().where(User.role == "admin").exists():
            click.echo("an administrator exists already; nothing else to do")
            return
        if not password:
            password = click.prompt("Password for the administrator", hide_input=True, confirmation_prompt=True)
        _check_password(password, username)
        with database.atomic():
            bureau = Unit.get_or_none(Unit.kind == "bureau", Unit.parent.is_null())
            if bureau is None:
                bureau = Unit(name=unit_name, kind="bureau").save_with_path()
            User.create(username=username, display_name=username, role="admin", unit=bureau,
                        password_hash=hash_password(password))
        click.echo(f"administrator {username!r} created")


@cli.command(help="Fill the instance with a demo city (idempotent).")
@click.option("--password", help="Password for every demo user; generated and printed when omitted.")
def demo(password):
    from portal.demo import DEMO_USERS, build_demo
    from portal.timeutil import today

    generated = not password
    password = password or secrets.token_urlsafe(12)
    with AppContext():
        _check_password(password)
        _upgrade(echo=False)
        context = build_demo(password, today())
    click.echo(f"demo city ready: {len(context.units)} units, {len(DEMO_USERS)} users")
    for key, count in sorted(context.created.items()):
        click.echo(f"  {key}: {count}")
    click.echo("users: " + ", ".join(u[0] for u in DEMO_USERS))
    if generated:
        click.echo(f"password for every demo user: {password}")


@cli.command(help="Serve the portal with waitress (production WSGI server, also on Windows); on Linux "
                  "in several processes that share the port, restarted when one dies.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="threads per process")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="processes (default: the number of cores on Linux and macOS, 1 on Windows)")
def serve(host, port, threads, workers):
    from portal import schema, server

    app = _app()
    with app.app_context(), database.connection_context():
        st = schema.status()
    if st.needs_upgrade:
        raise click.ClickException(
            f"the database schema is version {st.current}, this portal needs {st.expected}: "
            "run `portal db upgrade` first")
    with app.app_context(), database.connection_context():
        rule_plugins.recompute_if_changed(echo=click.echo)  # a plugin enabled or removed since the last start
    workers = workers or server.default_workers()
    click.echo(f"serving on http://{host}:{port}/ with {workers} process(es) of {threads} threads (Ctrl+C stops)")
    # Each worker process builds its own app after the fork: no connection crosses processes.
    server.run(_app if workers > 1 else (lambda: app), host=host, port=port, threads=threads, workers=workers,
               **waitress_proxy_settings(app.config))


def waitress_proxy_settings(config) -> dict:
    """Waitress's own trusted-proxy settings from PORTAL_PROXIES / PORTAL_PROXY_ADDRESS.

    Waitress removes every X-Forwarded-* header it was not told to trust before the
    application sees it, so the app's ProxyFix alone never learns that a request came over
    HTTPS: waitress must apply the headers itself (scheme, client address, host).
    """
    proxies = int(config["PROXIES"] or 0)
    if proxies <= 0:
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": config["PROXY_ADDRESS"],
        "trusted_proxy_count": proxies,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
        "clear_untrusted_proxy_headers": True,
    }


@cli.group(help="Database schema.")
def db():
    pass


@db.command("upgrade", help="Bring the database to the current schema without losing data.")
def db_upgrade():
    with AppContext():
        _upgrade()


@db.command("status", help="Print the schema version of the database and of this portal.")
def db_status():
    from portal import schema

    with AppContext():
        st = schema.status()
    click.echo(f"database: {st.current}\nportal: {st.expected}")
    if st.needs_upgrade:
        click.echo("run `portal db upgrade`")
        sys.exit(1)


@db.command("refresh-figures", help="Recompute every project's counted milestone dates from its stage history "
                                    "(after stage changes were written outside the portal, e.g. imported in SQL).")
def db_refresh_figures():
    from portal.models import Project
    from portal.stages import refresh_counted

    with AppContext():
        with database.atomic():
            refresh_counted()
        count = Project.select().count()
    click.echo(f"counted milestone dates recomputed for {count} projects")


@db.command("prune", help="Delete old sign-in rows: end sessions that ran out, delete sessions ended more "
                          "than --keep-days ago and forgotten login-throttle counters (the sign-in log is kept). "
                          "The portal also does this once a day; run it from cron when it sits idle.")
@click.option("--keep-days", type=click.IntRange(min=1), default=90, show_default=True)
def db_prune(keep_days):
    with AppContext():
        counts = housekeeping.prune(keep_days=keep_days)
    click.echo(f"sessions ended: {counts['sessions_ended']}, sessions deleted: {counts['sessions_deleted']}, "
               f"throttle rows deleted: {counts['throttle_rows_deleted']}")


@cli.group(help="Manage users (so a locked-out administrator is never stuck).")
def users():
    pass


@users.command("create", help="Create a user.")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--unit", "unit_name", required=True, help="Unit name (or id).")
@click.option("--name", "display_name", help="Display name (default: the username).")
@click.option("--password", help="Asked for when omitted.")
def users_create(username, role, unit_name, display_name, password):
    from portal.models import User

    with AppContext():
        unit = _find_unit(unit_name)
        if User.select().where(User.username == username).exists():
            raise click.ClickException(f"user {username!r} exists already")
        if not password:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        _check_password(password, username)
        User.create(username=username, display_name=display_name or username, role=role, unit=unit,
                    password_hash=hash_password(password))
    click.echo(f"user {username!r} created")


@users.command("list", help="One line per user: username, role code, unit name (tab-separated).")
def users_list():
    from portal.models import Unit, User

    with AppContext():
        rows = list(User.select(User, Unit).join(Unit).order_by(User.username))
        for user in rows:
            suffix = "" if user.active else "\tinactive"
            click.echo(f"{user.username}\t{user.role}\t{user.unit.name}{suffix}")


@users.command("reset-password", help="Set a new password; also unlocks the account and ends its sessions.")
@click.argument("username")
@click.option("--password", help="Asked for when omitted.")
def users_reset_password(username, password):
    from portal.models import User

    with AppContext():
        user = _find_user(username)
        if not password:
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        _check_password(password, username)
        User.update(password_hash=hash_password(password), session_version=User.session_version + 1,
                    active=True).where(User.id == user.id).execute()
        throttle.unlock(user)
        events.record(events.PASSWORD_CHANGED, user, detail="command line")
        sessions.end_all(user, "password")
    click.echo(f"password of {username!r} reset")


@users.command("unlock", help="Lift the slow-down after repeated failed logins.")
@click.argument("username")
def users_unlock(username):
    with AppContext():
        throttle.unlock(_find_user(username))
    click.echo(f"{username!r} unlocked")


@cli.group("uploads", help="Uploaded files (the uploads folder).")
def uploads_group():
    pass


@uploads_group.command("orphans", help="List the files of the uploads folder that no project attachment or "
                                       "contact file names (left when deleting a file failed after its row was "
                                       "deleted): name, size in bytes, last modified (UTC). --delete deletes those "
                                       "older than --min-age minutes (a younger one may be an upload still being "
                                       "saved).")
@click.option("--delete", is_flag=True, help="Delete them.")
@click.option("--min-age", type=click.IntRange(min=0), default=60, show_default=True,
              help="Minutes since a file was written before --delete deletes it.")
def uploads_orphans(delete, min_age):
    import datetime as dt

    from portal import uploads

    with AppContext():
        found = uploads.orphans()
        for orphan in found:
            click.echo(f"{orphan.name}\t{orphan.size}\t{orphan.modified:%Y-%m-%d %H:%M:%S}")
        click.echo(f"{len(found)} orphan files, {sum(o.size for o in found)} bytes", err=True)
        if delete:
            deleted, kept, failed = uploads.delete_orphans(dt.timedelta(minutes=min_age))
            click.echo(f"deleted: {len(deleted)}, kept (younger than {min_age} minutes): {len(kept)}, "
                       f"could not be deleted: {len(failed)}", err=True)
            if failed:
                raise click.ClickException("some files could not be deleted (see the log)")


@uploads_group.command("missing", help="List the project attachments and contact files whose file is not in the "
                                        "uploads folder (their download answers 404): table, row id, stored name, "
                                        "original name, uploaded (UTC). Exits with an error when there are any.")
def uploads_missing():
    from portal import uploads

    with AppContext():
        found = uploads.missing_files()
    for row in found:
        click.echo(f"{row.table}\t{row.row_id}\t{row.stored_name}\t{row.original_name}\t{row.at:%Y-%m-%d %H:%M:%S}")
    click.echo(f"{len(found)} rows name a missing file", err=True)
    if found:
        raise click.ClickException("restore these files from a backup of the uploads folder, or remove the "
                                   "attachments on their pages")


from portal.projects.seed import seed_command  # noqa: E402

cli.add_command(seed_command)


from portal.notifications.cli import notify_command  # noqa: E402  (core: notifications)

cli.add_command(notify_command)


from portal.projects.importing.cli import import_command  # noqa: E402

cli.add_command(import_command)

# Each feature's commands (snapshot, problems, plugins, plugin, export …), from its plugin.py.
plugins.register_commands(cli)


def main():
    cli(prog_name="portal")


if __name__ == "__main__":
    main()
