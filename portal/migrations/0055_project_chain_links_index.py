"""An index of the projects' industry chain links, for the chains page (/chains).

The page marks each link of each industry that no signed (or later) project fills, and counts each
industry's projects. Both counts read every project from the 58 columns' table: at 100,300
projects 152 and 113 ms on SQLite (cold), about 200 ms a page. From this index, which holds what
the counts group and filter by, 27 and 18 ms.
"""
# Frozen: never edit a released migration.
import peewee

NAME = "project_chain_links"
COLUMNS = ("archived", "industry_code", "chain_link_code", "stage")


def up(migrator, db):
    migrator.migrate(migrator.add_index("project", COLUMNS, name=NAME))
    if isinstance(db, (peewee.PostgresqlDatabase, peewee.SqliteDatabase)):
        db.execute_sql("ANALYZE project")


def down(migrator, db):
    migrator.migrate(migrator.drop_index("project", NAME))
