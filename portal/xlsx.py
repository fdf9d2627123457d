"""Cells for every Excel export: text stays text.

A text that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one)
is read by Excel as a formula: a project named ``=HYPERLINK("http://evil", "Open")`` would
become a live link, or worse, in every export that shows it (CSV/formula injection). openpyxl
guesses the cell type from the value, so each export builds its cells here instead of passing
bare values: such texts are stored as strings with Excel's "quote prefix" (the value is shown
exactly as typed and stays text when someone edits the cell).
"""
from __future__ import annotations

from openpyxl.cell import WriteOnlyCell

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
