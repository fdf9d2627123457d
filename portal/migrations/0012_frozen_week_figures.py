"""Everything a frozen week's meeting page shows, stored when the week is frozen.

- week_unit_figures: per unit, the active projects, projects reported, reported on time and
  stage advances of the week (before: counted from today's reports and stage changes, so a
  back-dated stage change altered a frozen week);
- week_new_in_list: the projects that entered each list in the week, with their unit and date
  (before: read from today's stage dates);
- flag_snapshot.reported: whether the project had a progress report for the week (the
  "reports missing" list);
- week_freeze.report_deadline: the deadline the week was judged by; week_freeze.figures_frozen_at:
  when the above were stored.

Weeks frozen before this migration keep figures_frozen_at null here; `portal db upgrade` then
stores their figures from the data as it stands at the upgrade (portal.scheduling.snapshots.
freeze_missing_figures), the best record left of them.
"""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class Project(Model):
        class Meta:
            database = db
            table_name = 'project'

    class WeekUnitFigures(Model):
        week = CharField(max_length=8)
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        projects = IntegerField(default=0)
        reported = IntegerField(default=0)
        on_time = IntegerField(default=0)
        advances = IntegerField(default=0)

        class Meta:
            database = db
            table_name = 'week_unit_figures'
            indexes = ((('week', 'unit'), True),)

    class WeekNewInList(Model):
        week = CharField(max_length=8)
        list_name = CharField(max_length=20)
        project = ForeignKeyField(Project, on_delete='CASCADE')
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        on_date = DateField()

        class Meta:
            database = db
            table_name = 'week_new_in_list'
            indexes = ((('week', 'list_name', 'project'), True),)

    db.create_tables([WeekUnitFigures, WeekNewInList])
    migrator.migrate(
        migrator.add_column('week_freeze', 'figures_frozen_at', DateTimeField(null=True)),
        migrator.add_column('week_freeze', 'report_deadline', DateTimeField(null=True)),
        migrator.add_column('flag_snapshot', 'reported', BooleanField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('flag_snapshot', 'reported'),
        migrator.drop_column('week_freeze', 'report_deadline'),
        migrator.drop_column('week_freeze', 'figures_frozen_at'),
    )
    for table in ('week_new_in_list', 'week_unit_figures'):
        migrator.migrate(migrator.drop_table(table))
