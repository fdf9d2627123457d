"""Industry chains (chain leader, special team, target enterprises) and project review decisions.

Chains are referred to by the industry's stable code, so a chain keeps its leader,
team and target list when the county's rules change year or plugin.
"""
import peewee

from portal.db import BaseModel
from portal.models.fields import utcnow
from portal.models.org import Unit, User
from portal.models.projects import Project

TARGET_STATUSES = ("not_contacted", "contacted", "visited", "clue")
DECISIONS = ("approve", "discuss", "reject")


class ChainInfo(BaseModel):
    """The chain leader (链长) and special team (专班) of one industry chain."""

    industry_code = peewee.CharField(max_length=40, unique=True)
    leader = peewee.ForeignKeyField(User, null=True, backref="led_chains", on_delete="SET NULL")
    special_team = peewee.ForeignKeyField(Unit, null=True, backref="team_chains", on_delete="SET NULL")
    note = peewee.TextField(default="")
    updated_at = peewee.DateTimeField(default=utcnow)


class TargetEnterprise(BaseModel):
    """An enterprise a department targets for one chain (目标企业清单), reviewed quarterly."""

    industry_code = peewee.CharField(max_length=40, index=True)
    chain_link_code = peewee.CharField(max_length=60, default="")
    company = peewee.CharField(max_length=200)
    reason = peewee.TextField(default="")
    reviewed_quarter = peewee.CharField(max_length=7, default="")  # e.g. 2026Q3
    status = peewee.CharField(max_length=20, default="not_contacted")
    project = peewee.ForeignKeyField(Project, null=True, backref="targets", on_delete="SET NULL")
    unit = peewee.ForeignKeyField(Unit, backref="target_enterprises", on_delete="RESTRICT")
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = peewee.DateTimeField(default=utcnow)


class ReviewDecision(BaseModel):
    """The bureau's review decision on a project, with the plugin's recommendation at the time."""

    project = peewee.ForeignKeyField(Project, backref="review_decisions", on_delete="CASCADE")
    decision = peewee.CharField(max_length=20)
    recommendation = peewee.CharField(max_length=20, default="")
    system = peewee.CharField(max_length=40, default="")
    note = peewee.TextField(default="")
    by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow)
