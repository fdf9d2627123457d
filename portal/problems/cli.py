"""`portal problems check-overdue`: notify and escalate overdue problems (cron or Task Scheduler)."""
from __future__ import annotations

import click


@click.group("problems", help="Problem coordination.")
def problems_command():
    pass


@problems_command.command("check-overdue", help="Notify the assigned unit and the project's leader in charge of "
                                                "every problem that became overdue (once per problem; safe to repeat).")
def check_overdue():
    from portal.cli import AppContext
    from portal.problems import service

    with AppContext():
        count = service.check_overdue()
    click.echo(f"{count} overdue problem(s) escalated")
