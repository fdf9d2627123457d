"""The account columns of the old login lock (failed_logins, last_failed_at, locked_until) are
no longer read: login throttling lives in login_throttle (0021)."""
# Frozen: never edit a released migration.
from peewee import DateTimeField, IntegerField


def up(migrator, db):
    migrator.migrate(migrator.drop_column('user', 'locked_until'),
                     migrator.drop_column('user', 'last_failed_at'),
                     migrator.drop_column('user', 'failed_logins'))


def down(migrator, db):
    migrator.migrate(migrator.add_column('user', 'failed_logins', IntegerField(default=0)),
                     migrator.add_column('user', 'last_failed_at', DateTimeField(null=True)),
                     migrator.add_column('user', 'locked_until', DateTimeField(null=True)))
