"""The meeting's index of flags holds the stationed team too.

A county's or a team's meeting (/scheduling) counts and lists the projects flagged yellow or red
that its units are responsible for or sourced as a stationed team. project_flag_counts (0050:
archived, flag, responsible_unit_id, stage) answered the first half and sent every flagged project
of the city to the table for the second; SQLite's planner, which cannot tell how many projects a
county holds, then read the whole table instead: a county's count of flagged projects took 38-49
ms at 100,300 projects, its list 34-37 ms. With the team in the index, 2 and 8-12 ms.
"""
# Frozen: never edit a released migration.

NAME = "project_flag_counts"
BEFORE = ("archived", "flag", "responsible_unit_id", "stage")


def _rebuild(migrator, columns):
    migrator.migrate(migrator.drop_index("project", NAME))
    migrator.migrate(migrator.add_index("project", columns, name=NAME))


def up(migrator, db):
    _rebuild(migrator, BEFORE + ("source_team_id",))


def down(migrator, db):
    _rebuild(migrator, BEFORE)
