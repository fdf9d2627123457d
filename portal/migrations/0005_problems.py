"""Problems, their response threads, government commitments and in-portal notifications."""
# Frozen copies of the models as of this migration: never edit a released migration.
from peewee import *


def up(migrator, db):
    class Unit(Model):
        class Meta:
            database = db
            table_name = 'unit'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Project(Model):
        class Meta:
            database = db
            table_name = 'project'

    class Problem(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        category = CharField(max_length=20)
        description = TextField()
        raised_by = ForeignKeyField(User, on_delete='RESTRICT')
        assigned_unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        deadline = DateField()
        priority = CharField(max_length=10, default='normal')
        state = CharField(max_length=10, default='open')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        resolved_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)
        resolve_days = IntegerField(null=True)
        overdue_notified_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'problem'
            indexes = ((('assigned_unit', 'state', 'deadline'), False), (('state', 'deadline'), False),
                       (('project', 'state'), False))
    db.create_tables([Problem])

    class ProblemResponse(Model):
        problem = ForeignKeyField(Problem, on_delete='CASCADE')
        kind = CharField(max_length=10)
        text = TextField(default='')
        by = ForeignKeyField(User, on_delete='RESTRICT')
        unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        from_unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        to_unit = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        from_state = CharField(max_length=10, default='')
        to_state = CharField(max_length=10, default='')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'problem_response'
            indexes = ((('problem', 'at'), False),)
    db.create_tables([ProblemResponse])

    class Commitment(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        kind = CharField(max_length=20)
        promise = TextField()
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        due_date = DateField()
        fulfilled_on = DateField(null=True)
        evidence = TextField(default='')
        created_by = ForeignKeyField(User, on_delete='RESTRICT')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'commitment'
            indexes = ((('unit', 'fulfilled_on', 'due_date'), False), (('project', 'fulfilled_on'), False))
    db.create_tables([Commitment])

    class Notification(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        kind = CharField(max_length=20)
        args = TextField(null=True)
        link = CharField(max_length=255, default='')
        created_at = DateTimeField()
        read_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'notification'
            indexes = ((('user', 'read_at'), False), (('user', 'created_at'), False))
    db.create_tables([Notification])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('notification'))
    migrator.migrate(migrator.drop_table('commitment'))
    migrator.migrate(migrator.drop_table('problem_response'))
    migrator.migrate(migrator.drop_table('problem'))
