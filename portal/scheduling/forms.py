"""Forms of the scheduling pages: milestones, and the checks of a weekly report row."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.admin.forms import UnitField, unit_choices

MAX_TEXT = 2000


class MilestoneForm(FlaskForm):
    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=200)])
    planned_on = DateField(_l("Planned date"),
                           validators=[DataRequired(message=_l("Enter a date such as 2026-11-20."))])
    actual_on = DateField(_l("Actual date"), validators=[Optional()])
    responsible_unit = UnitField(_l("Responsible unit"), validators=[Optional()])

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.responsible_unit.choices = unit_choices(include_blank=True)
        self.today = today

    def validate_actual_on(self, field):
        if field.data and self.today and field.data > self.today:
            raise ValidationError(_l("The actual date cannot be in the future."))


class CompleteMilestoneForm(FlaskForm):
    actual_on = DateField(_l("Actual date"), validators=[DataRequired(message=_l("Enter a date such as 2026-11-20."))])

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_actual_on(self, field):
        if field.data and self.today and field.data > self.today:
            raise ValidationError(_l("The actual date cannot be in the future."))


def read_report_row(form: dict, project_id: int) -> tuple[dict | None, dict]:
    """The posted progress of one row: ``(values or None when the row is empty, errors by field)``."""
    happened = (form.get(f"happened-{project_id}") or "").strip()
    next_steps = (form.get(f"next-{project_id}") or "").strip()
    percent_raw = (form.get(f"percent-{project_id}") or "").strip()
    errors = {}
    percent = None
    if percent_raw:
        try:
            percent = int(percent_raw)
        except ValueError:
            errors["percent"] = _("Enter a whole number from 0 to 100.")
        else:
            if not 0 <= percent <= 100:
                errors["percent"] = _("Enter a whole number from 0 to 100.")
    for name, value in (("happened", happened), ("next", next_steps)):
        if len(value) > MAX_TEXT:
            errors[name] = _("At most %(n)s characters.", n=MAX_TEXT)
    if not happened and (next_steps or percent_raw) and "happened" not in errors:
        errors["happened"] = _("Say what happened this week.")
    if not (happened or next_steps or percent_raw):
        return None, errors
    return {"happened": happened, "next_steps": next_steps, "percent_complete": percent}, errors
