"""Projects, their investors, stage history, capital in place and attachments.

Industries and chain links are referred to by stable string codes (not foreign
keys), so a project keeps its industry when a county changes its rules plugin
or a new year's section of the rules file arrives.
"""
import peewee

from portal.db import BaseModel
from portal.models.fields import JSONField, money_field, utcnow
from portal.models.org import Unit, User

#: Stages of a project's life, in order; stalled and dropped are off-ramps. The one copy of the
#: stage lists: the others below and in portal.stages, scheduling and figures are derived from it.
STAGES = ("clue", "negotiating", "signed", "started", "completed", "production", "stalled", "dropped")
#: The main line of a project's life, in order (without the off-ramps).
STAGE_LINE = STAGES[:6]
#: Stages a project is worked on (and from which it may stall or be dropped): the line but production.
ACTIVE_STAGES = STAGE_LINE[:-1]
#: The Project column holding the date each stage of the line was reached.
STAGE_DATE_COLUMNS = {stage: f"{stage}_on" for stage in STAGE_LINE}
#: An investor's class flags (Enterprise columns); a project keeps a copy of each as it was at
#: signing (``Project.<flag>_at_signing``).
INVESTOR_CLASSES = ("fortune_global_500", "china_500", "china_private_500", "central_soe", "foreign_invested",
                    "listed")
#: Project columns derived from the stage history (see Project.counted_signed_on).
COUNTED_FIELDS = frozenset({"counted_signed_on", "counted_started_on", "counted_completed_on",
                            "counted_production_on", "counted_repeats"}
                           | {f"{flag}_at_signing" for flag in INVESTOR_CLASSES})


class Industry(BaseModel):
    """The core industry list an administrator edits until a plugin provides a system."""

    code = peewee.CharField(max_length=40, unique=True)
    name_zh = peewee.CharField(max_length=100)
    name_en = peewee.CharField(max_length=100, default="")
    sort_order = peewee.IntegerField(default=0)
    active = peewee.BooleanField(default=True)  # False: retired (kept: projects keep its name)
    kind = peewee.CharField(max_length=20, default="leading")  # leading | characteristic


class IndustryLink(BaseModel):
    """A chain link (upstream, midstream, downstream) of a core industry; its code is stable."""

    industry = peewee.ForeignKeyField(Industry, backref="links", on_delete="CASCADE")
    code = peewee.CharField(max_length=60, unique=True)
    name_zh = peewee.CharField(max_length=100)
    name_en = peewee.CharField(max_length=100, default="")
    position = peewee.CharField(max_length=10, default="mid")  # up | mid | down
    sort_order = peewee.IntegerField(default=0)
    active = peewee.BooleanField(default=True)


class Enterprise(BaseModel):
    """An investor enterprise, reused across projects."""

    name = peewee.CharField(max_length=200, index=True)
    credit_code = peewee.CharField(max_length=18, null=True, unique=True)  # 统一社会信用代码
    origin_country = peewee.CharField(max_length=50, default="")
    origin_province = peewee.CharField(max_length=50, default="")
    origin_city = peewee.CharField(max_length=50, default="")
    fortune_global_500 = peewee.BooleanField(default=False)
    china_500 = peewee.BooleanField(default=False)
    china_private_500 = peewee.BooleanField(default=False)
    central_soe = peewee.BooleanField(default=False)
    foreign_invested = peewee.BooleanField(default=False)
    listed = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=utcnow)

    @property
    def three_category_500(self) -> bool:
        """三类500强: Fortune Global 500, China 500 or China private 500."""
        return self.fortune_global_500 or self.china_500 or self.china_private_500


class BareInvestor(BaseModel):
    """The investors with neither projects nor contacts (bare targets, which every user may open),
    kept by the database's triggers (migration 0058) so a page finds them without testing every
    investor. A hint, never a grant: ``portal.sourcing.bare_investors``. Never written by the portal;
    empty and unread on MySQL. (Not a foreign key: merging investors moves every key to one.)"""

    enterprise_id = peewee.IntegerField(primary_key=True)

    class Meta:
        table_name = "bare_investor"


class Project(BaseModel):
    """An investment project from first clue to production.

    Amounts are in 万元 (CNY 10 thousand), foreign capital in 万美元. Actual
    stage dates are copies kept in step by portal.stages from StageChange rows,
    so lists filter and sort on them with an index.
    """

    name = peewee.CharField(max_length=200, index=True)
    code = peewee.CharField(max_length=40, null=True, index=True)  # the city's own project code (项目编号)
    enterprise = peewee.ForeignKeyField(Enterprise, null=True, backref="projects", on_delete="RESTRICT")
    industry_code = peewee.CharField(max_length=40, default="", index=True)
    chain_link_code = peewee.CharField(max_length=60, default="")
    park = peewee.CharField(max_length=100, default="")
    source_channel = peewee.CharField(max_length=30, default="")
    investment_method = peewee.CharField(max_length=30, default="")
    source_team = peewee.ForeignKeyField(Unit, null=True, backref="sourced_projects", on_delete="RESTRICT")
    is_key = peewee.BooleanField(default=False)
    is_confidential = peewee.BooleanField(default=False)

    total_investment = money_field(default=0)
    contracted_amount = money_field(null=True)
    foreign_capital = money_field(null=True)  # 万美元
    expected_output = money_field(null=True)  # annual output value
    expected_tax = money_field(null=True)
    expected_jobs = peewee.IntegerField(null=True)
    land_area_mu = peewee.DecimalField(max_digits=12, decimal_places=2, auto_round=True, null=True)
    safety_assessment = peewee.CharField(max_length=20, default="")  # "", passed, pending, failed
    environment_assessment = peewee.CharField(max_length=20, default="")

    responsible_unit = peewee.ForeignKeyField(Unit, backref="projects", on_delete="RESTRICT")
    responsible_person = peewee.CharField(max_length=100, default="")
    leader = peewee.ForeignKeyField(User, null=True, backref="led_projects", on_delete="RESTRICT")
    special_team = peewee.ForeignKeyField(Unit, null=True, backref="team_projects", on_delete="RESTRICT")

    stage = peewee.CharField(max_length=20, default="clue")
    stage_before_stall = peewee.CharField(max_length=20, default="")
    stage_reason = peewee.TextField(default="")  # why stalled or dropped

    planned_sign_date = peewee.DateField(null=True)
    planned_start_date = peewee.DateField(null=True)
    planned_completion_date = peewee.DateField(null=True)
    planned_production_date = peewee.DateField(null=True)
    clue_on = peewee.DateField(null=True)
    negotiating_on = peewee.DateField(null=True)
    signed_on = peewee.DateField(null=True)
    started_on = peewee.DateField(null=True)
    completed_on = peewee.DateField(null=True)
    production_on = peewee.DateField(null=True)
    # The latest *counted* date of each milestone (a StageChange to that stage, approved or not
    # needing verification; see portal.stages.counted_changes) and whether some milestone has more
    # than one counted change. Derived from the stage history, kept by portal.stages.refresh_counted
    # (never set by hand; Project.save leaves them alone), read by portal.figures.
    counted_signed_on = peewee.DateField(null=True)
    counted_started_on = peewee.DateField(null=True)
    counted_completed_on = peewee.DateField(null=True)
    counted_production_on = peewee.DateField(null=True)
    counted_repeats = peewee.BooleanField(default=False)
    # The investor's class when the project's signing came to count (NULL while no signing counts:
    # the project then follows its investor's current class). Kept by portal.stages.refresh_counted,
    # read by portal.figures, so a later change of the investor's class leaves reported figures alone.
    fortune_global_500_at_signing = peewee.BooleanField(null=True)
    china_500_at_signing = peewee.BooleanField(null=True)
    china_private_500_at_signing = peewee.BooleanField(null=True)
    central_soe_at_signing = peewee.BooleanField(null=True)
    foreign_invested_at_signing = peewee.BooleanField(null=True)
    listed_at_signing = peewee.BooleanField(null=True)

    # Stored by the flag rules (scheduling), so lists filter and count flags in SQL.
    flag = peewee.CharField(max_length=10, default="green")
    flag_reasons = JSONField(null=True)
    # Latest review recommendation from the active rules plugin (suits / discuss / unsuitable).
    review_recommendation = peewee.CharField(max_length=20, default="")
    # Values of extra fields that plugins declare.
    extra = JSONField(null=True)

    archived = peewee.BooleanField(default=False)
    version = peewee.IntegerField(default=1)  # optimistic locking: concurrent edits are detected
    created_by = peewee.ForeignKeyField(User, null=True, backref="created_projects", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("archived", "stage", "responsible_unit"), False),
            (("responsible_unit", "stage"), False),
            (("signed_on",), False),
            (("flag",), False),
            (("counted_repeats",), False),
            # "leader" is indexed as a foreign key already (a second index of the same name breaks MySQL).
        )

    def save(self, force_insert=False, only=None):
        """Save; an update leaves the counted milestone columns alone (portal.stages keeps them in
        SQL, so an instance read before a stage change must not write its stale copy back)."""
        if only is None and not force_insert and self._pk is not None:
            only = [f for f in self._meta.sorted_fields
                    if not f.primary_key and f.name not in COUNTED_FIELDS]
        return super().save(force_insert=force_insert, only=only)

    @property
    def investment_intensity(self):
        """投资强度: total investment per 亩 (万元/亩), or None without a land area."""
        if self.land_area_mu and self.land_area_mu > 0:
            return (self.total_investment / self.land_area_mu).quantize(self.total_investment.__class__("0.01"))
        return None


class StageChange(BaseModel):
    """One dated step in a project's life, with who, a note and the bureau's verification.

    Saving or deleting a row refreshes its project's counted milestone dates
    (``portal.stages.refresh_counted``); bulk writes call that function themselves."""

    project = peewee.ForeignKeyField(Project, backref="stage_changes", on_delete="CASCADE")
    from_stage = peewee.CharField(max_length=20, default="")
    to_stage = peewee.CharField(max_length=20)
    on_date = peewee.DateField()
    note = peewee.TextField(default="")
    reason = peewee.TextField(default="")  # required for backwards moves, stalls, drops, corrections
    is_correction = peewee.BooleanField(default=False)
    by = peewee.ForeignKeyField(User, backref="stage_changes", on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow)
    # not_required (before signing or switched off), pending, approved, returned
    verification = peewee.CharField(max_length=16, default="not_required")
    verified_by = peewee.ForeignKeyField(User, null=True, backref="verifications", on_delete="RESTRICT")
    verified_at = peewee.DateTimeField(null=True)
    verification_note = peewee.TextField(default="")

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        from portal.stages import refresh_counted

        refresh_counted([self.project_id])
        return result

    def delete_instance(self, *args, **kwargs):
        result = super().delete_instance(*args, **kwargs)
        from portal.stages import refresh_counted

        refresh_counted([self.project_id])
        return result

    class Meta:
        indexes = (
            (("to_stage", "on_date", "verification"), False),
            (("project", "on_date"), False),
        )


class ProjectTally(BaseModel):
    """The projects counted by unit, team, industry, stage, flag and archiving, kept by the
    database's own triggers (migration 0051): rows of +1 / -1 added on every change, folded
    into one per group by ``portal.figures.tally``. Never written by the portal otherwise;
    MySQL keeps no triggers, so there it stays empty and is not read."""

    responsible_unit_id = peewee.IntegerField()
    source_team_id = peewee.IntegerField(null=True)
    industry_code = peewee.CharField(max_length=40)
    stage = peewee.CharField(max_length=20)
    flag = peewee.CharField(max_length=10)
    archived = peewee.BooleanField()
    projects = peewee.IntegerField()
    investment_cents = peewee.BigIntegerField()

    class Meta:
        table_name = "project_tally"


class CapitalEntry(BaseModel):
    """Capital in place (资金到位), dated, so a period's total can be summed."""

    project = peewee.ForeignKeyField(Project, backref="capital_entries", on_delete="CASCADE")
    on_date = peewee.DateField(index=True)
    amount = money_field()
    note = peewee.CharField(max_length=200, default="")
    by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow)
    # Copies of the project's columns the figures group capital by, kept by the database's triggers
    # (migration 0052), so a period's capital per unit reads its entries alone. Never written by
    # the portal; empty and unread on MySQL (portal.figures.capital).
    project_responsible_unit_id = peewee.IntegerField(null=True)
    project_source_team_id = peewee.IntegerField(null=True)
    project_industry_code = peewee.CharField(max_length=40, null=True)
    project_archived = peewee.BooleanField(null=True)


class StoredFile(BaseModel):
    """The columns of an uploaded file kept under a random name (portal.uploads), whatever record
    it belongs to: a project's attachments, a contact's files. Not a table of its own."""

    stored_name = peewee.CharField(max_length=64, unique=True)
    original_name = peewee.CharField(max_length=200)
    content_type = peewee.CharField(max_length=100)
    size = peewee.IntegerField()
    by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow)


class Attachment(StoredFile):
    """A file attached to a project (or one of its stage changes), stored under a random name."""

    project = peewee.ForeignKeyField(Project, backref="attachments", on_delete="CASCADE")
    stage_change = peewee.ForeignKeyField(StageChange, null=True, backref="attachments", on_delete="SET NULL")
