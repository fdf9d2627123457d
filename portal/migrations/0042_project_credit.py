"""Credit shares per project (portal.credit): the host unit and referring parties with their
shares in whole percent, for projects whose shares the bureau set."""
# Frozen copies of the models as of this migration: never edit a released migration.
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

    class ProjectCredit(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        kind = CharField(max_length=10)
        unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        name = CharField(max_length=200, default='')
        share = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'project_credit'
            indexes = ((('project', 'unit'), False), (('unit', 'project', 'share'), False))

    db.create_tables([ProjectCredit])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('project_credit'))
