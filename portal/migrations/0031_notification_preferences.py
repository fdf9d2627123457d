"""Notifications beyond problems (portal/notifications): each user's choice of kinds, and the
record of scheduled sends that keeps a daily digest or reminder from going out twice."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class NotificationPreference(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        kind = CharField(max_length=20)
        enabled = BooleanField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'notification_preference'
            indexes = ((('user', 'kind'), True),)

    class NotificationSend(Model):
        kind = CharField(max_length=20)
        subject_id = IntegerField(default=0)
        key = CharField(max_length=20)
        sent_at = DateTimeField()
        count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'notification_send'
            indexes = ((('kind', 'subject_id', 'key'), True),)
    db.create_tables([NotificationPreference, NotificationSend])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('notification_send'))
    migrator.migrate(migrator.drop_table('notification_preference'))
