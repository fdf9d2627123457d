"""Rows from an uploaded sheet, streamed: .xlsx through openpyxl's read-only reader, .csv decoded
as UTF-8 (with or without a byte-order mark) or else GBK (GB18030, its superset)."""
from __future__ import annotations

import codecs
import csv
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

EXTENSIONS = (".xlsx", ".csv")
_CHUNK = 64 * 1024
#: What a damaged or disguised workbook raises in openpyxl (zip, XML, missing parts).
_UNREADABLE = (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError, EOFError)
NOT_A_WORKBOOK = _l("This file is not an Excel workbook that can be read. Save it as .xlsx and upload it again.")


class SheetError(ValueError):
    """A file that cannot be read as a sheet; the message is for the importer."""


def check_extension(file_name: str) -> str:
    extension = Path(file_name or "").suffix.lower()
    if extension not in EXTENSIONS:
        raise SheetError(_l("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    return extension


def csv_encoding(path: Path) -> str:
    """utf-8-sig when the file decodes as UTF-8 (BOM or not), else gb18030 (GBK's superset).

    The whole file is decoded incrementally, a chunk at a time: a GBK file may well start with
    bytes that happen to be valid UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            return "gb18030"


def _csv_rows(path: Path) -> Iterator[list]:
    encoding = csv_encoding(path)
    with path.open(encoding=encoding, newline="", errors="replace") as handle:
        for row in csv.reader(handle):
            yield row


def _xlsx_rows(path: Path, percents: bool = False) -> Iterator[list]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise SheetError(NOT_A_WORKBOOK) from exc
    try:
        sheet = workbook.worksheets[0]
        if not percents:
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
            return
        for cells in sheet.iter_rows():
            yield [_as_shown(cell) for cell in cells]
    finally:
        workbook.close()


def _as_shown(cell):
    """A number in a percent-formatted cell as Excel shows it: 0.85 → "85%"."""
    value = cell.value
    if (isinstance(value, (int, float)) and not isinstance(value, bool)
            and "%" in (getattr(cell, "number_format", "") or "")):
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    return value


def read_rows(path: Path, file_name: str, percents: bool = False) -> Iterator[tuple[int, list]]:
    """``(row number as the office sees it, [cell values])`` for every row of the first sheet;
    ``percents``: percent-formatted numbers as Excel shows them ("85%")."""
    extension = check_extension(file_name)
    rows = _xlsx_rows(path, percents) if extension == ".xlsx" else _csv_rows(path)
    try:
        for number, row in enumerate(rows, start=1):
            yield number, row
    except SheetError:
        raise
    except csv.Error as exc:
        raise SheetError(_l("This CSV file cannot be read: %(error)s", error=str(exc))) from exc
    except _UNREADABLE as exc:
        raise SheetError(NOT_A_WORKBOOK) from exc
    finally:
        rows.close()  # the workbook or file closed when the caller stops reading (planning.opened)
