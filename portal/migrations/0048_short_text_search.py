"""Text search of one or two characters through an index (科技, 新能, 光伏: most searches in Chinese).

Migration 0028's trigram indexes need three characters; a shorter search read every project's
and investor's name. Here each name's character pairs (and, for a one-character search, its
single characters) are indexed; the same LIKE/ILIKE as before still decides every match
(portal.projects.masking), so the results stay exactly LIKE's.

SQLite: a table per name, ``project_name_gram`` and ``enterprise_name_gram`` (gram, id): every
substring of two characters of the name lower-cased as LIKE compares (SQLite's lower() folds
ASCII only, as its LIKE), and the last character alone, so that the pairs beginning with a
character are every place it occurs. A B-tree (WITHOUT ROWID): ``gram = 'xy'`` finds a pair,
``gram BETWEEN 'x' AND 'x' || char(1114111)`` a character. Triggers written in plain SQL (no
application function) keep it in step, so any client writing the file (sqlite3, an import in SQL)
keeps it right; the rows already there are added here.

PostgreSQL: a GIN expression index on ``portal_name_grams(name)`` (an IMMUTABLE function: the
lower-cased name's characters and pairs of characters, text[]), queried with ``@>`` with
``portal_search_grams(text)`` (the text's pairs, or its one character); PostgreSQL keeps an
expression index on every write. ANALYZE gives the planner each pair's frequency, which the
search reads to choose between looking the matches up and reading the list in its order.

MySQL/MariaDB: nothing (a search reads every name, as before).
"""
# Frozen: never edit a released migration.
import peewee

#: (gram table, content table, id column), each over the content table's ``name``.
SQLITE_TABLES = (("project_name_gram", "project", "project_id"),
                 ("enterprise_name_gram", "enterprise", "enterprise_id"))


def _grams(name: str, also: str = "") -> str:
    """SQLite: the grams of the name expression ``name``, a SELECT of one row a gram (and ``also``):
    from each character, it and the next one lower-cased; the last character alone."""
    return (f"SELECT DISTINCT substr(lower({name}), n, 2){also} FROM (WITH RECURSIVE s(n) AS (SELECT 1 "
            f"UNION ALL SELECT n + 1 FROM s WHERE n < length({name})) SELECT n FROM s) WHERE n <= length({name})")


def _sqlite(db):
    for grams, table, column in SQLITE_TABLES:
        db.execute_sql(f'CREATE TABLE IF NOT EXISTS "{grams}" (gram TEXT NOT NULL, {column} INTEGER NOT NULL, '
                       f"PRIMARY KEY (gram, {column})) WITHOUT ROWID")
        insert = f'INSERT OR IGNORE INTO "{grams}" (gram, {column}) {_grams("new.name", ", new.id")}'
        # The old name's grams, found by the primary key (no index on the id column needed).
        delete = f'DELETE FROM "{grams}" WHERE {column} = old.id AND gram IN ({_grams("old.name")})'
        db.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{grams}_ai" AFTER INSERT ON "{table}" BEGIN {insert}; END')
        db.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{grams}_ad" AFTER DELETE ON "{table}" BEGIN {delete}; END')
        # Only a changed name (or id) touches the index: saving a form unchanged writes nothing.
        db.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{grams}_au" AFTER UPDATE OF name, id ON "{table}" '
                       f"WHEN old.name IS NOT new.name OR old.id IS NOT new.id BEGIN {delete}; {insert}; END")
        longest = db.execute_sql(f'SELECT max(length(name)) FROM "{table}"').fetchone()[0] or 0
        db.execute_sql(
            f'INSERT OR IGNORE INTO "{grams}" (gram, {column}) SELECT substr(lower(t.name), s.n, 2), t.id '
            f'FROM "{table}" AS t JOIN (WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s '
            f"WHERE n < ?) SELECT n FROM s) AS s ON s.n <= length(t.name)", (longest,))
        db.execute_sql(f'ANALYZE "{grams}"')


#: PostgreSQL functions. Plain loops in PL/pgSQL (about three times faster than the same in SQL
#: with generate_series and array_agg); lower() is ILIKE's own folding (it lower-cases both sides).
POSTGRESQL_FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION portal_name_grams(name text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE s text := lower(name); grams text[] := '{}'; i int;
    BEGIN
      FOR i IN 1..length(s) LOOP grams := grams || substr(s, i, 1) || substr(s, i, 2); END LOOP;
      RETURN grams;
    END $$""",
    """CREATE OR REPLACE FUNCTION portal_search_grams(text text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE s text := lower(text); grams text[] := '{}'; i int;
    BEGIN
      IF length(s) = 1 THEN RETURN ARRAY[s]; END IF;
      FOR i IN 1..length(s) - 1 LOOP grams := grams || substr(s, i, 2); END LOOP;
      RETURN grams;
    END $$""",
)


def _postgresql(db):
    for statement in POSTGRESQL_FUNCTIONS:
        db.execute_sql(statement)
    for table in ("project", "enterprise"):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_name_grams ON "{table}" '
                       "USING gin (portal_name_grams(name))")
        db.execute_sql(f'ANALYZE "{table}"')  # the pairs' frequencies (statistics of the expression)


def up(migrator, db):
    if isinstance(db, peewee.SqliteDatabase):
        _sqlite(db)
    elif isinstance(db, peewee.PostgresqlDatabase):
        _postgresql(db)


def down(migrator, db):
    if isinstance(db, peewee.SqliteDatabase):
        for grams, _table, _column in SQLITE_TABLES:
            for suffix in ("ai", "ad", "au"):
                db.execute_sql(f'DROP TRIGGER IF EXISTS "{grams}_{suffix}"')
            db.execute_sql(f'DROP TABLE IF EXISTS "{grams}"')
    elif isinstance(db, peewee.PostgresqlDatabase):
        for table in ("project", "enterprise"):
            db.execute_sql(f"DROP INDEX IF EXISTS {table}_name_grams")
        db.execute_sql("DROP FUNCTION IF EXISTS portal_name_grams(text)")
        db.execute_sql("DROP FUNCTION IF EXISTS portal_search_grams(text)")
