"""Weekly scheduling: progress reports, milestones, week freezes and the weekly snapshots."""
# Written from the models in portal/models/scheduling.py, then frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    # Existing tables, declared only as far as the foreign keys need them.
    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Project(Model):
        class Meta:
            database = db
            table_name = 'project'

    class ProgressReport(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        week = CharField(max_length=8)
        happened = TextField(default='')
        next_steps = TextField(default='')
        percent_complete = IntegerField(null=True)
        author = ForeignKeyField(User, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'progress_report'
            indexes = ((('project', 'week'), False), (('week', 'created_at'), False))

    class Milestone(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        title = CharField(max_length=200)
        planned_on = DateField()
        actual_on = DateField(null=True)
        responsible_unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'milestone'
            indexes = ((('project', 'planned_on'), False),)

    class WeekFreeze(Model):
        week = CharField(max_length=8, unique=True)
        frozen_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'week_freeze'

    class FlagSnapshot(Model):
        week = CharField(max_length=8)
        project = ForeignKeyField(Project, on_delete='CASCADE')
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        stage = CharField(max_length=20, default='')
        flag = CharField(max_length=10)
        reasons = TextField(null=True)
        class Meta:
            database = db
            table_name = 'flag_snapshot'
            indexes = ((('week', 'project'), True), (('week', 'unit', 'flag'), False))

    class ListCountSnapshot(Model):
        week = CharField(max_length=8)
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        list_name = CharField(max_length=20)
        count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'list_count_snapshot'
            indexes = ((('week', 'unit', 'list_name'), True),)

    class UnitWeekFlag(Model):
        week = CharField(max_length=8)
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        flag = CharField(max_length=10)
        reasons = TextField(null=True)
        class Meta:
            database = db
            table_name = 'unit_week_flag'
            indexes = ((('week', 'unit'), True),)

    db.create_tables([ProgressReport, Milestone, WeekFreeze, FlagSnapshot, ListCountSnapshot, UnitWeekFlag])


def down(migrator, db):
    for table in ('unit_week_flag', 'list_count_snapshot', 'flag_snapshot', 'week_freeze', 'milestone',
                  'progress_report'):
        migrator.migrate(migrator.drop_table(table))
