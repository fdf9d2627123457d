"""Project imports: one audited batch per imported sheet, one item per project it created or
updated (what to undo), and the city's own project code (项目编号) to match re-imports by."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Project(Model):
        class Meta:
            database = db
            table_name = 'project'

    migrator.migrate(migrator.add_column('project', 'code', CharField(max_length=40, null=True)))
    migrator.migrate(migrator.add_index('project', ('code',), name='project_code'))

    class ImportBatch(Model):
        kind = CharField(max_length=20, default='projects')
        user = ForeignKeyField(User, on_delete='RESTRICT')
        created_at = DateTimeField()
        file_name = CharField(max_length=200)
        stored_name = CharField(max_length=64)
        mapping = TextField(null=True)
        state = CharField(max_length=16, default='preview')
        created_count = IntegerField(default=0)
        updated_count = IntegerField(default=0)
        skipped_count = IntegerField(default=0)
        imported_at = DateTimeField(null=True)
        undone_at = DateTimeField(null=True)
        undone_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'import_batch'
            indexes = ((('state', 'created_at'), False),)

    class ImportItem(Model):
        batch = ForeignKeyField(ImportBatch, on_delete='CASCADE')
        project = ForeignKeyField(Project, null=True, on_delete='SET NULL')
        action = CharField(max_length=10)
        version_after = IntegerField()
        before = TextField(null=True)
        stage_change_ids = TextField(null=True)
        enterprise_created = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'import_item'
    db.create_tables([ImportBatch, ImportItem])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('import_item'))
    migrator.migrate(migrator.drop_table('import_batch'))
    migrator.migrate(migrator.drop_index('project', 'project_code'))
    migrator.migrate(migrator.drop_column('project', 'code'))
