"""Problem coordination (问题协调), government commitments (政府承诺) and in-portal notifications."""
import peewee

from portal.db import BaseModel
from portal.models.fields import JSONField, utcnow
from portal.models.org import Unit, User
from portal.models.projects import Project

#: Problem categories; labels in portal.problems.labels.
PROBLEM_CATEGORIES = ("approvals", "land", "utilities", "labour", "financing", "construction", "policy", "other")
PROBLEM_PRIORITIES = ("normal", "high", "urgent")
#: States. "reopened" behaves as open; "resolved" waits for the raiser's confirmation.
PROBLEM_STATES = ("open", "handling", "resolved", "closed", "reopened")
OPEN_STATES = ("open", "handling", "reopened")
RESPONSE_KINDS = ("answer", "handover", "state")
COMMITMENT_KINDS = ("incentive", "land", "infrastructure", "approval_time", "other")


class Problem(BaseModel):
    """A difficulty of a project, assigned to a unit (usually a municipal department) with a deadline."""

    project = peewee.ForeignKeyField(Project, backref="problems", on_delete="CASCADE")
    category = peewee.CharField(max_length=20)
    description = peewee.TextField()
    raised_by = peewee.ForeignKeyField(User, backref="raised_problems", on_delete="RESTRICT")
    assigned_unit = peewee.ForeignKeyField(Unit, backref="assigned_problems", on_delete="RESTRICT")
    deadline = peewee.DateField()
    priority = peewee.CharField(max_length=10, default="normal")
    state = peewee.CharField(max_length=10, default="open")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    resolved_at = peewee.DateTimeField(null=True)
    closed_at = peewee.DateTimeField(null=True)
    # Whole days from raising to resolving, stored so the board averages it in SQL on every database.
    resolve_days = peewee.IntegerField(null=True)
    # Set once when the overdue notifications went out (idempotent escalation).
    overdue_notified_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("assigned_unit", "state", "deadline"), False),
            (("state", "deadline"), False),
            (("project", "state"), False),
        )


class ProblemResponse(BaseModel):
    """One dated entry of a problem's thread: an answer, a handover or a state change."""

    problem = peewee.ForeignKeyField(Problem, backref="responses", on_delete="CASCADE")
    kind = peewee.CharField(max_length=10)
    text = peewee.TextField(default="")
    by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    unit = peewee.ForeignKeyField(Unit, null=True, on_delete="RESTRICT")  # the author's unit then
    from_unit = peewee.ForeignKeyField(Unit, null=True, on_delete="RESTRICT")
    to_unit = peewee.ForeignKeyField(Unit, null=True, on_delete="RESTRICT")
    from_state = peewee.CharField(max_length=10, default="")
    to_state = peewee.CharField(max_length=10, default="")
    at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("problem", "at"), False),)


class Commitment(BaseModel):
    """A promise made to an investor: what, by which unit, by when; fulfilled with a date and evidence."""

    project = peewee.ForeignKeyField(Project, backref="commitments", on_delete="CASCADE")
    kind = peewee.CharField(max_length=20)
    promise = peewee.TextField()
    unit = peewee.ForeignKeyField(Unit, backref="commitments", on_delete="RESTRICT")
    due_date = peewee.DateField()
    fulfilled_on = peewee.DateField(null=True)
    evidence = peewee.TextField(default="")
    created_by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("unit", "fulfilled_on", "due_date"), False),
            (("project", "fulfilled_on"), False),
        )


class Notification(BaseModel):
    """An in-portal message to one user; the text is built from ``kind`` and ``args`` in the reader's language."""

    user = peewee.ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    kind = peewee.CharField(max_length=20)
    args = JSONField(null=True)
    link = peewee.CharField(max_length=255, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    read_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "read_at"), False), (("user", "created_at"), False))
