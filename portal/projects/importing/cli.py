"""`portal import projects|units|users|investors|capital|targets FILE [--dry-run]`: the same checks and
batches as the import pages."""
from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale

from portal import permissions
from portal.projects.importing import batches, planning
from portal.projects.importing.views import KINDS
from portal.projects.importing.sheets import SheetError


@click.group("import", help="Import records from a sheet (.xlsx, or .csv in UTF-8 or GBK).")
def import_command():
    pass


def _echo_preview(result: planning.Preview) -> None:
    click.echo(f"rows to create: {result.created}, to update: {result.updated}, "
               f"skipped (unchanged or totals): {result.skipped}, with problems: {result.error_rows}")
    for field in result.layout.missing_required():
        click.echo(f"missing column: {field.label}", err=True)
    for problem in result.problems:
        where = f"row {problem.row}" + (f", column {problem.column}" if problem.column else "")
        click.echo(f"{where}: {problem.message}", err=True)
    if result.problem_count > len(result.problems):
        click.echo(f"… and {result.problem_count - len(result.problems)} more problems", err=True)


@import_command.command("projects", help="Import projects; --dry-run checks the sheet and saves nothing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count only; nothing is saved.")
@click.option("--user", "username", default="admin", show_default=True,
              help="The bureau or admin user the import is recorded under.")
def import_projects(file: Path, dry_run: bool, username: str):
    from portal.cli import AppContext, _find_user  # portal.cli adds this command: imported here to break the cycle

    # One request context for the whole command, as for an import confirmed on the page: the
    # values the plugins read per request (settings, rules) are read once, not once per project.
    with AppContext() as app, app.test_request_context("/projects/import"), \
            force_locale(app.config["DEFAULT_LOCALE"]):
        user = _find_user(username)
        if not permissions.can_import_projects(user):
            raise click.ClickException(f"{username!r} may not import projects (bureau or admin only)")
        try:
            if dry_run:
                result = planning.preview(file, file.name)
                _echo_preview(result)
                if not result.ok:
                    raise click.ClickException("the sheet has problems; nothing would be imported")
                click.echo("dry run: nothing saved")
                return
            with file.open("rb") as stream:
                batch = batches.start(stream, file.name, user)
            try:
                batch = batches.apply(batch, user)
            except batches.ImportRefused as exc:
                batches.discard(batch)
                if exc.preview is not None:
                    _echo_preview(exc.preview)
                raise click.ClickException(str(exc.message))
        except SheetError as exc:
            raise click.ClickException(str(exc.message if hasattr(exc, "message") else exc))
    click.echo(f"import #{batch.id}: {batch.created_count} created, {batch.updated_count} updated, "
               f"{batch.skipped_count} skipped")


def _import_list(kind, file: Path, dry_run: bool, username: str) -> None:
    from portal.cli import AppContext, _find_user  # portal.cli adds this command: imported here to break the cycle

    key = kind.key
    with AppContext() as app, app.test_request_context("/"), force_locale(app.config["DEFAULT_LOCALE"]):
        user = _find_user(username)
        if not kind.may_import(user):
            raise click.ClickException(f"{username!r} may not import {key}")
        try:
            if dry_run:
                result, _plans = kind.check_file(file, file.name, user)
                _echo_preview(result)
                if not result.ok:
                    raise click.ClickException("the sheet has problems; nothing would be imported")
                click.echo("dry run: nothing saved")
                return
            with file.open("rb") as stream:
                batch = batches.start(stream, file.name, user, key)
            try:
                batch, shown_once = kind.apply(batch, user)
            except batches.ImportRefused as exc:
                batches.discard(batch)
                if exc.preview is not None:
                    _echo_preview(exc.preview)
                raise click.ClickException(str(exc.message))
        except SheetError as exc:
            raise click.ClickException(str(exc))
    click.echo(f"import #{batch.id}: {batch.created_count} created, {batch.updated_count} updated, "
               f"{batch.skipped_count} skipped")
    if shown_once:
        click.echo("first passwords of the new users (shown this once, not stored):")
        for login, name, password in shown_once:
            click.echo(f"  {login}\t{name}\t{password}")


def add_list_command(kind, help_text: str, default_user: str):
    """``portal import <kind.key> FILE [--dry-run] [--user …]`` for a list kind (see ``views.KINDS``)."""
    @import_command.command(kind.key, help=help_text + " --dry-run checks the sheet and saves nothing.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check and count only; nothing is saved.")
    @click.option("--user", "username", default=default_user, show_default=True,
                  help="The user the import is recorded under (who may import this list).")
    def command(file: Path, dry_run: bool, username: str):
        _import_list(kind, file, dry_run, username)

    return command


add_list_command(KINDS["units"][0], "Import the unit tree (each unit under its parent, by name).", "admin")
add_list_command(KINDS["users"][0], "Import users; new users get a first password, printed once.", "admin")
add_list_command(KINDS["investors"][0], "Import investors with their class (bureau).", "bureau")
add_list_command(KINDS["capital"][0], "Import capital in place per project and date (bureau).", "bureau")
