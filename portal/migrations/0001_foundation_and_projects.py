"""Units, users, settings, audit log, industries, enterprises, projects and their history."""
# Generated from the models with playhouse.migrations, then frozen: never edit a released migration.
from peewee import *



def up(migrator, db):
    class Enterprise(Model):
        name = CharField(index=True, max_length=200)
        credit_code = CharField(unique=True, null=True, max_length=18)
        origin_country = CharField(max_length=50, default='')
        origin_province = CharField(max_length=50, default='')
        origin_city = CharField(max_length=50, default='')
        fortune_global_500 = BooleanField(default=False)
        china_500 = BooleanField(default=False)
        china_private_500 = BooleanField(default=False)
        central_soe = BooleanField(default=False)
        foreign_invested = BooleanField(default=False)
        listed = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'enterprise'
    db.create_tables([Enterprise])

    class Unit(Model):
        name = CharField(max_length=100)
        kind = CharField(max_length=20)
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        path = CharField(index=True, default='')
        city = CharField(max_length=50, default='')
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'unit'
            indexes = ((('kind', 'active'), False),)
    db.create_tables([Unit])

    class User(Model):
        username = CharField(unique=True, max_length=64)
        display_name = CharField(max_length=100)
        password_hash = CharField()
        role = CharField(max_length=16)
        unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        active = BooleanField(default=True)
        locale = CharField(null=True, max_length=10)
        phone = CharField(max_length=30, default='')
        session_version = IntegerField(default=1)
        failed_logins = IntegerField(default=0)
        last_failed_at = DateTimeField(null=True)
        locked_until = DateTimeField(null=True)
        last_login_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class Project(Model):
        name = CharField(index=True, max_length=200)
        enterprise = ForeignKeyField(Enterprise, null=True, on_delete='RESTRICT')
        industry_code = CharField(index=True, max_length=40, default='')
        chain_link_code = CharField(max_length=60, default='')
        park = CharField(max_length=100, default='')
        source_channel = CharField(max_length=30, default='')
        investment_method = CharField(max_length=30, default='')
        source_team = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        is_key = BooleanField(default=False)
        is_confidential = BooleanField(default=False)
        total_investment = DecimalField(max_digits=16, decimal_places=2, default=0)
        contracted_amount = DecimalField(null=True, max_digits=16, decimal_places=2)
        foreign_capital = DecimalField(null=True, max_digits=16, decimal_places=2)
        expected_output = DecimalField(null=True, max_digits=16, decimal_places=2)
        expected_tax = DecimalField(null=True, max_digits=16, decimal_places=2)
        expected_jobs = IntegerField(null=True)
        land_area_mu = DecimalField(null=True, max_digits=12, decimal_places=2)
        safety_assessment = CharField(max_length=20, default='')
        environment_assessment = CharField(max_length=20, default='')
        responsible_unit = ForeignKeyField(Unit, on_delete='RESTRICT')
        responsible_person = CharField(max_length=100, default='')
        leader = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        special_team = ForeignKeyField(Unit, null=True, on_delete='RESTRICT')
        stage = CharField(max_length=20, default='clue')
        stage_before_stall = CharField(max_length=20, default='')
        stage_reason = TextField(default='')
        planned_sign_date = DateField(null=True)
        planned_start_date = DateField(null=True)
        planned_completion_date = DateField(null=True)
        planned_production_date = DateField(null=True)
        clue_on = DateField(null=True)
        negotiating_on = DateField(null=True)
        signed_on = DateField(null=True)
        started_on = DateField(null=True)
        completed_on = DateField(null=True)
        production_on = DateField(null=True)
        flag = CharField(max_length=10, default='green')
        flag_reasons = TextField(null=True)
        review_recommendation = CharField(max_length=20, default='')
        extra = TextField(null=True)
        archived = BooleanField(default=False)
        version = IntegerField(default=1)
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'project'
            indexes = ((('archived', 'stage', 'responsible_unit'), False), (('responsible_unit', 'stage'), False),
                       (('signed_on',), False), (('flag',), False))
    db.create_tables([Project])

    class StageChange(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        from_stage = CharField(max_length=20, default='')
        to_stage = CharField(max_length=20)
        on_date = DateField()
        note = TextField(default='')
        reason = TextField(default='')
        is_correction = BooleanField(default=False)
        by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        verification = CharField(max_length=16, default='not_required')
        verified_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        verified_at = DateTimeField(null=True)
        verification_note = TextField(default='')
        class Meta:
            database = db
            table_name = 'stage_change'
            indexes = ((('to_stage', 'on_date', 'verification'), False), (('project', 'on_date'), False))
    db.create_tables([StageChange])

    class Attachment(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        stage_change = ForeignKeyField(StageChange, null=True, on_delete='SET NULL')
        stored_name = CharField(unique=True, max_length=64)
        original_name = CharField(max_length=200)
        content_type = CharField(max_length=100)
        size = IntegerField()
        by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'attachment'
    db.create_tables([Attachment])

    class AuditLog(Model):
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        action = CharField(max_length=32)
        entity = CharField(max_length=32)
        entity_id = IntegerField()
        changes = TextField(null=True)
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'audit_log'
            indexes = ((('entity', 'entity_id', 'at'), False),)
    db.create_tables([AuditLog])

    class CapitalEntry(Model):
        project = ForeignKeyField(Project, on_delete='CASCADE')
        on_date = DateField(index=True)
        amount = DecimalField(max_digits=16, decimal_places=2)
        note = CharField(max_length=200, default='')
        by = ForeignKeyField(User, on_delete='RESTRICT')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'capital_entry'
    db.create_tables([CapitalEntry])

    class Industry(Model):
        code = CharField(unique=True, max_length=40)
        name_zh = CharField(max_length=100)
        name_en = CharField(max_length=100, default='')
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'industry'
    db.create_tables([Industry])

    class PluginState(Model):
        name = CharField(primary_key=True, max_length=100)
        enabled = BooleanField(default=True)
        changed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'plugin_state'
    db.create_tables([PluginState])

    class Setting(Model):
        key = CharField(primary_key=True, max_length=100)
        value = TextField()
        class Meta:
            database = db
            table_name = 'setting'
    db.create_tables([Setting])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('setting'))
    migrator.migrate(migrator.drop_table('plugin_state'))
    migrator.migrate(migrator.drop_table('industry'))
    migrator.migrate(migrator.drop_table('capital_entry'))
    migrator.migrate(migrator.drop_table('audit_log'))
    migrator.migrate(migrator.drop_table('attachment'))
    migrator.migrate(migrator.drop_table('stage_change'))
    migrator.migrate(migrator.drop_table('project'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('unit'))
    migrator.migrate(migrator.drop_table('enterprise'))
