"""Forms: a logged contact (one short form, quick from a phone), a promotion event, linking a
project to an event, and the list filters."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, MultipleFileField, SelectField, SelectMultipleField, StringField, TextAreaField,
                     widgets)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal import timeutil, uploads
from portal.models.sourcing import CONTACT_KINDS, EVENT_KINDS, EVENT_PROJECT_ROLES
from portal.sourcing.labels import CONTACT_KIND_LABELS, EVENT_KIND_LABELS, EVENT_ROLE_LABELS

DATE_REQUIRED = _l("Enter a date as YYYY-MM-DD.")
#: The most files one submit of the contact form adds (more can be added later).
MAX_FILES_AT_ONCE = 20


def _unit_choices(units) -> list[tuple[str, str]]:
    return [(str(u.id), "\u2003" * (u.path.count("/") - 2) + u.name) for u in units]


class ContactForm(FlaskForm):
    kind = SelectField(_l("Kind of contact"), choices=[(k, CONTACT_KIND_LABELS[k]) for k in CONTACT_KINDS])
    happened_on = DateField(_l("Date"), validators=[DataRequired(message=DATE_REQUIRED)])
    unit = SelectField(_l("Unit in touch"), validators=[DataRequired(message=_l("Choose a unit from the list."))])
    participants = StringField(_l("Who took part"), validators=[Optional(), Length(max=200)],
                               filters=[lambda v: (v or "").strip()])
    place = StringField(_l("Where"), validators=[Optional(), Length(max=100)], filters=[lambda v: (v or "").strip()])
    summary = TextAreaField(_l("What was discussed"),
                            validators=[DataRequired(message=_l("Say what was discussed.")), Length(max=4000)])
    next_step = TextAreaField(_l("Next step"), validators=[Optional(), Length(max=2000)],
                              filters=[lambda v: (v or "").strip()])
    project = SelectField(_l("Project"), validators=[Optional()])
    files = MultipleFileField(_l("Add files"))

    def __init__(self, *args, units=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = _unit_choices(units)
        self.project.choices = [("", "—")] + [(str(p.id), p.name) for p in projects]

    def validate_happened_on(self, field):
        if field.data and field.data > timeutil.today():
            raise ValidationError(_l("The date cannot be in the future."))

    def validate_files(self, field):
        """Each chosen file checked by its content, size and extension (portal.uploads): every
        problem is shown next to the field, and nothing is saved."""
        chosen = self.chosen_files()
        if len(chosen) > MAX_FILES_AT_ONCE:
            raise ValidationError(_l("Choose at most %(num)d files at a time.", num=MAX_FILES_AT_ONCE))
        problems = []
        for storage in chosen:
            try:
                uploads.check(storage)
            except uploads.UploadError as error:
                problems.append(str(error))
        if problems:
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])

    def chosen_files(self) -> list:
        return uploads.chosen(self.files.data)


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes, one per choice (works on a phone, without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EventForm(FlaskForm):
    name = StringField(_l("Event name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of event"), choices=[(k, EVENT_KIND_LABELS[k]) for k in EVENT_KINDS])
    city = StringField(_l("City"), validators=[Optional(), Length(max=50)], filters=[lambda v: (v or "").strip()])
    starts_on = DateField(_l("First day"), validators=[DataRequired(message=DATE_REQUIRED)])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(message=DATE_REQUIRED)])
    organiser = StringField(_l("Organiser"), validators=[Optional(), Length(max=200)],
                            filters=[lambda v: (v or "").strip()])
    leaders = StringField(_l("Leaders attending"), validators=[Optional(), Length(max=200)],
                          filters=[lambda v: (v or "").strip()])
    unit = SelectField(_l("Kept by unit"), validators=[DataRequired(message=_l("Choose a unit from the list."))])
    units = MultiCheckboxField(_l("Participating units"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)], filters=[lambda v: (v or "").strip()])

    def __init__(self, *args, keepers=(), participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = _unit_choices(keepers)
        self.units.choices = _unit_choices(participants)

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class EventProjectForm(FlaskForm):
    project = SelectField(_l("Project"), validators=[DataRequired(message=_l("Choose a project from the list."))])
    role = SelectField(_l("At the event"), choices=[(r, EVENT_ROLE_LABELS[r]) for r in EVENT_PROJECT_ROLES])

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.project.choices = [("", "—")] + [(str(p.id), p.name) for p in projects]
