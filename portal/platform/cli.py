"""``portal plugins``: the same list as /admin/plugins, for the command line; ``portal plugin new``."""
from pathlib import Path

import click

from portal.platform import scaffold


@click.command("plugins", help="List every plugin: name, version, source, status, hooks and errors.")
def plugins_command():
    from portal import rules
    from portal.cli import AppContext

    with AppContext() as app:
        reg = app.extensions["portal_plugins"]
        for row in reg.plugin_list():
            click.echo(f"{row['name']}\t{row['version'] or '-'}\t{row['source']}\t{row['status']}\t"
                       f"{','.join(row['hooks']) or '-'}")
            for error in row["errors"]:
                click.echo(f"    error: {error}")
        for failure in reg.all_failures():
            if failure.plugin not in reg.infos:
                click.echo(f"{failure.plugin}\t-\t-\tfailed\t-\n    error: {failure.where}: {failure.error}")
        system = rules.active_system()
        click.echo(f"industry system: {system['code'] if system else 'core'}")


@click.group("plugin", help="Write plugins for the portal.")
def plugin_group():
    pass


@plugin_group.command("new", help="Generate a plugin package NAME (portal-NAME): pyproject with the entry "
                                  "point, hook implementations, rules file, tests and a CI script.")
@click.argument("name")
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder in which the package folder is made.")
def plugin_new(name, parent):
    try:
        target = scaffold.create(name, parent)
    except scaffold.ScaffoldError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"created {target}")
    click.echo(f"next: cd {target} && ./ci.sh   (or pip install -e '.[test]' && pytest)")
