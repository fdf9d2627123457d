"""The dashboard as an Excel workbook: one sheet per panel, headers in the user's language."""
from __future__ import annotations

import io

from flask import send_file
from flask_babel import gettext as _
from openpyxl import Workbook

from portal import xlsx
from portal.labels import FLAG_LABELS, label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(wb, title: str, headers: list, rows: list[list], formats=(), first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    xlsx.table(ws, headers, rows, formats)
    return ws


#: The number format of a figure by its kind (one figure a row on the figures sheet).
KIND_FORMATS = {"amount": xlsx.AMOUNT_FORMAT, "usd": xlsx.AMOUNT_FORMAT, "percent": xlsx.PERCENT_FORMAT,
                "days": xlsx.PERCENT_FORMAT, "count": xlsx.COUNT_FORMAT}
#: The by-unit, by-industry and by-team tables: a label, then these figures.
TABLE_FORMATS = (None, xlsx.COUNT_FORMAT, xlsx.COUNT_FORMAT, xlsx.AMOUNT_FORMAT, xlsx.AMOUNT_FORMAT,
                 xlsx.COUNT_FORMAT, xlsx.COUNT_FORMAT, xlsx.COUNT_FORMAT, xlsx.AMOUNT_FORMAT, xlsx.PERCENT_FORMAT,
                 xlsx.AMOUNT_FORMAT, xlsx.PERCENT_FORMAT)


def _unit_of(kind: str) -> str:
    return {"amount": _("10,000 yuan"), "usd": _("10,000 USD"), "percent": "%", "days": _("days")}.get(kind, "")


def _table_rows(rows) -> list[list]:
    out = []
    for row in rows:
        values = [row.label]
        for key in ("new_clues", "signed_count", "signed_investment", "contracted_amount", "projects_1bn",
                    "three500_count", "started_count", "capital_in_place", "implementation_rate"):
            values.append(row[key].value)
        values += [row["signed_investment"].previous, row["signed_investment"].change_pct]
        out.append(values)
    return out


def _team_months_sheet(wb, ctx: dict) -> None:
    """The stationed teams' results per team and month (the sheet a bureau sends upward)."""
    year = ctx["team_year"]
    headers = [_("Stationed team"), _("Month"), _("New clues"), _("Signings it referred"),
               _("Their investment (10k CNY)"), _("Credited signings"), _("Credited signed amount (10k CNY)"),
               _("Visits and contacts")]
    keys = ("clues", "referred", "referred_investment", "credited", "credited_investment", "contacts")
    rows = [[team.name, f"{year}-{month['month']:02d}"] + [month[k] for k in keys]
            for team, months, _total in ctx["team_months"]["teams"] for month in months]
    _sheet(wb, _("Stationed teams per month"), headers, rows,
           (None, None, xlsx.COUNT_FORMAT, xlsx.COUNT_FORMAT, xlsx.AMOUNT_FORMAT, xlsx.COUNT_FORMAT,
            xlsx.AMOUNT_FORMAT, xlsx.COUNT_FORMAT))


def workbook_response(req, ctx: dict):
    period = req.period
    wb = Workbook()
    f = ctx["figures"]
    # A rate's change is in percentage points, in its own column: one unit per column.
    _sheet(wb, _("Figures"), [_("Figure"), _("Unit of measure"), period.label, f.previous_period.label,
                              _("Change (%)"), _("Change (percentage points)")],
           [[fig.label, _unit_of(fig.kind), xlsx.Formatted(fig.value, KIND_FORMATS.get(fig.kind)),
             xlsx.Formatted(fig.previous, KIND_FORMATS.get(fig.kind)), fig.change_pct, fig.change_points] for fig in f],
           (None, None, None, None, xlsx.PERCENT_FORMAT, xlsx.PERCENT_FORMAT), first=True)
    _sheet(wb, _("Pipeline"), [_("Stage"), _("Projects"), _("Total investment (10,000 yuan)")],
           [[s.label, s.count, s.investment] for s in ctx["stages"]],
           (None, xlsx.COUNT_FORMAT, xlsx.AMOUNT_FORMAT))
    table_headers = [_("New clues"), _("Newly signed projects"), _("Signed amount (10,000 yuan)"),
                     _("Contracted amount (10,000 yuan)"), _("Projects of 1 billion yuan or more"),
                     _("Three-Category-500 projects"), _("Newly started projects"),
                     _("Capital in place (10,000 yuan)"), _("Implementation rate (%)"),
                     _("Signed amount last year (10,000 yuan)"), _("Change (%)")]
    _sheet(wb, _("By unit"), [_("Unit")] + table_headers, _table_rows(ctx["unit_rows"]), TABLE_FORMATS)
    _sheet(wb, _("By industry"), [_("Industry")] + table_headers, _table_rows(ctx["industry_rows"]), TABLE_FORMATS)
    _sheet(wb, _("By stationed team"), [_("Stationed team")] + table_headers, _table_rows(ctx["team_rows"]),
           TABLE_FORMATS)
    _team_months_sheet(wb, ctx)
    year = ctx["year"]
    _sheet(wb, _("Monthly signed amount"),
           [_("Month"), _("%(year)s (10,000 yuan)", year=year), _("%(year)s (10,000 yuan)", year=year - 1),
            _("Change (%)")],
           [[p.month, p.value, p.previous, p.change_pct] for p in ctx["points"]],
           (None, xlsx.AMOUNT_FORMAT, xlsx.AMOUNT_FORMAT, xlsx.PERCENT_FORMAT))
    _sheet(wb, _("Flags"), [_("Week"), _("Flag"), _("Projects")],
           [[ctx["flag_title"], label(FLAG_LABELS, flag), n] for flag, n in ctx["flags"].items()],
           (None, None, xlsx.COUNT_FORMAT))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    name = f"dashboard-{period.code or (period.start.isoformat() + '_' + period.end.isoformat())}.xlsx"
    name = name.replace(":", "_")
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)
