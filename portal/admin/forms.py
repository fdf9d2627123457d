"""Forms for units and users."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import Select, html_params

from portal.auth.passwords import StrongPassword
from portal.labels import ROLE_LABELS, UNIT_KIND_LABELS
from portal.models import ROLES, UNIT_KINDS, Unit, User
from portal.web import parse_id


def unit_choices(include_blank=False):
    """The active units as (id, indented name) choices; the units are read once per request."""
    from portal.web import per_request

    choices = per_request("unit_choices", _active_unit_choices)
    return ([("", "—")] if include_blank else []) + list(choices)


def _active_unit_choices():
    units = Unit.select(Unit.id, Unit.name, Unit.path).where(Unit.active == True).order_by(Unit.path)  # noqa: E712
    return tuple((str(u.id), "\u2003" * (u.path.count("/") - 2) + u.name) for u in units)


def coerce_unit(value):
    """Turn a posted unit id into a Unit; an unknown id becomes a form error, not a 500."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, Unit):
        return value
    unit_id = parse_id(value)
    return Unit.get_or_none(Unit.id == unit_id) if unit_id else None


class UnitSelect(Select):
    """wtforms' Select, same HTML, without its per-option overhead (a select holds every unit)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        current = field._value()
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label in field.choices:
            selected = "selected " if value == current else ""
            html.append(f'<option {selected}value="{escape(value)}">{escape(label or value)}</option>')
        html.append("</select>")
        return Markup("".join(html))


class UnitField(SelectField):
    """A select of active units whose value is checked against the database. Its data is
    always a Unit or None, whether it came from the stored record or from the request."""

    widget = UnitSelect()

    def process_data(self, value):
        # SelectField would coerce the stored Unit with str(): an id string that no option
        # compared equal to, so an edit page showed (and saved) the first unit instead.
        self.data = coerce_unit(value)

    def pre_validate(self, form):
        if self.data is None and self.raw_data and self.raw_data[0] not in ("", None):
            raise ValidationError(_l("Choose a unit from the list."))

    def _value(self):
        return str(self.data.id) if isinstance(self.data, Unit) else ""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        self.data = coerce_unit(valuelist[0]) if valuelist else None

    def iter_choices(self):
        current = self._value()
        for value, label in self.choices:
            yield (value, label, value == current, {})


class UnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[(k, UNIT_KIND_LABELS[k]) for k in UNIT_KINDS])
    parent = UnitField(_l("Parent unit"), validators=[Optional()])
    city = StringField(_l("Stationed in (city)"), validators=[Optional(), Length(max=50)])
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=9999)])


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=2, max=64),
                    Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash and underscore only."))],
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    unit = UnitField(_l("Unit"), validators=[DataRequired(message=_l("Choose a unit from the list."))])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)], filters=[lambda v: v or ""])
    password = PasswordField(_l("Password"), validators=[
        Optional(), Length(max=200), StrongPassword(username=lambda form: form.username.data)])

    def __init__(self, *args, editing: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing

    def validate_username(self, field):
        query = User.select().where(User.username == field.data)
        if self.editing is not None:
            query = query.where(User.id != self.editing.id)
        if query.exists():
            raise ValidationError(_l("This username is taken."))

    def validate(self, extra_validators=None):
        # Not a validate_password method: Optional() stops the chain on an empty field first.
        valid = super().validate(extra_validators)
        if self.editing is None and not self.password.data:
            self.password.errors = [*self.password.errors, _l("A new user needs a password.")]
            return False
        return valid


class ResetPasswordForm(FlaskForm):
    """An administrator sets a user's password (``username``: that user's)."""

    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(max=200), StrongPassword(username=lambda form: form.username)])

    def __init__(self, *args, username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.username = username
