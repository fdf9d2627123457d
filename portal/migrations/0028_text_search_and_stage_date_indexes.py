"""Text search with the database's own index (the list search scanned every project and investor).

SQLite: an FTS5 table with the trigram tokenizer over project.name and one over enterprise.name
(external content: the index only, the text stays in the tables), kept in step by triggers, so
every path that writes names (forms, import, seed, SQL) updates it. A search of three characters
or more reads the index (portal.projects.masking.contains); shorter ones keep LIKE.

PostgreSQL: pg_trgm GIN indexes on both names; ILIKE uses them as it is. Where the extension
cannot be created (no privilege), the search keeps working without the index (a warning says so).

MySQL/MariaDB: no index (InnoDB's full-text search finds words, not substrings); LIKE as before.

Also, on every database, an index on each stage date the meeting's "new in the lists this week"
reads by range (negotiation, start, completion, production; signing and clue dates have one):
without them each list scanned every project.
"""
# Frozen: never edit a released migration.
import logging

import peewee

log = logging.getLogger(__name__)

#: (FTS table, content table) pairs, each over the content table's ``name``.
SQLITE_INDEXES = (("project_name_fts", "project"), ("enterprise_name_fts", "enterprise"))


def _sqlite(db):
    for fts, table in SQLITE_INDEXES:
        db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
                       f"name, content='{table}', content_rowid='id', tokenize='trigram')")
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
                       f"INSERT INTO {fts}(rowid, name) VALUES (new.id, new.name); END")
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
                       f"INSERT INTO {fts}({fts}, rowid, name) VALUES ('delete', old.id, old.name); END")
        # Only a changed name touches the index: saving a form unchanged writes nothing.
        db.execute_sql(f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF name ON {table} "
                       f"WHEN old.name IS NOT new.name BEGIN "
                       f"INSERT INTO {fts}({fts}, rowid, name) VALUES ('delete', old.id, old.name); "
                       f"INSERT INTO {fts}(rowid, name) VALUES (new.id, new.name); END")
        db.execute_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _postgresql(db):
    # In public where allowed (a schema dropped later would take the extension and its indexes
    # with it), else where the database puts extensions.
    for statement in ("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", "CREATE EXTENSION IF NOT EXISTS pg_trgm"):
        try:
            with db.atomic():  # a savepoint: a refused extension must not abort the upgrade
                db.execute_sql(statement)
            break
        except peewee.DatabaseError as exc:
            error = exc
    else:
        log.warning("pg_trgm could not be created (%s): text search works, without an index", error)
        return
    schema = db.execute_sql("SELECT extnamespace::regnamespace::text FROM pg_extension"
                            " WHERE extname = 'pg_trgm'").fetchone()[0]
    for table in ("project", "enterprise"):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_name_trgm ON "{table}" '
                       f"USING gin (name {schema}.gin_trgm_ops)")


STAGE_DATE_COLUMNS = ("negotiating_on", "started_on", "completed_on", "production_on")


def up(migrator, db):
    migrator.migrate(*(migrator.add_index("project", (column,)) for column in STAGE_DATE_COLUMNS))
    if isinstance(db, peewee.SqliteDatabase):
        _sqlite(db)
    elif isinstance(db, peewee.PostgresqlDatabase):
        _postgresql(db)
    # Statistics for the new indexes: without them SQLite's planner prefers an index led by
    # "archived" (equality) over a stage date's range, and reads every project.
    if not isinstance(db, peewee.MySQLDatabase):
        db.execute_sql("ANALYZE project")


def down(migrator, db):
    migrator.migrate(*(migrator.drop_index("project", f"project_{column}") for column in STAGE_DATE_COLUMNS))
    if isinstance(db, peewee.SqliteDatabase):
        for fts, _table in SQLITE_INDEXES:
            for suffix in ("ai", "ad", "au"):
                db.execute_sql(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            db.execute_sql(f"DROP TABLE IF EXISTS {fts}")
    elif isinstance(db, peewee.PostgresqlDatabase):
        for table in ("project", "enterprise"):
            db.execute_sql(f"DROP INDEX IF EXISTS {table}_name_trgm")
