"""The meeting page as an Excel workbook: one sheet per section.

Streamed (``xlsx.StreamedWorkbook``): each row goes to a temporary file as it is written (the
flagged and missing lists come as generators read a chunk at a time), so a province's lists do
not sit in memory; the column widths come from the header and the first rows."""
from __future__ import annotations

import itertools

from flask_babel import gettext as _

from portal import flag_reasons, xlsx
from portal.labels import FLAG_LABELS, STAGE_LABELS, label


#: Rows read before the sheet's column widths are set from them and the header.
WIDTH_SAMPLE = 200


def _sheet(book: xlsx.StreamedWorkbook, title, header, rows, formats=()):
    """A streamed sheet: widths fitted to the header and the first rows, then every row; printed
    one page wide."""
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    widths = [max(xlsx.text_width(value) for value in column) + 2  # add_table keeps them within bounds
              for column in (zip(header, *sample) if sample else [(h,) for h in header])]
    book.add_table(title, header, itertools.chain(sample, rows), formats, widths, fit_width=True)


def _reasons(reasons) -> str:
    return flag_reasons.render_all(reasons)


def write_meeting_workbook(data: dict, out) -> None:
    """Write the meeting's workbook to the file ``out``."""
    with xlsx.StreamedWorkbook(out, title=_("Weekly scheduling %(week)s", week=data["week"])) as wb:
        _write_sheets(wb, data)


def _write_sheets(wb: xlsx.StreamedWorkbook, data: dict) -> None:
    _sheet(wb, _("Units"),
           [_("Unit"), _("Weekly flag"), _("Reasons"), _("Active projects"), _("Reported"), _("On time"),
            _("Report rate (%)"), _("Stage advances"), _("Red"), _("Yellow"), _("Green")]
           + [str(data["list_labels"][name]) for name in data["list_names"]],
           [[r["unit"].name, label(FLAG_LABELS, r["flag"]["flag"]) if r["flag"] else "",
             _reasons(r["flag"]["reasons"]) if r["flag"] else "", r["figures"]["projects"], r["figures"]["reported"],
             r["figures"]["on_time"], r["rate"], r["figures"]["advances"], r["counts"]["red"], r["counts"]["yellow"],
             r["counts"]["green"]] + [r["lists"].get(name, 0) for name in data["list_names"]] for r in data["units"]],
           (None, None, None) + (xlsx.COUNT_FORMAT,) * 3 + (xlsx.PERCENT_FORMAT,)
           + (xlsx.COUNT_FORMAT,) * (4 + len(data["list_names"])))
    rows = []
    for key, projects in data["new_in"].items():
        for p in projects:
            rows.append([label(STAGE_LABELS, key), p.name, p.responsible_unit.name,
                         getattr(p, {"negotiating": "negotiating_on", "signed": "signed_on", "started": "started_on",
                                     "completed": "completed_on", "production": "production_on"}[key])])
    _sheet(wb, _("New in the lists"), [_("List"), _("Project"), _("Unit"), _("Date")], rows,
           (None, None, None, xlsx.DATE_FORMAT))
    _sheet(wb, _("Red and yellow flags"), [_("Flag"), _("Project"), _("Unit"), _("Reasons")],
           ([label(FLAG_LABELS, r["flag"]), r["project"].name, r["unit"].name, _reasons(r["reasons"])]
            for r in data["flagged"]))
    _sheet(wb, _("Reports missing"), [_("Project"), _("Unit"), _("Stage")],
           ([p.name, p.responsible_unit.name, label(STAGE_LABELS, p.stage)] for p in data["missing"]))
