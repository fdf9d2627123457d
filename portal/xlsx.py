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
import math
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    """Would Excel read this value as a formula? (Such a text is written with the quote prefix.)"""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def as_text(cell):
    """``cell`` (already holding its value) kept as text when its text would start a formula."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def excel_value(value):
    """``value`` as Excel can hold it, whatever a plugin answered: a date and time with a time zone
    as the time it reads (Excel has no zones: openpyxl and XlsxWriter refuse one, which failed the
    whole export), a number that is not finite (NaN, infinity) as no value (openpyxl writes none;
    XlsxWriter refused it), a whole number past 2**53 as its digits (a float would round it, or fail
    past 1e308)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (float, Decimal)) and not math.isfinite(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


def cell(ws, value):
    """A cell for ``ws.append`` (normal or write-only sheets) holding ``value``."""
    return as_text(WriteOnlyCell(ws, value=excel_value(value)))


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
    headers, formats, fitted = _columns(headers, formats, widths)
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


def _columns(headers, formats, widths) -> tuple[list[str], list, list[int]]:
    """A table's headers as text, a number format per column (None: none) and each column's width
    fitting its header and its given width (the widest cell is added by the writer that can)."""
    headers = [str(h) for h in headers]
    formats = list(formats) + [None] * (len(headers) - len(formats))
    fitted = [max(w or 0, text_width(h) + 2) for h, w in zip(headers, list(widths) + [None] * len(headers))]
    return headers, formats, fitted


def _column_width(width) -> float:
    """A fitted width within the bounds every export keeps."""
    return min(MAX_WIDTH, max(MIN_WIDTH, width))


def _set_widths(ws, widths) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = _column_width(width)


# Long lists -----------------------------------------------------------------------------------
# A list exported whole (10,000 projects and more) is written by XlsxWriter, which writes a cell
# in about a third of openpyxl's time (10,000 rows of 22 columns: 2.1 s against 7.0 s), row by
# row to a temporary file (constant memory), with the layout of ``table``.

INVALID_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


class StreamedWorkbook:
    """A workbook written to the file ``out`` a row at a time (XlsxWriter in constant memory):
    ``add_table`` once per sheet, then ``close`` (or use it in a ``with``). ``title`` is the
    document's title in its properties."""

    def __init__(self, out, title: str | None = None):
        self.book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                              "strings_to_formulas": False, "strings_to_urls": False})
        if title:
            self.book.set_properties({"title": str(title)})
        self._styles: dict = {}

    def __enter__(self) -> StreamedWorkbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.book.close()

    def style(self, number_format=None, quoted=False, bold=False):
        key = (number_format, quoted, bold)
        if key not in self._styles:
            props = {"num_format": number_format, "quote_prefix": quoted, "bold": bold}
            props = {name: value for name, value in props.items() if value}
            self._styles[key] = self.book.add_format(props) if props else None
        return self._styles[key]

    def add_table(self, title: str, headers, rows, formats=(), widths=(), fit_width: bool = False) -> None:
        """A sheet named ``title`` holding one table: a bold header row that stays in view and
        filters, then the rows as ``rows`` yields them (``formats``, ``widths`` and ``Formatted``
        values as in :func:`table`; the widths fit the header and the given width, as a streamed
        sheet's must). Texts that would start a formula stay text, with Excel's quote prefix.
        ``fit_width``: printed one page wide."""
        headers, formats, fitted = _columns(headers, formats, widths)
        columns = len(headers)
        ws = self.book.add_worksheet(str(title).translate(INVALID_SHEET_CHARS).strip(" '")[:31] or None)
        if fit_width:
            ws.fit_to_pages(1, 0)
        for index, width in enumerate(fitted):
            ws.set_column(index, index, _column_width(width))
        ws.freeze_panes(1, 0)
        for index, header in enumerate(headers):
            ws.write_string(0, index, header, self.style(quoted=formula_like(header), bold=True))
        last = 0
        for last, values in enumerate(rows, start=1):
            for index, value in enumerate(values):
                number_format = formats[index] if index < columns else None
                if isinstance(value, Formatted):
                    value, number_format = value.value, value.number_format
                _write(ws, last, index, value, number_format, self.style)
        ws.autofilter(0, 0, last, columns - 1)


def write_streamed_table(out, title: str, headers, rows, formats=(), widths=()) -> None:
    """Write a workbook of one sheet named ``title`` holding one table to the file ``out``
    (:meth:`StreamedWorkbook.add_table`)."""
    with StreamedWorkbook(out) as book:
        book.add_table(title, headers, rows, formats, widths)


def _write(ws, row_index: int, column: int, value, number_format, style) -> None:
    """One cell of its own type: numbers as numbers, dates as dates, anything else as text (an
    empty text is no cell, as in openpyxl's sheets)."""
    value = excel_value(value)
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(row_index, column, value, style(number_format))
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(row_index, column, float(value), style(number_format))
    elif isinstance(value, (dt.date, dt.datetime)):
        default = DATETIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
        ws.write_datetime(row_index, column, value, style(number_format or default))
    else:
        text = str(value)
        ws.write_string(row_index, column, text, style(number_format, quoted=formula_like(text)))
