"""Forms for problems, answers, state changes, handovers, commitments and the board's filters."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import choice_lists, timeutil
from portal.admin.forms import UnitField, unit_choices
from portal.models.problems import COMMITMENT_KINDS, PROBLEM_PRIORITIES, PROBLEM_STATES
from portal.problems.labels import (
    ACTION_LABELS,
    COMMITMENT_KIND_LABELS,
    PRIORITY_LABELS,
    STATE_LABELS,
)

REQUIRED_UNIT = _l("Choose a unit from the list.")


class ProblemForm(FlaskForm):
    category = SelectField(_l("Category"))  # the county's list (portal.choice_lists), set per form
    description = TextAreaField(_l("Problem"), validators=[DataRequired(), Length(max=4000)])
    assigned_unit = UnitField(_l("Assigned to"), validators=[DataRequired(message=REQUIRED_UNIT)])
    deadline = DateField(_l("Deadline"), validators=[DataRequired(message=_l("Enter a date as YYYY-MM-DD."))])
    priority = SelectField(_l("Priority"), choices=[(p, PRIORITY_LABELS[p]) for p in PROBLEM_PRIORITIES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choice_lists.choices("problem_category")
        self.assigned_unit.choices = unit_choices(include_blank=True)

    def validate_deadline(self, field):
        if field.data and field.data < timeutil.today():
            raise ValidationError(_l("The deadline cannot be in the past."))


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("Answer"), validators=[DataRequired(message=_l("Write an answer.")), Length(max=4000)])


class StateForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[(a, label) for a, label in ACTION_LABELS.items()])
    text = TextAreaField(_l("Note or reason"), validators=[Optional(), Length(max=4000)])
    new_deadline = DateField(_l("New deadline"), validators=[Optional()])

    def validate_new_deadline(self, field):
        if field.data and field.data < timeutil.today():
            raise ValidationError(_l("The deadline cannot be in the past."))


class HandoverForm(FlaskForm):
    unit = UnitField(_l("Hand over to"), validators=[DataRequired(message=REQUIRED_UNIT)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why the problem is handed over.")),
                                                    Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = unit_choices(include_blank=True)


class CommitmentForm(FlaskForm):
    kind = SelectField(_l("Kind of commitment"), choices=[(k, COMMITMENT_KIND_LABELS[k]) for k in COMMITMENT_KINDS])
    promise = TextAreaField(_l("What was promised"), validators=[DataRequired(), Length(max=4000)])
    unit = UnitField(_l("Promising unit"), validators=[DataRequired(message=REQUIRED_UNIT)])
    due_date = DateField(_l("Due date"), validators=[DataRequired(message=_l("Enter a date as YYYY-MM-DD."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = unit_choices(include_blank=True)


class FulfilForm(FlaskForm):
    fulfilled_on = DateField(_l("Fulfilled on"), validators=[DataRequired(message=_l("Enter a date as YYYY-MM-DD."))])
    evidence = TextAreaField(_l("Evidence"),
                             validators=[DataRequired(message=_l("Describe the evidence of fulfilment.")),
                                         Length(max=4000)])

    def validate_fulfilled_on(self, field):
        if field.data and field.data > timeutil.today():
            raise ValidationError(_l("The date cannot be in the future."))


class BoardFilterForm(FlaskForm):
    """GET filters of the board; invalid values are reported at the field (400), never a 500."""

    class Meta:
        csrf = False

    department = UnitField(_l("Assigned to"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()],
                        choices=[("", "—"), ("active", _l("Open (all)"))]
                        + [(s, STATE_LABELS[s]) for s in PROBLEM_STATES])
    overdue = BooleanField(_l("Overdue only"))
    unit = UnitField(_l("Project's unit"), validators=[Optional()])
    industry = SelectField(_l("Industry"), validators=[Optional()])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, industries=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Every category a plugin names: problems recorded under an earlier list are still found.
        self.category.choices = [("", "—")] + choice_lists.filter_choices("problem_category")
        self.department.choices = unit_choices(include_blank=True)
        self.unit.choices = unit_choices(include_blank=True)
        self.industry.choices = [("", "—")] + list(industries)
