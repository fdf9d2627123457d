"""Sourcing (招商): contacts with investors (visits, calls, meetings, leaders' visits, letters)
and promotion events (招商活动) with their participating units and the projects signed or
sourced at them."""
import peewee

from portal.db import BaseModel
from portal.models.fields import utcnow
from portal.models.org import Unit, User
from portal.models.projects import Enterprise, Project, StoredFile

#: Kinds of contact; labels in portal.sourcing.labels.
CONTACT_KINDS = ("visit", "call", "meeting", "leader_visit", "letter")
#: Kinds of promotion event; labels in portal.sourcing.labels.
EVENT_KINDS = ("expo", "conference", "signing", "online", "other")
#: How a project came out of an event.
EVENT_PROJECT_ROLES = ("signed", "sourced")


class Contact(BaseModel):
    """One logged contact of a unit (a county, a stationed team …) with an investor."""

    enterprise = peewee.ForeignKeyField(Enterprise, backref="contacts", on_delete="CASCADE")
    unit = peewee.ForeignKeyField(Unit, backref="contacts", on_delete="RESTRICT")  # the unit in touch
    project = peewee.ForeignKeyField(Project, null=True, backref="contacts", on_delete="SET NULL")
    kind = peewee.CharField(max_length=20)
    happened_on = peewee.DateField()
    participants = peewee.CharField(max_length=200, default="")  # who took part, on both sides
    place = peewee.CharField(max_length=100, default="")
    summary = peewee.TextField()
    next_step = peewee.TextField(default="")
    by = peewee.ForeignKeyField(User, backref="contacts", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "contact"
        indexes = (
            (("enterprise", "happened_on"), False),
            (("unit", "happened_on"), False),
            (("project", "happened_on"), False),
        )


class ContactAttachment(StoredFile):
    """A file kept with a logged contact (the visit's minutes, photos, a business card, the
    investor's brochure), stored under a random name (portal.uploads). Removing one deletes the
    row and the file; the audit log keeps what it was."""

    contact = peewee.ForeignKeyField(Contact, backref="attachments", on_delete="CASCADE")

    class Meta:
        table_name = "contact_attachment"
        indexes = ((("contact", "at"), False),)


class PromotionEvent(BaseModel):
    """An expo, promotion conference, signing ceremony or online meeting (招商活动)."""

    name = peewee.CharField(max_length=200)
    kind = peewee.CharField(max_length=20)
    city = peewee.CharField(max_length=50, default="")
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    organiser = peewee.CharField(max_length=200, default="")  # who holds it (free text: a ministry, a city)
    leaders = peewee.CharField(max_length=200, default="")  # the city's leaders who attended
    note = peewee.TextField(default="")
    unit = peewee.ForeignKeyField(Unit, backref="promotion_events", on_delete="RESTRICT")  # keeps the record
    created_by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "promotion_event"
        indexes = ((("starts_on",), False),)


class EventUnit(BaseModel):
    """A unit taking part in an event."""

    event = peewee.ForeignKeyField(PromotionEvent, backref="unit_links", on_delete="CASCADE")
    unit = peewee.ForeignKeyField(Unit, backref="event_links", on_delete="RESTRICT")

    class Meta:
        table_name = "event_unit"
        indexes = ((("event", "unit"), True),)


class EventProject(BaseModel):
    """A project signed or sourced at an event."""

    event = peewee.ForeignKeyField(PromotionEvent, backref="project_links", on_delete="CASCADE")
    project = peewee.ForeignKeyField(Project, backref="event_links", on_delete="CASCADE")
    role = peewee.CharField(max_length=10, default="signed")
    by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "event_project"
        indexes = ((("event", "project"), True),)



#: What a stationed team's quota counts, and over which span.
QUOTA_METRICS = ("clues", "visits")
QUOTA_SPANS = ("week", "month")


class TeamQuota(BaseModel):
    """A stationed team's quota: so many new clues (or logged visits) per week or month."""

    team = peewee.ForeignKeyField(Unit, backref="quotas", on_delete="CASCADE")
    metric = peewee.CharField(max_length=10)
    span = peewee.CharField(max_length=10)
    target = peewee.IntegerField()

    class Meta:
        table_name = "team_quota"
        indexes = ((("team", "metric"), True),)


class TeamRegion(BaseModel):
    """A region a stationed team covers (the city's "merchants map"), with its annual plan."""

    team = peewee.ForeignKeyField(Unit, backref="regions", on_delete="CASCADE")
    year = peewee.IntegerField()
    region = peewee.CharField(max_length=100)  # e.g. 长三角
    plan = peewee.TextField(default="")  # target enterprises, trips, events planned for the year

    class Meta:
        table_name = "team_region"
        indexes = ((("team", "year", "region"), True),)
