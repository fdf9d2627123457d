from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, StopValidation

from portal.models import Unit, User
from portal.models.chains import TARGET_STATUSES
from portal.web import parse_id

TARGET_STATUS_LABELS = {
    "not_contacted": _l("Not contacted"),
    "contacted": _l("Contacted"),
    "visited": _l("Visited"),
    "clue": _l("Became a clue"),
}


def _id_or_none(value):
    if value in (None, "", "None"):
        return None
    record_id = parse_id(value)
    return record_id if record_id is not None else -1  # rejected by the choices check: a message at the field


class ChainInfoForm(FlaskForm):
    leader = SelectField(_l("Chain leader"), coerce=_id_or_none, validators=[Optional()])
    special_team = SelectField(_l("Special team"), coerce=_id_or_none, validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        leaders = User.select().where(User.role == "leader", User.active == True).order_by(User.display_name)  # noqa: E712
        teams = Unit.select().where(Unit.kind == "special_team", Unit.active == True).order_by(Unit.name)  # noqa: E712
        self.leader.choices = [(None, "—")] + [(u.id, u.display_name) for u in leaders]
        self.special_team.choices = [(None, "—")] + [(u.id, u.name) for u in teams]


class TargetForm(FlaskForm):
    company = StringField(_l("Company"), validators=[DataRequired(message=_l("Enter the company.")), Length(max=200)])
    chain_link_code = SelectField(_l("Chain link"), validators=[Optional()])
    reason = TextAreaField(_l("Why this company"), validators=[Length(max=2000)])
    reviewed_quarter = StringField(_l("Quarter last reviewed"), validators=[
        Optional(), Regexp(r"^\d{4}Q[1-4]$", message=_l("Write the quarter as 2026Q3."))])
    status = SelectField(_l("Status"), choices=[(s, TARGET_STATUS_LABELS[s]) for s in TARGET_STATUSES])
    project = SelectField(_l("Linked project"), coerce=_id_or_none, validators=[Optional()])


class ProjectNumberField(IntegerField):
    """A project given by its number; filled from a record's project (a model) by its id."""

    def process_data(self, value):
        super().process_data(getattr(value, "id", value))

    def pre_validate(self, form):
        if self.process_errors:  # "not a valid integer" says it: no range message on top of it
            raise StopValidation()


class TargetFormByNumber(TargetForm):
    """``TargetForm`` for an industry with more projects than a select can offer (``PROJECT_CHOICES_MAX``
    in portal.chains.views): the linked project is given by its number, as in its page's address."""

    project = ProjectNumberField(
        _l("Linked project (its number)"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
        description=_l("The number in the project page's address: 1024 for /projects/1024. Empty for none."))
