"""PostgreSQL: an index per stage list on its date, holding only that list's projects.

A list is ordered by its date, newest first (portal.projects.filters: the signed list by
``signed_on`` …). PostgreSQL sorts NULL after every value, so walking the plain date index
backwards for the newest signings first passes every project that has no signing date: at
100,000 projects the signed list of a county read about 48,000 rows for its 50 (bench/README.md).
An index of the list's own projects (its stages, not archived) holds few undated rows. SQLite
and MySQL sort NULL first, so their backward walk meets the dated rows at once: nothing to add.
"""
# Frozen: never edit a released migration.
import peewee

#: (index, date column, the list's stages): the stage lists of portal.projects.filters.LISTS.
LIST_INDEXES = (
    ("project_clue_list", "clue_on", ("clue", "negotiating")),
    ("project_signed_list", "signed_on", ("signed",)),
    ("project_landed_list", "started_on", ("started", "completed")),
    ("project_production_list", "production_on", ("production",)),
)


def up(migrator, db):
    if not isinstance(db, peewee.PostgresqlDatabase):
        return
    for name, column, stages in LIST_INDEXES:
        stage = (f"stage = '{stages[0]}'" if len(stages) == 1
                 else "stage IN (" + ", ".join(f"'{s}'" for s in stages) + ")")
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON project ({column}) WHERE {stage} AND NOT archived")
    db.execute_sql("ANALYZE project")


def down(migrator, db):
    if isinstance(db, peewee.PostgresqlDatabase):
        for name, _column, _stages in LIST_INDEXES:
            db.execute_sql(f"DROP INDEX IF EXISTS {name}")
