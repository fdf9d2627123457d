from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.review.service import DECISION_LABELS


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("", "—"), *DECISION_LABELS.items()],
                           validators=[DataRequired(message=_l("Choose a decision."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
