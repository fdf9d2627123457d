"""Indexes that give the meeting's two lists (/scheduling) a unit's projects in name order.

The meeting reads its red and yellow projects and its missing reports unit by unit, each unit's
rows ordered by name (``portal.scheduling.meeting_lists``). Without an index in that order the
database read every project of the unit and sorted them for a page of 50: at 100,300 projects the
largest county's missing reports (8,477 of its 10,072 projects) took 11-15 ms on SQLite for the
first page, its yellow projects 11 ms (sqlite3 alone: 0.5 and 0.2 ms from these indexes), and
PostgreSQL took 3.8 ms for the yellow ones (0.16 ms). The cost now follows the page shown, not
the size of the unit.

- ``project_meeting_flagged`` (flag, unit, name, id): a flag's projects of a unit, in order.
- ``project_meeting_missing`` (unit, name, id), not on PostgreSQL: its planner reads the unit's
  projects by their bitmap and sorts them where a page lies deep in the list, and walks the
  index of names for the first pages, so it would not use the index.

SQLite needs statistics for a new index at once: where the other indexes have theirs (an ANALYZE
by the seed or an import), it takes a new index without any as the most selective, and read the
week's new signings through the unit index instead of the date's (the meeting: 40 -> 440 ms at 100,300
projects). ``ANALYZE project`` took 0.3 s there.
"""
# Frozen: never edit a released migration.
import peewee

FLAGGED = "project_meeting_flagged"
MISSING = "project_meeting_missing"


def up(migrator, db):
    migrator.migrate(migrator.add_index("project", ("flag", "responsible_unit_id", "name", "id"), name=FLAGGED))
    if not isinstance(db, peewee.PostgresqlDatabase):
        migrator.migrate(migrator.add_index("project", ("responsible_unit_id", "name", "id"), name=MISSING))
    if isinstance(db, peewee.SqliteDatabase):
        db.execute_sql("ANALYZE project")


def down(migrator, db):
    if not isinstance(db, peewee.PostgresqlDatabase):
        migrator.migrate(migrator.drop_index("project", MISSING))
    migrator.migrate(migrator.drop_index("project", FLAGGED))
