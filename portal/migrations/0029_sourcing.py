"""Sourcing: contacts with investors, promotion events, their units and their projects."""
# Frozen copies of the models as of this migration: never edit a released migration.
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

    class Enterprise(Model):
        class Meta:
            database = db
            table_name = 'enterprise'

    class Project(Model):
        class Meta:
            database = db
            table_name = 'project'

    class Contact(Model):
        enterprise = ForeignKeyField(Enterprise, on_delete='CASCADE')
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        project = ForeignKeyField(Project, null=True, on_delete='SET NULL')
        kind = CharField(max_length=20)
        happened_on = DateField()
        participants = CharField(max_length=200, default='')
        place = CharField(max_length=100, default='')
        summary = TextField()
        next_step = TextField(default='')
        by = ForeignKeyField(User, on_delete='RESTRICT')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'contact'
            indexes = ((('enterprise', 'happened_on'), False), (('unit', 'happened_on'), False),
                       (('project', 'happened_on'), False))

    class PromotionEvent(Model):
        name = CharField(max_length=200)
        kind = CharField(max_length=20)
        city = CharField(max_length=50, default='')
        starts_on = DateField()
        ends_on = DateField()
        organiser = CharField(max_length=200, default='')
        leaders = CharField(max_length=200, default='')
        note = TextField(default='')
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, on_delete='RESTRICT')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'promotion_event'
            indexes = ((('starts_on',), False),)

    class EventUnit(Model):
        event = ForeignKeyField(PromotionEvent, on_delete='CASCADE')
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'event_unit'
            indexes = ((('event', 'unit'), True),)

    class EventProject(Model):
        event = ForeignKeyField(PromotionEvent, on_delete='CASCADE')
        project = ForeignKeyField(Project, on_delete='CASCADE')
        role = CharField(max_length=10, default='signed')
        by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'event_project'
            indexes = ((('event', 'project'), True),)

    db.create_tables([Contact, PromotionEvent, EventUnit, EventProject])


def down(migrator, db):
    for table in ('event_project', 'event_unit', 'promotion_event', 'contact'):
        migrator.migrate(migrator.drop_table(table))
