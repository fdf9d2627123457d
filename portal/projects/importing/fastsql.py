"""The inserts an import runs for its rows, with their SQL written once per pass and many
rows to a statement.

Generating peewee's SQL anew for every row took most of an import's time, and on a database
server each statement is a round trip; here the SQL is the same for every row, only the
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
        cursor = database.execute_sql(self.sql, self.params(values))
        return cursor.fetchone()[0] if self.returning else cursor.lastrowid

    def params(self, values: dict) -> list:
        data = self.model(**values).__data__  # the model's defaults filled in
        return [f.db_value(data.get(f.name)) for f in self.fields]

    def insert_many(self, rows: list[dict]) -> list[int]:
        """Insert the rows in one statement per ``Buffer.ROWS``; their new ids, in order.

        PostgreSQL returns the ids in the order of the VALUES (Django's bulk_create relies on it
        too). In SQLite a rowid table numbers the rows of one statement one after the other
        (max + 1 each; nothing else writes during a statement), so the last id gives them all.
        MySQL may leave gaps between them (auto-increment lock mode 2): one statement a row."""
        if backend() == "mysql":
            return [self.insert(**values) for values in rows]
        ids: list[int] = []
        head = self.sql.split(" VALUES ")[0]
        marks = "(" + ", ".join([database.param] * len(self.fields)) + ")"
        for start in range(0, len(rows), Buffer.ROWS):
            chunk = rows[start:start + Buffer.ROWS]
            sql = f"{head} VALUES " + ", ".join([marks] * len(chunk))
            params = [value for values in chunk for value in self.params(values)]
            if self.returning:
                sql += f" RETURNING {_quote(self.model._meta.primary_key.column_name)}"
                ids.extend(row[0] for row in database.execute_sql(sql, params).fetchall())
            else:
                last = database.execute_sql(sql, params).lastrowid
                ids.extend(range(last - len(chunk) + 1, last + 1))
        return ids


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
        self.rows.append(self.params(values))
        if len(self.rows) >= self.ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            sql = f"{self.head} VALUES " + ", ".join([self.row_marks] * len(self.rows))
            database.execute_sql(sql, [value for row in self.rows for value in row])
            self.rows = []
