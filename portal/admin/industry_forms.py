"""Forms for the portal's own industries and chain links (used when no plugin system is active)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.industries import KIND_LABELS, POSITION_LABELS

#: Codes are stored on projects, so they are plain, stable and never edited after creation.
CODE_RULE = Regexp(r"^[a-z][a-z0-9_]*$", message=_l("Use lower-case letters, digits and _ , starting with a letter."))
LINK_CODE_RULE = Regexp(r"^[a-z][a-z0-9_.]*$",
                        message=_l("Use lower-case letters, digits, _ and . , starting with a letter."))

KIND_CHOICES = list(KIND_LABELS.items())
POSITION_CHOICES = list(POSITION_LABELS.items())


class IndustryForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=9999)])


class NewIndustryForm(IndustryForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40), CODE_RULE])


class LinkForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=100)])
    position = SelectField(_l("Position in the chain"), choices=POSITION_CHOICES)
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=9999)])


class NewLinkForm(LinkForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60), LINK_CODE_RULE])
