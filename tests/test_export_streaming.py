"""The list export holds neither every row nor the whole file in memory: rows come from the
database a chunk at a time (one query per chunk, in the list's order), XlsxWriter (in constant
memory) spills them to disk, and the file goes out as a streamed response from a temporary file."""
from __future__ import annotations

import datetime as dt
import inspect
import io
import math
import re

from openpyxl import load_workbook

from portal.projects import export
from tests.query_log import queries_sent

ROWS = 11


def _signed(make_project, count):
    return [make_project(f"Signed {i:02d}", "county_a", stage="signed", signed_on=dt.date(2026, 1, 1 + i))
            for i in range(count)]


def _queries_during(monkeypatch, action):
    with queries_sent(monkeypatch) as sent:
        result = action()
    return sent, result


def test_export_is_a_streamed_file_response(login, make_project):
    _signed(make_project, 3)
    response = login("bureau").get("/lists/signed?format=xlsx", buffered=False)
    try:
        assert response.status_code == 200
        assert response.is_streamed  # sent in blocks from the file, not one bytes object
        assert not isinstance(response.response, (list, tuple, bytes))
        assert response.headers["Cache-Control"] == "private, no-store"
        body = b"".join(response.response)
    finally:
        response.close()
    names = [r[0] for r in load_workbook(io.BytesIO(body)).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["Signed 02", "Signed 01", "Signed 00"]  # the list's order: newest signing first


def test_export_reads_the_rows_in_chunks_in_the_lists_order(login, make_project, monkeypatch):
    _signed(make_project, ROWS)
    monkeypatch.setattr(export, "CHUNK", 4)
    assert inspect.isgeneratorfunction(export.in_chunks)
    client = login("bureau")
    client.get("/lists/signed?format=xlsx")  # warm: the session and settings as in any request
    executed, response = _queries_during(monkeypatch, lambda: client.get("/lists/signed?format=xlsx"))
    chunk_queries = [sql for sql, _params in executed
                     if re.search(r'FROM [`"]project[`"]', sql) and re.search(r'[`"]t1[`"]\.[`"]id[`"] IN \(', sql)]
    assert len(chunk_queries) == math.ceil(ROWS / 4)
    book = load_workbook(io.BytesIO(response.data)).active
    names = [r[0] for r in book.iter_rows(min_row=2, values_only=True)]
    assert names == [f"Signed {i:02d}" for i in reversed(range(ROWS))]


def test_the_list_export_is_written_row_by_row_in_constant_memory(app, login, make_project, monkeypatch):
    import xlsxwriter

    made = []
    real = xlsxwriter.Workbook

    class Recording(real):
        def __init__(self, filename, options=None):
            super().__init__(filename, options)
            made.append(dict(options or {}))

    monkeypatch.setattr(xlsxwriter, "Workbook", Recording)
    _signed(make_project, 2)
    response = login("bureau").get("/lists/signed?format=xlsx")
    assert response.status_code == 200
    assert [options.get("constant_memory") for options in made] == [True]  # rows spill to disk as written
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["Signed 01", "Signed 00"]
