"""The dashboard as an Excel workbook: one sheet per panel, headers in the user's language."""
from __future__ import annotations

import io
from decimal import Decimal

from flask import send_file
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal import xlsx
from portal.labels import FLAG_LABELS, label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet(wb, title: str, headers: list[str], rows: list[list], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(xlsx.row(ws, [str(h) for h in headers]))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(xlsx.row(ws, [_cell(v) for v in row]))
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(str(header)) * 2 + 4))
    ws.freeze_panes = "A2"
    return ws


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


def workbook_response(req, ctx: dict):
    period = req.period
    wb = Workbook()
    f = ctx["figures"]
    # A rate's change is in percentage points, in its own column: one unit per column.
    _sheet(wb, _("Figures"), [_("Figure"), _("Unit of measure"), period.label, f.previous_period.label,
                              _("Change (%)"), _("Change (percentage points)")],
           [[fig.label, _unit_of(fig.kind), fig.value, fig.previous, fig.change_pct, fig.change_points] for fig in f],
           first=True)
    _sheet(wb, _("Pipeline"), [_("Stage"), _("Projects"), _("Total investment (10,000 yuan)")],
           [[s.label, s.count, s.investment] for s in ctx["stages"]])
    table_headers = [_("New clues"), _("Newly signed projects"), _("Signed amount (10,000 yuan)"),
                     _("Contracted amount (10,000 yuan)"), _("Projects of 1 billion yuan or more"),
                     _("Three-Category-500 projects"), _("Newly started projects"),
                     _("Capital in place (10,000 yuan)"), _("Implementation rate (%)"),
                     _("Signed amount last year (10,000 yuan)"), _("Change (%)")]
    _sheet(wb, _("By unit"), [_("Unit")] + table_headers, _table_rows(ctx["unit_rows"]))
    _sheet(wb, _("By industry"), [_("Industry")] + table_headers, _table_rows(ctx["industry_rows"]))
    _sheet(wb, _("By stationed team"), [_("Stationed team")] + table_headers, _table_rows(ctx["team_rows"]))
    year = ctx["year"]
    _sheet(wb, _("Monthly signed amount"),
           [_("Month"), _("%(year)s (10,000 yuan)", year=year), _("%(year)s (10,000 yuan)", year=year - 1),
            _("Change (%)")],
           [[p.month, p.value, p.previous, p.change_pct] for p in ctx["points"]])
    _sheet(wb, _("Flags"), [_("Week"), _("Flag"), _("Projects")],
           [[ctx["flag_title"], label(FLAG_LABELS, flag), n] for flag, n in ctx["flags"].items()])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    name = f"dashboard-{period.code or (period.start.isoformat() + '_' + period.end.isoformat())}.xlsx"
    name = name.replace(":", "_")
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)
