"""The error summary at the top of a failed form: every message, each linked to its field.

The base template shows it for every WTForms form in the page's context that was posted with
errors (so a form gets it without its template doing anything), and ``portal.web.render``
puts it at the start of an htmx partial answered with 422. A page whose errors are not a
WTForms form's passes ``form_errors=[FieldError(…), …]`` to its template.
"""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import pass_context
from wtforms import Form


@dataclass(frozen=True)
class FieldError:
    field_id: str  # the id of the field to jump to; "" when there is none (a hidden field, the form)
    label: str
    message: str


def _messages(errors) -> list[str]:
    """A field's messages: a list of texts, or nested for a list or form of fields."""
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, (list, tuple)):
        return [m for value in errors for m in _messages(value)]
    return [str(errors)]


def of_form(form: Form) -> list[FieldError]:
    """The messages of ``form``, in the order of its fields, then the form's own."""
    found = []
    for field in form:
        if not field.errors:
            continue
        hidden = getattr(field.widget, "input_type", "") == "hidden"
        for message in _messages(field.errors):
            found.append(FieldError("" if hidden else field.id, str(field.label.text), message))
    for message in getattr(form, "form_errors", None) or []:
        found.append(FieldError("", "", str(message)))
    return found


def of_values(values) -> list[FieldError]:
    """The messages of every form among ``values`` (a template's context), each form once."""
    found, seen = [], set()
    for value in values:
        if isinstance(value, Form) and id(value) not in seen:
            seen.add(id(value))
            found.extend(of_form(value))
        elif isinstance(value, FieldError):
            found.append(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, FieldError) for v in value):
            found.extend(value)
    return found


@pass_context
def failed_fields(context) -> list[FieldError]:
    """For templates: the messages of the forms of the page being rendered."""
    return of_values(context.get_all().values())


def init_app(app) -> None:
    app.jinja_env.globals["failed_fields"] = failed_fields
