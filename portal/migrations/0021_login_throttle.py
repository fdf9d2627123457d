"""Login throttling kept apart from the accounts: failure counters per (username, source
address), per source address and per account, so an attacker slows down only themselves."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class LoginThrottle(Model):
        key = CharField(max_length=160, unique=True)
        failures = IntegerField(default=0)
        last_failed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'login_throttle'
    db.create_tables([LoginThrottle])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('login_throttle'))
