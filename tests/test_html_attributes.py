"""The form fields' attributes are written by portal.html_attributes exactly as WTForms writes them."""
import string

import wtforms
import wtforms.widgets
import wtforms.widgets.core as widgets_core
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from portal import html_attributes
from portal.html_attributes import WTFORMS_HTML_PARAMS, html_params

keys = st.builds(lambda prefix, name, suffix: prefix + name + suffix,
                 st.sampled_from(["", "data_", "aria_"]),
                 st.text(string.ascii_lowercase + "_", min_size=1, max_size=8),
                 st.sampled_from(["", "_"]))
texts = st.lists(st.sampled_from(list("ab 项目\"'<>&=\u00e9") + ["&quot;"]), max_size=12).map("".join)
values = st.one_of(st.booleans(), st.none(), st.integers(-5, 10**6), texts, texts.map(Markup))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, values, max_size=7))
def test_the_same_characters_as_wtforms(attributes):
    assert str(html_params(**attributes)) == str(WTFORMS_HTML_PARAMS(**attributes))
    assert isinstance(html_params(**attributes), Markup)


def test_a_markup_value_keeps_its_markup_and_loses_its_quotes():
    written = html_params(title=Markup('say "hi" <b>'), placeholder='a "b" <c>', required=True, hidden=False)
    assert written == 'placeholder="a &#34;b&#34; &lt;c&gt;" required title="say &quot;hi&quot; <b>"'


class EveryKind(wtforms.Form):
    name = wtforms.StringField("Name <i>", render_kw={"placeholder": 'say "hi"'})
    notes = wtforms.TextAreaField("Notes")
    unit = wtforms.SelectField("Unit", choices=[("1", "县 <A>"), ("2", 'B "2"')])
    agree = wtforms.BooleanField("Agree")
    go = wtforms.SubmitField("Go")


def _rendered(form):
    return [str(piece) for field in form for piece in (field(data_x="1", aria_label='a "b"'), field.label())]


def test_installed_where_wtforms_widgets_and_labels_look_it_up(app):
    """create_app installed it; every kind of field is written as WTForms writes it."""
    assert widgets_core.Input.html_params is html_params
    assert widgets_core.Button.html_params is html_params
    assert widgets_core.html_params is html_params and wtforms.widgets.html_params is html_params
    ours = _rendered(EveryKind(data={"name": "<x> & \"y\"", "notes": "n", "unit": "2", "agree": True}))
    try:  # WTForms' own, for the comparison
        widgets_core.Input.html_params = widgets_core.Button.html_params = staticmethod(WTFORMS_HTML_PARAMS)
        widgets_core.html_params = wtforms.widgets.html_params = WTFORMS_HTML_PARAMS
        theirs = _rendered(EveryKind(data={"name": "<x> & \"y\"", "notes": "n", "unit": "2", "agree": True}))
    finally:
        html_attributes.install()
    assert ours == theirs
    assert 'selected value="2"' in " ".join(ours)
