"""PostgreSQL: the lists' date indexes hold undated projects first, so the lists sort as on SQLite.

SQLite and MySQL take NULL as the smallest value, PostgreSQL as the largest: the lists (newest
first) showed the projects without a date at the top on PostgreSQL and at the bottom elsewhere.
The lists now ask PostgreSQL for NULLS LAST when the newest come first and NULLS FIRST when the
oldest do (portal.projects.filters.ListFilters.order_by). An index in that order serves both
(walked backwards for the newest): migration 0047's stage-list indexes are rebuilt with NULLS
FIRST, and the list of all projects (by clue date) gets one. Without them PostgreSQL sorted every
project of a list for its first page (all projects at 100,000: 20 → 89 ms).
"""
# Frozen: never edit a released migration.
import peewee

#: (index, date column, the list's condition): the lists of portal.projects.filters.LISTS.
LIST_INDEXES = (
    ("project_all_list", "clue_on", "NOT archived"),
    ("project_clue_list", "clue_on", "stage IN ('clue', 'negotiating') AND NOT archived"),
    ("project_signed_list", "signed_on", "stage = 'signed' AND NOT archived"),
    ("project_landed_list", "started_on", "stage IN ('started', 'completed') AND NOT archived"),
    ("project_production_list", "production_on", "stage = 'production' AND NOT archived"),
)


def _create(db, nulls: str) -> None:
    for name, column, where in LIST_INDEXES:
        db.execute_sql(f"DROP INDEX IF EXISTS {name}")
        if name == "project_all_list" and not nulls:
            continue  # 0047 had none for all projects
        db.execute_sql(f"CREATE INDEX {name} ON project ({column}{nulls}) WHERE {where}")
    db.execute_sql("ANALYZE project")


def up(migrator, db):
    if isinstance(db, peewee.PostgresqlDatabase):
        _create(db, " NULLS FIRST")


def down(migrator, db):
    if isinstance(db, peewee.PostgresqlDatabase):
        _create(db, "")
