"""The one database proxy every model binds to, filled from PORTAL_DATABASE_URL.

SQLite (the embedded default) runs in WAL mode with foreign keys on, a busy
timeout and IMMEDIATE write transactions, so several server processes can
write without "database is locked". Every backend uses a pool: a request takes a
connection in its before-request hook and gives it back in teardown, so the pragmas (SQLite)
or the login (servers) cost once per connection, not once per request (a profile of /healthz
put most of a request's time in opening a connection and setting its pragmas).
"""
import contextlib
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from flask import g
from playhouse.pool import PooledMySQLDatabase, PooledPostgresqlDatabase, PooledSqliteDatabase

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    # 8 MB of pages per connection (a process holds up to one per thread): with 32 MB a serving
    # process stood at 165-195 MB after eight clients exported 11,000-row lists, 118 MB with 8, and
    # its pages took as long (the file's pages stay in the OS's cache). bench/README.md.
    "cache_size": -8000,
}


class BaseModel(peewee.Model):
    """Base of every model: bound to the proxy, tables named after the class in snake case."""

    class Meta:
        database = database
        legacy_table_names = False


def make_database(url: str) -> peewee.Database:
    """Open (lazily) the database a URL names: sqlite:///path, postgresql://, mysql://."""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if scheme == "sqlite":
        # sqlite:///relative/file.db and sqlite:////absolute/file.db, as in SQLAlchemy.
        path = unquote(url.split("://", 1)[1].split("?", 1)[0])[1:]
        # A pooled connection keeps its pragmas; stale_timeout recycles idle ones. It serves one request
        # (one thread) at a time but not always the same thread, hence check_same_thread off. Each
        # server process builds its own app (and pool) after the fork: no connection crosses processes.
        return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=15,
                                    check_same_thread=False,
                                    max_connections=int(options.pop("max_connections", 32)), stale_timeout=300)
    connect = dict(
        host=parsed.hostname or "localhost",
        user=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
    )
    if parsed.port:
        connect["port"] = parsed.port
    name = parsed.path.lstrip("/")
    connect = {k: v for k, v in connect.items() if v is not None}
    if scheme in ("postgres", "postgresql"):
        if "schema" in options:  # tests run each suite in a schema of its own
            connect["options"] = f"-c search_path={options.pop('schema')}"
        return PooledPostgresqlDatabase(
            name, max_connections=int(options.pop("max_connections", 20)), stale_timeout=300,
            **connect, **options
        )
    if scheme in ("mysql", "mariadb"):
        return PooledMySQLDatabase(
            name, max_connections=int(options.pop("max_connections", 20)), stale_timeout=300,
            charset="utf8mb4", **connect, **options
        )
    raise ValueError(f"Unsupported database URL scheme {parsed.scheme!r}: use sqlite, postgresql or mysql.")


def init_app(app) -> None:
    """Bind the proxy to the configured database; take a pooled connection per request, give it back in
    teardown."""
    db = make_database(app.config["DATABASE_URL"])
    database.initialize(db)
    app.extensions["portal_db"] = db

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)
        g.db_connected = True

    @app.teardown_appcontext
    def _close(exc):
        if g.pop("db_connected", False) and not database.is_closed():
            database.close()


def close_pool() -> None:
    """Close every idle pooled connection. A command that ends (or a test that copies the SQLite
    file) calls it: closing the last connection folds the WAL back into the database file."""
    if not database.is_closed():
        database.close()
    if hasattr(database.obj, "close_idle"):
        database.obj.close_idle()


def count_up_to(query, cap: int) -> int:
    """How many rows ``query`` yields, counted no further than ``cap + 1`` (the database stops reading
    there): a result above ``cap`` means "more than ``cap``". The query's ORDER BY is kept, and with it
    the index the database walks (peewee's ``count()`` drops it)."""
    capped = query.limit(cap + 1).alias("capped")
    return peewee.Select([capped], [peewee.fn.COUNT(peewee.SQL("*"))]).scalar(database) or 0


class AnalyzeAsItGrows:
    """Keeps the query planner's statistics up with tables a bulk load is filling: ``grew(rows)``
    calls ``analyze`` once the rows loaded reach ``first``, then ``factor`` times that, and so on (a
    few ANALYZEs in all). Otherwise the planner keeps planning for the nearly empty tables it last
    saw: ``portal seed`` took 623 s for 100,000 projects on PostgreSQL, and an import checked every
    foreign key by reading the whole table (PostgreSQL makes that plan once per connection)."""

    def __init__(self, analyze, first: int, factor: int):
        self.analyze, self.next, self.factor = analyze, first, factor

    def grew(self, rows: int) -> None:
        if rows < self.next:
            return
        while self.next <= rows:
            self.next *= self.factor
        self.analyze()


@contextlib.contextmanager
def refusal_spoils_nothing():
    """Run a statement the database may refuse (a plugin's query) so that a refusal spoils nothing
    else: inside a transaction, in a savepoint (PostgreSQL refuses every later statement of a
    transaction after an error); outside one, as it is (each statement commits on its own, and a
    BEGIN and COMMIT would cost two round trips on every page)."""
    if database.in_transaction():
        with database.atomic():
            yield
    else:
        yield


def backend() -> str:
    """The connected database's kind, for the few places whose SQL differs: "postgresql",
    "mysql" (MariaDB too) or "sqlite"."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return "postgresql"
    if isinstance(database.obj, peewee.MySQLDatabase):
        return "mysql"
    return "sqlite"


def not_by_index(column):
    """``column`` in an ORDER BY or GROUP BY that SQLite must not satisfy by walking an index in that order
    (its documented unary +): for a user whose units hold few projects the walk tested every project of
    the city to find theirs, where finding them by the filters and sorting them is quick. SQLite keeps no
    statistics of single values in its common builds, so it cannot tell. Other engines: ``column``."""
    return peewee.NodeList((peewee.SQL("+"), column), glue="") if backend() == "sqlite" else column


def keeps_figure_triggers() -> bool:
    """Does the database keep the figures' own tally and copies with triggers (migrations 0051 and
    0052)? SQLite and PostgreSQL. MySQL/MariaDB do not: creating triggers needs privileges a
    portal account often lacks (TRIGGER, and SUPER where binary logging is on)."""
    return backend() in ("sqlite", "postgresql")


def vacuum_after_rewrite(*tables: str) -> None:
    """After a statement run rewrote many rows of ``tables`` (outside any transaction): on
    PostgreSQL, VACUUM ANALYZE them. Each rewritten row leaves a dead copy and clears its page's
    all-visible mark, so the lists' and figures' index-only scans read the table again until
    autovacuum comes by: all projects at 100,000 took 102 ms instead of 33 on a server with
    autovacuum off (2 s of VACUUM). SQLite and MySQL update rows in place; nothing to do."""
    if backend() != "postgresql" or database.in_transaction():  # VACUUM cannot run in one: autovacuum will
        return
    for table in tables:
        database.execute_sql(f'VACUUM ANALYZE "{table}"')
