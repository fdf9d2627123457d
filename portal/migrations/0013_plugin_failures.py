"""Plugin failures recorded in the database, so every process (web workers, `portal snapshot`)
shows them on /admin/plugins: one row per plugin and hook with the latest message, the time
of the first and the latest failure, and how often it failed."""
# Frozen copies of the models: never edit a released migration.
from peewee import *


def up(migrator, db):
    class PluginFailureRecord(Model):
        plugin = CharField(max_length=100)
        hook = CharField(max_length=100)
        message = TextField()
        first_at = DateTimeField()
        last_at = DateTimeField()
        count = IntegerField(default=1)

        class Meta:
            database = db
            table_name = 'plugin_failure_record'
            indexes = ((('plugin', 'hook'), True),)

    db.create_tables([PluginFailureRecord])


def down(migrator, db):
    db.execute_sql('DROP TABLE plugin_failure_record')
