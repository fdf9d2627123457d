"""Stationed teams' quotas (new clues and visits per week or month) and the regions each covers
with an annual plan (the "merchants map")."""
# Frozen copies of the models as of this migration: never edit a released migration.
from peewee import *


def up(migrator, db):
    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class TeamQuota(Model):
        team = ForeignKeyField(Unit, on_delete='CASCADE')
        metric = CharField(max_length=10)
        span = CharField(max_length=10)
        target = IntegerField()
        class Meta:
            database = db
            table_name = 'team_quota'
            indexes = ((('team', 'metric'), True),)

    class TeamRegion(Model):
        team = ForeignKeyField(Unit, on_delete='CASCADE')
        year = IntegerField()
        region = CharField(max_length=100)
        plan = TextField(default='')
        class Meta:
            database = db
            table_name = 'team_region'
            indexes = ((('team', 'year', 'region'), True),)

    db.create_tables([TeamQuota, TeamRegion])


def down(migrator, db):
    for table in ('team_region', 'team_quota'):
        migrator.migrate(migrator.drop_table(table))
