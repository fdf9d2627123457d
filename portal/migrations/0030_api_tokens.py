"""API tokens (portal/api): stored as SHA-256 hashes, with expiry, read-only flag, last use and the
per-token rate-limit counter; the audit log notes the token a change came through."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ApiToken(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        name = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        prefix = CharField(max_length=16)
        read_only = BooleanField(default=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        revoked_by = ForeignKeyField(User, null=True, on_delete='SET NULL', backref='+')
        rate_window = BigIntegerField(null=True)
        rate_count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'api_token'
            indexes = ((('user', 'revoked_at'), False),)
    db.create_tables([ApiToken])
    migrator.migrate(migrator.add_column('audit_log', 'api_token_id', IntegerField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('audit_log', 'api_token_id'))
    migrator.migrate(migrator.drop_table('api_token'))
