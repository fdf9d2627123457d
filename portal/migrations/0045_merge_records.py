"""Merging duplicate investors and projects (portal/merging): one row per merge with what moved."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class MergeRecord(Model):
        entity = CharField(max_length=10)
        survivor_id = IntegerField()
        duplicate_id = IntegerField()
        duplicate_name = CharField(max_length=200)
        duplicate = TextField(null=True)
        moved = TextField(null=True)
        by = ForeignKeyField(User, on_delete='RESTRICT', backref='+')
        at = DateTimeField()
        undone_by = ForeignKeyField(User, null=True, on_delete='RESTRICT', backref='+')
        undone_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'merge_record'
            indexes = ((('entity', 'survivor_id'), False), (('entity', 'duplicate_id'), False))
    db.create_tables([MergeRecord])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('merge_record'))
