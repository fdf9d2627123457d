"""Forms for logging in and changing a password."""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.passwords import StrongPassword


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(max=200), StrongPassword(username=lambda form: current_user.username)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class LoginCodeForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(message=_l("Enter the code.")), Length(max=40)])


class ConfirmTwoFactorForm(FlaskForm):
    code = StringField(_l("Code shown by the app"), validators=[DataRequired(message=_l("Enter the code.")),
                                                                Length(max=10)])


class PasswordCheckForm(FlaskForm):
    """Turning two-factor login off or making new recovery codes asks for the password again."""
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
