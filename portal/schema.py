"""Versioned schema migrations (playhouse.migrations), and the start-up version check.

Each file in portal/migrations/ is a numbered, frozen migration. The schema
version of a database is the number of the newest migration applied to it.
"""
from dataclasses import dataclass
from functools import cache

import peewee
from playhouse.migrations import Migration, Runner

from portal.db import database
from portal.paths import MIGRATIONS_DIR

HISTORY_TABLE = "schema_migration"


class SchemaTooNewError(RuntimeError):
    """The database was upgraded by a newer portal than this one."""


@dataclass
class SchemaStatus:
    current: int  # newest migration applied (0: empty database)
    expected: int  # newest migration this portal ships
    unknown: list  # applied migrations this portal does not know: the database is newer

    @property
    def ok(self) -> bool:
        return self.current == self.expected and not self.unknown

    @property
    def needs_upgrade(self) -> bool:
        return not self.unknown and self.current < self.expected


def _runner() -> Runner:
    return Runner(database.obj, directory=str(MIGRATIONS_DIR), table_name=HISTORY_TABLE)


def _applied() -> set[str]:
    """The names of the migrations applied, read as plain rows: playhouse's ``Runner.applied``
    builds a model class and a model object per row, most of /healthz's time. (Nothing is kept
    between calls: a runner kept per database kept every test's database and its connections.)"""
    if not database.table_exists(HISTORY_TABLE):
        return set()
    history = peewee.Table(HISTORY_TABLE, ("name",))
    return {name for (name,) in history.select(history.name).bind(database).tuples()}


@cache
def _shipped() -> tuple[Migration, ...]:
    # The migrations ship with the code: a running process never sees the folder change, so it is
    # read once per process (/healthz read it on every call). What is applied lives in the database.
    return tuple(Migration.load_directory(str(MIGRATIONS_DIR)))


def known_migrations() -> list[Migration]:
    return list(_shipped())


def status() -> SchemaStatus:
    known = {m.name: m.idx for m in known_migrations()}
    applied = _applied()
    unknown = sorted(name for name in applied if name not in known)
    current = max([known[n] for n in applied if n in known] + [0])
    if unknown:
        current = max(current, *(int(n.split("_")[0]) for n in unknown if n.split("_")[0].isdigit()))
    return SchemaStatus(current=current, expected=max(known.values(), default=0), unknown=unknown)


def check_not_newer() -> SchemaStatus:
    """Refuse to run on a database that a newer portal has upgraded."""
    st = status()
    if st.unknown:
        raise SchemaTooNewError(
            f"The database has schema version {st.current}, newer than this portal "
            f"(version {st.expected}; unknown migrations: {', '.join(st.unknown)}). "
            "Install the newer portal release, or restore a backup made for this one."
        )
    return st


def upgrade() -> list[str]:
    """Apply every pending migration in order; return the names applied."""
    check_not_newer()
    return _runner().up()
