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

    refused = None
    with AppContext():
        try:
            frozen = snapshots.freeze_pending(max_weeks=max_weeks, refresh=False)
        except snapshots.WeekNotFrozen as exc:
            frozen, refused = exc.frozen, exc
        changed = flags.recompute_all()
    for week in frozen:
        click.echo(f"froze {week}")
    if refused is not None:
        click.echo(f"error: {refused} (see /admin/plugins or `portal plugins`)", err=True)
    elif not frozen:
        click.echo("no completed week waiting to be frozen")
    click.echo(f"current flags refreshed ({changed} changed)")
    if refused is not None:
        raise SystemExit(1)  # cron and Task Scheduler report the failed run
