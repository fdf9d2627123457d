"""Cells and tables for every Excel export: text stays text, every table laid out alike.

A text that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one)
is read by Excel as a formula: a project named ``=HYPERLINK("http://evil", "Open")`` would
become a live link, or worse, in every export that shows it (CSV/formula injection). openpyxl
guesses the cell type from the value, so each export builds its cells here instead of passing
bare values: such texts are stored as strings with Excel's "quote prefix" (the value is shown
exactly as typed and stays text when someone edits the cell).
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell):
    """``cell`` (already holding its value) kept as text when its text would start a formula."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def cell(ws, value):
    """A cell for ``ws.append`` (normal or write-only sheets) holding ``value``."""
    return as_text(WriteOnlyCell(ws, value=value))


def row(ws, values) -> list:
    """A row of cells for ``ws.append``."""
    return [cell(ws, value) for value in values]


# Tables ---------------------------------------------------------------------------------------
# Every export lays its tables out the same way: a bold header row that stays in view (frozen)
# and filters (autofilter), amounts as numbers in 万元 (or 万美元: the header names the unit)
# shown with thousands separators, dates as dates, and columns wide enough for their Chinese text.

AMOUNT_FORMAT = "#,##0.00"  # 万元 / 万美元, two decimals, as the lists' export
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"  # a percentage or percentage points, the number only (the header says %)
DATE_FORMAT = "yyyy-mm-dd"

MIN_WIDTH = 8
MAX_WIDTH = 60


@dataclass(frozen=True)
class Formatted:
    """A value with its own number format, for a column whose rows hold different kinds."""

    value: object
    number_format: str | None


def text_width(value) -> int:
    """Width of ``value`` in Excel's character units: a Chinese (wide) character takes two."""
    if value is None:
        return 0
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    if isinstance(value, float):
        value = f"{value:,.2f}"
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def table(ws, headers, rows, formats=(), widths=(), above: int = 0) -> None:
    """Append a table to ``ws``: ``headers`` (bold, frozen, filtering), then ``rows`` of values.

    ``formats`` and ``widths`` are per column (None: none / fit the text); a value may be a
    ``Formatted`` to override its column's format. ``above`` is the number of rows already written
    (titles). A write-only sheet (a long list streamed) writes its column widths before its first
    row, so there they fit the header and the given width; elsewhere they fit every cell.
    """
    headers = [str(h) for h in headers]
    formats = list(formats) + [None] * (len(headers) - len(formats))
    fitted = [max(w or 0, text_width(h) + 2) for h, w in zip(headers, list(widths) + [None] * len(headers))]
    header_row = above + 1
    ws.freeze_panes = f"A{header_row + 1}"  # before the first row: a streamed sheet writes its view first
    streamed = isinstance(ws, WriteOnlyWorksheet)
    if streamed:
        _set_widths(ws, fitted)
    header_cells = row(ws, headers)
    for c in header_cells:
        c.font = Font(bold=True)
    ws.append(header_cells)
    count = 0
    for values in rows:
        cells = []
        for index, value in enumerate(values):
            number_format = formats[index] if index < len(formats) else None
            if isinstance(value, Formatted):
                value, number_format = value.value, value.number_format
            c = cell(ws, _plain(value))
            if number_format and c.value is not None:
                c.number_format = number_format
            if not streamed and index < len(fitted):
                fitted[index] = max(fitted[index], text_width(c.value) + 2)
            cells.append(c)
        ws.append(cells)
        count += 1
    if not streamed:
        _set_widths(ws, fitted)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + count}"


def _set_widths(ws, widths) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(MIN_WIDTH, width))
