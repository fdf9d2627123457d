"""`portal notify`: send the scheduled notifications of the day (cron or Task Scheduler)."""
from __future__ import annotations

import click

from portal.notifications import daily


@click.command("notify", help="Send today's scheduled notifications (digests and reminders). Each goes out once, "
                              "however often this runs and however many portal processes also run it.")
def notify_command():
    from portal.cli import AppContext  # noqa: PLC0415 - portal.cli imports this module to register it

    with AppContext():
        sent = daily.run()
    for kind, count in sent.items():
        click.echo(f"{kind}: {count}")
    click.echo(f"{sum(sent.values())} notification(s) sent")
