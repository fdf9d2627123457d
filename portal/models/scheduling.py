"""Weekly scheduling: progress reports, milestones (reversed schedules) and the weekly snapshots.

Weeks are ISO weeks written "2026-W47" (portal.timeutil.iso_week). Snapshot rows
are written once, when a week is frozen, and never changed afterwards.
"""
import peewee

from portal.db import BaseModel
from portal.models.fields import JSONField, utcnow
from portal.models.org import Unit, User
from portal.models.projects import Project

#: The four lists counted in each weekly snapshot.
LIST_NAMES = ("clues", "signed", "landed", "production")


class ProgressReport(BaseModel):
    """One progress entry of a project in an ISO week; later entries in the week extend it."""

    project = peewee.ForeignKeyField(Project, backref="progress_reports", on_delete="CASCADE")
    week = peewee.CharField(max_length=8)
    happened = peewee.TextField(default="")
    next_steps = peewee.TextField(default="")
    percent_complete = peewee.IntegerField(null=True)
    author = peewee.ForeignKeyField(User, backref="progress_reports", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("project", "week"), False),
            (("week", "created_at"), False),
        )


class Milestone(BaseModel):
    """A dated step of a project's reversed schedule (倒排工期): land handover, approval, equipment in …"""

    project = peewee.ForeignKeyField(Project, backref="milestones", on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    planned_on = peewee.DateField()
    actual_on = peewee.DateField(null=True)
    responsible_unit = peewee.ForeignKeyField(Unit, null=True, backref="milestones", on_delete="RESTRICT")
    created_by = peewee.ForeignKeyField(User, backref="milestones", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("project", "planned_on"), False),)


class WeekFreeze(BaseModel):
    """A frozen week. The unique week makes "frozen once, even by two processes at once" true."""

    week = peewee.CharField(max_length=8, unique=True)
    frozen_at = peewee.DateTimeField(default=utcnow)
    # When the week's shown figures (WeekUnitFigures, WeekNewInList, FlagSnapshot.reported and the
    # deadline) were stored: null for a week frozen before they existed, until they are (0012).
    figures_frozen_at = peewee.DateTimeField(null=True)
    report_deadline = peewee.DateTimeField(null=True)  # naive UTC, as the week was judged


class FlagSnapshot(BaseModel):
    """A project's flag at the end of a frozen week, with the responsible unit and stage it had then."""

    week = peewee.CharField(max_length=8)
    project = peewee.ForeignKeyField(Project, backref="flag_snapshots", on_delete="CASCADE")
    unit = peewee.ForeignKeyField(Unit, backref="flag_snapshots", on_delete="RESTRICT")
    stage = peewee.CharField(max_length=20, default="")  # the stage at the end of the week
    flag = peewee.CharField(max_length=10)
    reasons = JSONField(null=True)
    reported = peewee.BooleanField(null=True)  # a progress report for the week existed at freezing

    class Meta:
        indexes = (
            (("week", "project"), True),
            (("week", "unit", "flag"), False),
        )


class ListCountSnapshot(BaseModel):
    """How many projects a unit had on each of the four lists at the end of a frozen week."""

    week = peewee.CharField(max_length=8)
    unit = peewee.ForeignKeyField(Unit, backref="list_count_snapshots", on_delete="RESTRICT")
    list_name = peewee.CharField(max_length=20)
    count = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("week", "unit", "list_name"), True),)


class UnitWeekFlag(BaseModel):
    """The weekly red (advanced most) or yellow (lagged) flag awarded to a unit."""

    week = peewee.CharField(max_length=8)
    unit = peewee.ForeignKeyField(Unit, backref="week_flags", on_delete="RESTRICT")
    flag = peewee.CharField(max_length=10)
    reasons = JSONField(null=True)

    class Meta:
        indexes = ((("week", "unit"), True),)


class WeekUnitFigures(BaseModel):
    """A unit's figures of a frozen week as its meeting page shows them: active projects,
    projects reported, reported on time, stage advances in the week."""

    week = peewee.CharField(max_length=8)
    unit = peewee.ForeignKeyField(Unit, backref="week_figures", on_delete="RESTRICT")
    projects = peewee.IntegerField(default=0)
    reported = peewee.IntegerField(default=0)
    on_time = peewee.IntegerField(default=0)
    advances = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("week", "unit"), True),)


class WeekNewInList(BaseModel):
    """A project that entered a list (negotiating, signed, …) in a frozen week, with the unit
    and the stage date it had when the week was frozen."""

    week = peewee.CharField(max_length=8)
    list_name = peewee.CharField(max_length=20)
    project = peewee.ForeignKeyField(Project, backref="week_new_in_lists", on_delete="CASCADE")
    unit = peewee.ForeignKeyField(Unit, backref="week_new_in_lists", on_delete="RESTRICT")
    on_date = peewee.DateField()

    class Meta:
        indexes = ((("week", "list_name", "project"), True),)
