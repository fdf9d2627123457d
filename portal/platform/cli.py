"""``portal plugins``: the same list as /admin/plugins, for the command line."""
import click


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
