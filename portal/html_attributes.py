"""Form fields' HTML attributes written by a faster twin of WTForms' ``html_params``.

WTForms writes every attribute of every input, select, option and label through
``Markup("{k}=\\"{v}\\"").format(...)``: string.Formatter run under markupsafe's escaping
formatter, about 7 µs an attribute. An input of six attributes cost 44 µs, a seventh of the
login page; a project's edit form, with its selects' options, 3 ms of 14. ``html_params``
below writes the same characters (each value escaped, then any ``"`` a Markup value still
holds written ``&quot;``, keys sorted and cleaned by WTForms' own ``clean_key``) in a sixth
of the time; tests/test_html_attributes.py compares the two over generated attributes.

``install()`` puts it where WTForms' widgets look it up: the widget classes' ``html_params``
attribute (there for a widget to replace) and the module functions that selects, options,
text areas and labels call. It is idempotent, and it leaves alone a widget class whose
``html_params`` is not WTForms' own.
"""
from __future__ import annotations

import wtforms.widgets
import wtforms.widgets.core as widgets_core
from markupsafe import Markup, escape

#: WTForms' own function, kept for the tests' comparison and to recognise the classes using it.
WTFORMS_HTML_PARAMS = getattr(widgets_core.html_params, "wtforms_original", widgets_core.html_params)
_clean_key = widgets_core.clean_key


def html_params(**kwargs) -> Markup:
    """The attributes as HTML, exactly as WTForms writes them: ``True`` gives the bare name,
    ``False`` leaves the attribute out, any other value is escaped."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(_clean_key(key))
        elif value is not False:
            params.append(f'{_clean_key(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


html_params.wtforms_original = WTFORMS_HTML_PARAMS


def install() -> None:
    """Make WTForms' widgets and labels write their attributes with ``html_params``."""
    for name in dir(widgets_core):
        widget = getattr(widgets_core, name)
        own = vars(widget).get("html_params") if isinstance(widget, type) else None
        if isinstance(own, staticmethod) and own.__func__ is WTFORMS_HTML_PARAMS:
            widget.html_params = staticmethod(html_params)
    for module in (widgets_core, wtforms.widgets):  # selects, options, text areas; labels
        if module.html_params is WTFORMS_HTML_PARAMS:
            module.html_params = html_params
