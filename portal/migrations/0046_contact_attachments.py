"""Files kept with a logged contact (sourcing): a visit's minutes, photos, a business card scan,
the investor's brochure, stored under random names as a project's attachments are."""
# Frozen copies of the models as of this migration: never edit a released migration.
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Contact(Model):
        class Meta:
            database = db
            table_name = 'contact'

    class ContactAttachment(Model):
        contact = ForeignKeyField(Contact, on_delete='CASCADE')
        stored_name = CharField(max_length=64, unique=True)
        original_name = CharField(max_length=200)
        content_type = CharField(max_length=100)
        size = IntegerField()
        by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'contact_attachment'
            indexes = ((('contact', 'at'), False),)

    db.create_tables([ContactAttachment])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('contact_attachment'))
