"""Credit for a project (成果认定): who shares it. A project's host unit (its responsible unit)
and its referring parties (a stationed team, another unit, a chamber of commerce, an existing
investor), each with a share in whole percent. Rows exist only for projects whose shares the
bureau set; every other project is credited by the county's rule (portal.credit)."""
import peewee

from portal.db import BaseModel
from portal.models.org import Unit
from portal.models.projects import Project

#: Kinds of party. Only units (the host, a stationed team, another unit) take a share of the
#: figures; a chamber of commerce or an investor is not a unit and counts as a referral only.
CREDIT_KINDS = ("host", "team", "unit", "chamber", "investor")
UNIT_CREDIT_KINDS = ("host", "team", "unit")


class ProjectCredit(BaseModel):
    project = peewee.ForeignKeyField(Project, backref="credits", on_delete="CASCADE")
    kind = peewee.CharField(max_length=10)
    unit = peewee.ForeignKeyField(Unit, null=True, backref="credits", on_delete="RESTRICT")
    name = peewee.CharField(max_length=200, default="")  # a chamber's or an investor's name
    share = peewee.IntegerField(default=0)  # whole percent; a project's shares add up to 100

    class Meta:
        table_name = "project_credit"
        indexes = ((("project", "unit"), False), (("unit", "project", "share"), False))
