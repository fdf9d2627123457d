"""`portal snapshot`: freeze every completed week not yet frozen (run it from cron or Task Scheduler)."""
from __future__ import annotations

import click


@click.command("snapshot", help="Freeze every completed week not yet frozen (flags, list counts, unit flags), "
                                "then refresh the current flags. Safe to run at any time, from several places.")
@click.option("--max-weeks", type=click.IntRange(1, 520), default=None,
              help="Catch up at most this many weeks (default: SCHEDULING_CATCHUP_WEEKS, 104).")
def snapshot(max_weeks):
    from portal.cli import AppContext
    from portal.scheduling import flags, snapshots

    with AppContext():
        frozen = snapshots.freeze_pending(max_weeks=max_weeks, refresh=False)
        changed = flags.recompute_all()
    for week in frozen:
        click.echo(f"froze {week}")
    if not frozen:
        click.echo("no completed week waiting to be frozen")
    click.echo(f"current flags refreshed ({changed} changed)")
