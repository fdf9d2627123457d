"""Industry chains (leader, special team), target enterprises and project review decisions."""
# Frozen copies of the models: never edit a released migration.
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

    class ChainInfo(Model):
        industry_code = CharField(max_length=40, unique=True)
        leader = ForeignKeyField(User, null=True, on_delete='SET NULL')
        special_team = ForeignKeyField(Unit, null=True, on_delete='SET NULL')
        note = TextField(default='')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'chain_info'

    class TargetEnterprise(Model):
        industry_code = CharField(index=True, max_length=40)
        chain_link_code = CharField(max_length=60, default='')
        company = CharField(max_length=200)
        reason = TextField(default='')
        reviewed_quarter = CharField(max_length=7, default='')
        status = CharField(max_length=20, default='not_contacted')
        project = ForeignKeyField(Project, null=True, on_delete='SET NULL')
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'target_enterprise'

    class ReviewDecision(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        decision = CharField(max_length=20)
        recommendation = CharField(max_length=20, default='')
        system = CharField(max_length=40, default='')
        note = TextField(default='')
        by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'review_decision'

    db.create_tables([ChainInfo, TargetEnterprise, ReviewDecision])
