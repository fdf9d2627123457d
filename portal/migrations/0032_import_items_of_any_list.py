"""Import items name any record, not only projects: the unit, user, investor or capital entry a
batch created or updated (``entity``, ``entity_id``), and its values right after the import
(``after``: undo is refused once they moved on)."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('import_item', 'entity', CharField(max_length=20, default='project')),
                     migrator.add_column('import_item', 'entity_id', IntegerField(null=True)),
                     migrator.add_column('import_item', 'after', TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('import_item', 'after'),
                     migrator.drop_column('import_item', 'entity_id'),
                     migrator.drop_column('import_item', 'entity'))
