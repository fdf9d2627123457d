"""Excel export (.xlsx) of a list exactly as filtered: every page, headers in the user's language.

Memory stays bounded whatever the size: the rows are read in chunks of ``CHUNK`` projects (the
list's ids first, in its order, then each chunk's rows; a server database's default cursor would
otherwise hold every row at once), XlsxWriter writes them to disk as they come
(``portal.xlsx.StreamedWorkbook``), and the finished file is sent from a temporary file in
blocks, never held in memory.

Only the project columns the core's columns show are read (``PROJECT_COLUMNS``): building whole
rows of 58 columns was about a third of an export's time. A plugin's column may read any field, so
while one is declared the rows are read whole. A plugin's column that fails is reported once per
export and its cells say so; the export itself never fails for it.

Amounts are numbers in 万元 (foreign capital in 万美元); confidential investors are
masked as on the page. The columns come from ``export_columns``: the core's, then the
extra fields and the ``portal_export_columns`` hook (``portal.extra_fields.export_columns``).
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from flask import Response, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from portal import extra_fields, flag_reasons, industries, plugins, xlsx
from portal.labels import FLAG_LABELS, STAGE_LABELS
from portal.models import CapitalEntry, Project
from portal.projects import masking
from portal.projects.filters import LIST_PAGE_COLUMNS, ListFilters, ShownDate, as_date, base_query

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FORMAT = xlsx.AMOUNT_FORMAT
DATE_FORMAT = xlsx.DATE_FORMAT
#: Projects read from the database at a time.
CHUNK = 500
#: The project columns the core's export columns read (the list page's and the amounts, the person,
#: the other stage dates and the code). tests/test_list_columns.py exports every list both ways.
PROJECT_COLUMNS = (
    *LIST_PAGE_COLUMNS, Project.contracted_amount, Project.foreign_capital, Project.responsible_person,
    Project.negotiating_on, Project.signed_on, Project.started_on, Project.completed_on, Project.production_on,
    Project.code,
)
#: What a cell of a plugin's column says when the plugin's code failed for that project.
PLUGIN_FAILED = _l("(plugin failed)")


@dataclass
class ExportColumn:
    """One column of the sheet: a header (translated at export time), a value and a number format."""

    header: object  # str or lazy string
    value: Callable  # (project, user) -> cell value
    number_format: str | None = None
    width: int = 14
    whole_project: bool = False  # its value may read any column of the project (a plugin's)


def _num(value):
    return float(value) if value is not None else None


def _cell(value):
    """A plugin's value as a cell: exact amounts as numbers, yes/no in the user's language."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return float(value)
    if value is not None and not isinstance(value, (str, int, float, dt.date)):
        return str(value)
    return value


def _plugin_columns() -> list[ExportColumn]:
    """Extra fields, then the columns of ``portal_export_columns`` (their values guarded)."""
    columns, failed = [], set()
    for column in extra_fields.export_columns():
        value = _guarded(column["value"], column["plugin"], failed) if column["plugin"] else column["value"]
        columns.append(ExportColumn(column["label"], lambda p, u, value=value: _cell(value(p)), width=16,
                                    whole_project=bool(column["plugin"])))
    return columns


def _guarded(value: Callable, plugin: str, failed: set) -> Callable:
    """A plugin's ``value(project)`` that answers "(plugin failed)" instead of raising; the first
    failure of each plugin in an export is reported (the plugins page), not one per row."""
    failed_text = str(PLUGIN_FAILED)

    def guarded(project):
        try:
            return value(project)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not lose the user's export
            if plugin not in failed:
                failed.add(plugin)
                plugins.registry().report(plugin, "portal_export_columns", exc)
            return failed_text

    return guarded


def export_columns(filters: ListFilters, user) -> list[ExportColumn]:
    """The columns of a list's export, in order: the core's, then the plugins' (extra fields, hook)."""
    industry_names = dict(industries.choices())
    return [
        *_core_columns(filters.shown_date, industry_names),
        *_plugin_columns(),
    ]


def _core_columns(shown: ShownDate, industry_names) -> list[ExportColumn]:
    # Labels translated once per export, not once per row.
    stages, flags = _translated(STAGE_LABELS), _translated(FLAG_LABELS)
    yes, no = _("Yes"), _("No")
    return [
        ExportColumn(_("Project"), lambda p, u: p.name, width=36),
        ExportColumn(_("Investor"), lambda p, u: masking.investor_name(p, u), width=30),
        ExportColumn(_("Responsible unit"), lambda p, u: p.responsible_unit.name, width=20),
        ExportColumn(_("Industry"), lambda p, u: industry_names.get(p.industry_code, p.industry_code), width=14),
        ExportColumn(_("Stage"), lambda p, u: stages.get(p.stage, p.stage or ""), width=12),
        ExportColumn(_("Total investment (10,000 yuan)"), lambda p, u: _num(p.total_investment), AMOUNT_FORMAT, 16),
        ExportColumn(_("Contracted amount (10,000 yuan)"), lambda p, u: _num(p.contracted_amount), AMOUNT_FORMAT, 16),
        ExportColumn(_("Foreign capital (10,000 USD)"), lambda p, u: _num(p.foreign_capital), AMOUNT_FORMAT, 16),
        ExportColumn(_("Capital in place (10,000 yuan)"), lambda p, u: _num(p.capital_in_place), AMOUNT_FORMAT, 16),
        ExportColumn(shown.label, lambda p, u: as_date(p.shown_on), DATE_FORMAT, 12),
        ExportColumn(_("Key project"), lambda p, u: yes if p.is_key else no, width=8),
        ExportColumn(_("Leader in charge"), lambda p, u: p.leader.display_name if p.leader_id else "", width=12),
        ExportColumn(_("Responsible person"), lambda p, u: p.responsible_person, width=12),
        ExportColumn(_("Flag"), lambda p, u: flags.get(p.flag, p.flag or ""), width=14),
        ExportColumn(_("Flag reasons"), lambda p, u: flag_reasons.render_all(p.flag_reasons), width=40),
        *_round_trip_columns(shown.field),
    ]


def _translated(labels: dict) -> dict:
    """``labels`` (lazy strings by code) as text in the user's language (``portal.labels.label``)."""
    return {code: str(text) for code, text in labels.items()}


#: The other stage dates and the project code, so an exported list imports back unchanged
#: (portal.projects.importing recognises these headers).
STAGE_DATE_HEADERS = (("clue_on", _l("Clue date")), ("negotiating_on", _l("Negotiation date")),
                      ("signed_on", _l("Signing date")), ("started_on", _l("Start date")),
                      ("completed_on", _l("Completion date")), ("production_on", _l("Production date")))


def _round_trip_columns(date_field) -> list[ExportColumn]:
    columns = [ExportColumn(header, lambda p, u, f=field: getattr(p, f), DATE_FORMAT, 12)
               for field, header in STAGE_DATE_HEADERS if field != date_field]
    columns.append(ExportColumn(_("Project code"), lambda p, u: p.code or "", width=14))
    return columns


def filename(spec, today: dt.date) -> str:
    """E.g. ``signed-list-2026-11-21.xlsx`` (ASCII, so every browser keeps it)."""
    return f"{spec.key}-list-{today.isoformat()}.xlsx" if spec.key != "all" else f"projects-{today.isoformat()}.xlsx"


def capital_in_place():
    """Each project's capital in place to date (万元), as a subquery beside the list's columns."""
    return (CapitalEntry.select(fn.COALESCE(fn.SUM(CapitalEntry.amount), 0))
            .where(CapitalEntry.project == Project.id))


def in_chunks(query, size: int | None = None):
    """Every row of ``query`` in its order, ``size`` (``CHUNK``) rows fetched at a time (a generator)."""
    size = size or CHUNK
    ids = [row[0] for row in query.clone().select(query.model.id).tuples()]
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        by_id = {row.id: row for row in query.clone().where(query.model.id.in_(chunk)).order_by()}
        for project_id in chunk:
            if project_id in by_id:
                yield by_id[project_id]


def write_workbook(rows, columns: list[ExportColumn], filters: ListFilters, user, out) -> None:
    """Write the .xlsx of ``rows`` (already filtered, sorted and permission-checked) to the file ``out``."""
    values = ([column.value(project, user) for column in columns] for project in rows)
    xlsx.write_streamed_table(out, filters.spec.title, [column.header for column in columns], values,
                              formats=[column.number_format for column in columns],
                              widths=[column.width for column in columns])


def response(user, filters: ListFilters, today: dt.date) -> Response:
    """The list of ``filters`` as ``user`` reads it, every page, as a workbook: a streamed download,
    sent in blocks from a temporary file (removed once closed)."""
    columns = export_columns(filters, user)
    read = (Project,) if any(column.whole_project for column in columns) else PROJECT_COLUMNS
    query = (base_query(user, filters, project_columns=read).order_by(*filters.order_for(user))
             .select_extend(capital_in_place().alias("capital_in_place")))
    out = tempfile.TemporaryFile(suffix=".xlsx")
    write_workbook(in_chunks(query), columns, filters, user, out)
    out.seek(0)
    resp = send_file(out, mimetype=XLSX_MIME, as_attachment=True, download_name=filename(filters.spec, today),
                     max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
