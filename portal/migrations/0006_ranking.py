"""Assessment and ranking: unit targets per year and figure, and the Top ten projects selection."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
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

    class UnitTarget(Model):
        year = IntegerField()
        unit = ForeignKeyField(Unit, on_delete='CASCADE')
        figure = CharField(max_length=40)
        value = DecimalField(max_digits=16, decimal_places=2)
        updated_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'unit_target'
            indexes = ((('year', 'unit', 'figure'), True),)
    db.create_tables([UnitTarget])

    class TopTenSelection(Model):
        year = IntegerField()
        project = ForeignKeyField(Project, on_delete='CASCADE')
        rank = IntegerField()
        reason = TextField(default='')
        by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'top_ten_selection'
            indexes = ((('year', 'project'), True), (('year', 'rank'), True))
    db.create_tables([TopTenSelection])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('top_ten_selection'))
    migrator.migrate(migrator.drop_table('unit_target'))
