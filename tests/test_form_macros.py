"""The form macro every page's fields go through (templates/_form_macros.html): each message next to
its field with an id of its own, all named by the field for screen readers; the field's description
as its help unless the page gives one."""
import re

from flask_wtf import FlaskForm
from wtforms import StringField


class OneField(FlaskForm):
    code = StringField("Code", description="Two letters and four digits.")


def _render(app, errors=(), hint=None):
    with app.test_request_context():
        form = OneField(meta={"csrf": False})
        form.code.errors = list(errors)
        macro = app.jinja_env.get_template("_form_macros.html").module.field
        return str(macro(form.code, hint=hint) if hint else macro(form.code))


def test_each_message_has_its_own_id_and_the_field_names_them_all(app):
    html = _render(app, ["Too short.", "Not the city's pattern."])
    ids = re.findall(r'<p class="error" id="([^"]+)">', html)
    assert ids == ["code-error", "code-error-2"]
    assert 'aria-describedby="code-error code-error-2"' in html and 'aria-invalid="true"' in html
    one = _render(app, ["Too short."])
    assert re.findall(r'<p class="error" id="([^"]+)">', one) == ["code-error"]
    assert 'aria-describedby="code-error"' in one


def test_the_description_is_the_help_unless_the_page_gives_one(app):
    assert '<small class="hint">Two letters and four digits.</small>' in _render(app)
    given = _render(app, hint="As on the permit.")
    assert '<small class="hint">As on the permit.</small>' in given and "Two letters" not in given
