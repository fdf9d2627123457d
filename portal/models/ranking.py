"""Assessment and ranking: annual targets per unit, and the bureau's "Top ten projects" selection."""
import peewee

from portal.db import BaseModel
from portal.models.fields import utcnow
from portal.models.org import Unit, User
from portal.models.projects import Project


class UnitTarget(BaseModel):
    """One unit's annual target for one figure (a code of portal.ranking.targets.TARGET_FIGURES).

    Amounts are in 万元 (foreign capital in 万美元), counts are whole numbers,
    rates are percentages (0–100).
    """

    year = peewee.IntegerField()
    unit = peewee.ForeignKeyField(Unit, backref="targets", on_delete="CASCADE")
    figure = peewee.CharField(max_length=40)
    value = peewee.DecimalField(max_digits=16, decimal_places=2, auto_round=True)
    updated_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("year", "unit", "figure"), True),)


class TopTenSelection(BaseModel):
    """A project the bureau chose as one of the year's "Top ten projects" (十大项目), with its reason."""

    year = peewee.IntegerField()
    project = peewee.ForeignKeyField(Project, backref="top_ten", on_delete="CASCADE")
    rank = peewee.IntegerField()
    reason = peewee.TextField(default="")
    by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("year", "project"), True),
            (("year", "rank"), True),
        )
