"""Two-factor login (TOTP): a user's secret, when it was enabled, the last time step used (a code
is never accepted twice), and one-time recovery codes stored hashed."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    migrator.migrate(
        migrator.add_column('user', 'totp_secret', CharField(max_length=64, null=True)),
        migrator.add_column('user', 'totp_enabled_at', DateTimeField(null=True)),
        migrator.add_column('user', 'totp_last_step', BigIntegerField(null=True)),
    )

    class RecoveryCode(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        code_hash = CharField(max_length=64)
        created_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'recovery_code'
            indexes = ((('user', 'code_hash'), True),)
    db.create_tables([RecoveryCode])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('recovery_code'))
    migrator.migrate(migrator.drop_column('user', 'totp_last_step'), migrator.drop_column('user', 'totp_enabled_at'),
                     migrator.drop_column('user', 'totp_secret'))
