"""A narrow index of the projects' names and the columns a text search tests besides them.

A search for a common word counts its matches up to 1,001 (portal.projects.filters.page_count):
about 18,000 projects tested for 1,001 matches at 100,000. Each was read from the table, 57 columns
wide, where the archived flag lies behind forty others: 10.8 ms on SQLite, 14.7 ms on PostgreSQL.
From this index (the name, the investor and the columns that decide who reads the project or its
investor) the same count reads no table: 3.5–3.9 ms on SQLite, 6.5 ms on PostgreSQL, the same rows.

PostgreSQL: the projects not archived, the other columns INCLUDEd (an index-only scan). SQLite: the
archived flag leads (a partial index is not used for a condition with a bound parameter). MySQL:
none (its searches test every name, portal.projects.masking).
"""
# Frozen: never edit a released migration.
import peewee

NAME = "project_search_names"
#: What a search's condition reads besides the name: the investor, and who may read the project
#: (portal.permissions.visible_condition, sees_investor_condition).
COVERED = ("id", "enterprise_id", "responsible_unit_id", "source_team_id", "is_confidential")


def up(migrator, db):
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(f"CREATE INDEX {NAME} ON project (name) INCLUDE ({', '.join(COVERED)}) WHERE NOT archived")
    elif isinstance(db, peewee.SqliteDatabase):
        # The id is every SQLite index's row id already.
        db.execute_sql(f"CREATE INDEX {NAME} ON project (archived, name, {', '.join(COVERED[1:])})")
    else:
        return
    db.execute_sql("ANALYZE project")


def down(migrator, db):
    if isinstance(db, (peewee.PostgresqlDatabase, peewee.SqliteDatabase)):
        db.execute_sql(f"DROP INDEX IF EXISTS {NAME}")
