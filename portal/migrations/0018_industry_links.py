"""Industries in the portal: an industry's kind (leading or characteristic) and its chain
links (upstream, midstream, downstream), which an administrator edits when no county plugin
provides the industry system."""
# Frozen: never edit a released migration.
from peewee import *


def up(migrator, db):
    class Industry(Model):
        class Meta:
            database = db
            table_name = 'industry'

    migrator.migrate(migrator.add_column('industry', 'kind', CharField(max_length=20, default='leading')))

    class IndustryLink(Model):
        industry = ForeignKeyField(Industry, on_delete='CASCADE')
        code = CharField(max_length=60, unique=True)
        name_zh = CharField(max_length=100)
        name_en = CharField(max_length=100, default='')
        position = CharField(max_length=10, default='mid')
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'industry_link'
    db.create_tables([IndustryLink])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('industry_link'))
    migrator.migrate(migrator.drop_column('industry', 'kind'))
