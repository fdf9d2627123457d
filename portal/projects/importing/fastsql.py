"""The few statements an import runs once per row, with their SQL written once per pass.

Generating peewee's SQL anew for every row took most of an import's time (10,000 projects
run about 100,000 statements); the statements here are the same for every row, only their
parameters change. Values still go through the model (defaults) and its fields (``db_value``).
"""
from __future__ import annotations

from portal.db import backend, database


def _quote(name: str) -> str:
    return f"{database.quote[0]}{name}{database.quote[1]}"


def _sql(template: str) -> str:
    return template.replace("?", database.param)


class Inserter:
    """``Inserter(Model).insert(**values)`` → the new row's id."""

    def __init__(self, model):
        self.model = model
        self.fields = [f for f in model._meta.sorted_fields if not f.primary_key]
        columns = ", ".join(_quote(f.column_name) for f in self.fields)
        marks = ", ".join([database.param] * len(self.fields))
        self.returning = backend() == "postgresql"
        self.sql = f"INSERT INTO {_quote(model._meta.table_name)} ({columns}) VALUES ({marks})"
        if self.returning:
            self.sql += f" RETURNING {_quote(model._meta.primary_key.column_name)}"

    def insert(self, **values) -> int:
        data = self.model(**values).__data__  # the model's defaults filled in
        cursor = database.execute_sql(self.sql, [f.db_value(data.get(f.name)) for f in self.fields])
        return cursor.fetchone()[0] if self.returning else cursor.lastrowid


class Buffer(Inserter):
    """Rows whose ids nobody needs (history entries, batch items, a new project's stage changes),
    written ``ROWS`` at a time in one multi-row INSERT: on PostgreSQL and MySQL each statement is
    a round trip to the server, and these were three of every four. ``flush()`` before reading them."""

    ROWS = 200  # × the columns stays far below every database's limit of parameters

    def __init__(self, model):
        super().__init__(model)
        self.rows: list = []
        self.row_marks = "(" + ", ".join([database.param] * len(self.fields)) + ")"
        self.head = self.sql.split(" VALUES ")[0]

    def add(self, **values) -> None:
        data = self.model(**values).__data__
        self.rows.append([f.db_value(data.get(f.name)) for f in self.fields])
        if len(self.rows) >= self.ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            sql = f"{self.head} VALUES " + ", ".join([self.row_marks] * len(self.rows))
            database.execute_sql(sql, [value for row in self.rows for value in row])
            self.rows = []


def first_id(template: str, *params) -> int | None:
    """The first column of the first row of a query written with ``?`` placeholders, or None."""
    row = database.execute_sql(_sql(template), params).fetchone()
    return row[0] if row else None


MATCH_BY_CODE = "SELECT id FROM project WHERE code = ? ORDER BY id LIMIT 1"
# "responsible_unit_id + 0": found through the project name's index. Without statistics (a fresh
# instance, rows added in the same import) SQLite chose the unit's index and read every project of
# the unit for each row, so an import of N projects cost N² (10,000 rows: 9 of 10 s of SQL).
MATCH_BY_INVESTOR = ("SELECT p.id FROM project p JOIN enterprise e ON p.enterprise_id = e.id"
                     " WHERE p.name = ? AND p.responsible_unit_id + 0 = ? AND e.name = ? ORDER BY p.id LIMIT 1")
MATCH_WITHOUT_INVESTOR = ("SELECT id FROM project WHERE name = ? AND responsible_unit_id + 0 = ?"
                          " AND enterprise_id IS NULL ORDER BY id LIMIT 1")
ENTERPRISE_BY_CODE = "SELECT id FROM enterprise WHERE credit_code = ?"
ENTERPRISE_BY_NAME = "SELECT id FROM enterprise WHERE name = ? ORDER BY id LIMIT 1"
ENTERPRISE_BY_NAME_AND_CODE = ("SELECT id FROM enterprise WHERE name = ? AND (credit_code IS NULL OR credit_code = ?)"
                               " ORDER BY id LIMIT 1")
