"""The form that makes an API token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.api.tokens import DEFAULT_DAYS, MAX_DAYS

ACCESS_CHOICES = [("read", _l("Read only")), ("write", _l("Read and write"))]


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. the monthly report script."))
    days = IntegerField(_l("Valid for (days)"), default=DEFAULT_DAYS,
                        validators=[InputRequired(), NumberRange(min=1, max=MAX_DAYS)])
    access = SelectField(_l("Access"), choices=ACCESS_CHOICES, default="read")
