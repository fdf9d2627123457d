"""The sourcing pages as Excel workbooks, laid out as every export (portal.xlsx.table): a bold
header row that stays in view and filters, amounts as numbers in 万元 with the unit in the
header, counts and dates formatted, columns wide enough for their Chinese text."""
from __future__ import annotations

import io

from flask import send_file
from flask_babel import gettext as _
from openpyxl import Workbook

from portal import xlsx
from portal.sourcing import service
from portal.sourcing.labels import EVENT_KIND_LABELS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT, AMOUNT, DATE = xlsx.COUNT_FORMAT, xlsx.AMOUNT_FORMAT, xlsx.DATE_FORMAT


def _send(wb, name: str):
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=name, mimetype=XLSX)


def _sheet(wb, title: str, headers, rows, formats, first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    xlsx.table(ws, headers, rows, formats)
    return ws


def result_headers() -> list[str]:
    """The columns of a team's results (``service.RESULT_KEYS``), amounts in 万元."""
    return [_("New clues"), _("Signings it referred"), _("Their investment (10k CNY)"),
            _("Credited signings"), _("Credited signed amount (10k CNY)"), _("Visits and contacts")]


RESULT_FORMATS = (COUNT, COUNT, AMOUNT, COUNT, AMOUNT, COUNT)


def result_values(row: dict) -> list:
    return [row[key] for key in service.RESULT_KEYS]


def events_workbook(rows, period):
    """The period's events, one a row, with their projects' totals."""
    headers = [_("Promotion event"), _("Kind of event"), _("City"), _("First day"), _("Last day"), _("Organiser"),
               _("Kept by unit"), _("Participating units"), _("Projects"), _("Total investment (10k CNY)"),
               _("Signed projects"), _("Signed investment (10k CNY)"), _("Signed and since started")]
    wb = Workbook()
    _sheet(wb, _("Promotion events"), headers, (
        [event.name, str(EVENT_KIND_LABELS.get(event.kind, event.kind)), event.city, event.starts_on, event.ends_on,
         event.organiser, event.unit.name, ", ".join(u.name for u in service.event_units(event)),
         total["projects"], total["investment"], total["signed"], total["signed_investment"], total["started"]]
        for event, total in rows),
        (None, None, None, DATE, DATE, None, None, None, COUNT, AMOUNT, COUNT, AMOUNT, COUNT), first=True)
    return _send(wb, f"events-{period.code or 'period'}.xlsx")


def event_workbook(event, results):
    """An event's results: the totals, then by responsible unit and by industry, one table."""
    keys = ("projects", "investment", "signed", "signed_investment", "started")
    headers = [event.name, _("Grouped by"), _("Projects"), _("Total investment (10k CNY)"), _("Signed projects"),
               _("Signed investment (10k CNY)"), _("Signed and since started")]
    rows = [[_("All projects"), None] + [results["total"][k] for k in keys]]
    for grouping, group_rows in ((_("Unit"), results["by_unit"]), (_("Industry"), results["by_industry"])):
        rows += [[str(row["label"] or "—"), grouping] + [row[k] for k in keys] for row in group_rows]
    wb = Workbook()
    _sheet(wb, _("Results"), headers, rows, (None, None, COUNT, AMOUNT, COUNT, AMOUNT, COUNT), first=True)
    return _send(wb, f"event-{event.id}.xlsx")


def teams_workbook(rows, results, year: int):
    """The year's totals per team (``rows``: team, total), and a second sheet with each team's
    figures per month (``results``: team id -> months)."""
    wb = Workbook()
    _sheet(wb, _("Stationed teams"), [_("Stationed team"), _("Stationed in (city)")] + result_headers(),
           ([team.name, team.city] + result_values(total) for team, total in rows), (None, None) + RESULT_FORMATS,
           first=True)
    _sheet(wb, _("Per month"), [_("Stationed team"), _("Month")] + result_headers(),
           ([team.name, f"{year}-{month['month']:02d}"] + result_values(month)
            for team, _total in rows for month in results[team.id]), (None, None) + RESULT_FORMATS)
    return _send(wb, f"teams-{year}.xlsx")


def team_workbook(unit, year: int, months):
    """One team's year, a month a row, and the total."""
    rows = [[f"{year}-{row['month']:02d}"] + result_values(row) for row in months]
    rows.append([_("Total")] + result_values(service.totals(months)))
    wb = Workbook()
    _sheet(wb, unit.name, [_("Month")] + result_headers(), rows, (None,) + RESULT_FORMATS, first=True)
    return _send(wb, f"team-{unit.id}-{year}.xlsx")
