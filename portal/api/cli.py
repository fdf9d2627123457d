"""`portal export`: the province report (portal/api/province.py) to a file, as a user reads it."""
from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("export", help="Write the province report of a period (figures and the projects behind them, the "
                              "layout of /api/province-report) as JSON or Excel, under USERNAME's permissions.")
@click.argument("username")
@click.option("--period", default="", help="2026, 2026-H1, 2026-Q3, 2026-03 or 2026-YTD:2026-05-31 (default: "
                                           "this year to date).")
@click.option("--unit", default="", help="A unit's id (default: what the user covers).")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True)
def export_command(username, period, unit, fmt, output):
    # Imported when run, as every command of portal/cli.py: that module imports this one.
    from flask import g
    from werkzeug.exceptions import Forbidden

    from portal.api import province
    from portal.cli import AppContext, _find_user
    from portal.dashboard.views import parse_request

    with AppContext() as app:
        user = _find_user(username)
        # The report is read as the pages read it for this user: a request of theirs.
        with app.test_request_context("/", query_string={"period": period, "unit": unit}):
            g._login_user = user
            try:
                req = parse_request(user)
            except Forbidden:
                raise click.BadParameter(f"{username} may not read unit {unit}", param_hint="--unit") from None
            if req.errors:
                raise click.BadParameter("; ".join(f"{k}: {v}" for k, v in req.errors.items()))
            report = province.build(user, req.period, req.scope)
            if fmt == "json":
                Path(output).write_text(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=1),
                                        encoding="utf-8")
            else:
                Path(output).write_bytes(province.workbook(report, {"period": req.period, "scope": req.scope}))
    click.echo(f"wrote the province report {report.period.code or 'custom'} to {output}")
