"""Server-side sessions (logout ends a session for good; absolute and idle lifetimes) and the
sign-in log: sign-ins, failed sign-ins, lockouts, password changes and session ends."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class UserSession(Model):
        token_hash = CharField(max_length=64, unique=True)
        user = ForeignKeyField(User, on_delete='CASCADE')
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        end_reason = CharField(max_length=16, default='')
        source_address = CharField(max_length=45, default='')
        user_agent = CharField(max_length=255, default='')
        class Meta:
            database = db
            table_name = 'user_session'
            indexes = ((('user', 'ended_at'), False),)

    class SignInEvent(Model):
        at = DateTimeField(index=True)
        kind = CharField(max_length=24)
        user = ForeignKeyField(User, null=True, on_delete='CASCADE')
        username = CharField(max_length=64, default='')
        detail = CharField(max_length=32, default='')
        source_address = CharField(max_length=45, default='')
        user_agent = CharField(max_length=255, default='')
        class Meta:
            database = db
            table_name = 'sign_in_event'
            indexes = ((('user', 'at'), False),)

    db.create_tables([UserSession, SignInEvent])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('sign_in_event'))
    migrator.migrate(migrator.drop_table('user_session'))
