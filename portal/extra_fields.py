"""Extra project fields that plugins declare (``portal_extra_fields``) and extra export columns.

Values are stored in ``Project.extra`` (a JSON dict keyed by field code). The
project form, the lists and the exports call these functions:

- ``declared_fields()``: the fields, for templates (label, type, value display);
- ``form_class(ProjectForm)``: a subclass of a WTForms form with one field per
  declared field, named ``extra_<code>``; ``load_form(form, project)`` fills it
  and ``save_form(form, project)`` stores the values in ``project.extra``;
- ``display(project, field)``: a value as text for lists and the project page;
- ``export_columns()``: ``[{"code", "label", "value": fn(project), "plugin"}]``, extra
  fields first, then the columns of ``portal_export_columns`` (``plugin``: the name of the plugin
  whose code computes the value, "" for an extra field's stored value).
"""
from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal, InvalidOperation

from portal import hookspecs

FIELD_TYPES = typing.get_args(hookspecs.FieldType)
PREFIX = "extra_"


def declared_fields() -> list[dict]:
    from portal import plugins

    seen, fields = set(), []
    for declared in plugins.call("portal_extra_fields"):
        for item in declared:
            if item["code"] in seen:
                continue
            seen.add(item["code"])
            fields.append({"required": False, "choices": [], "help": "", **item, "label": str(item["label"])})
    return fields


def _wtf_field(item: dict):
    from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField
    from wtforms.validators import DataRequired, InputRequired, Length, Optional

    validators = [InputRequired()] if item.get("required") else [Optional()]
    kwargs = {"description": str(item.get("help") or "")}
    kind = item["type"]
    if kind == "text":
        return StringField(item["label"], validators=validators + [Length(max=500)], **kwargs)
    if kind == "int":
        return IntegerField(item["label"], validators=validators, **kwargs)
    if kind == "decimal":
        return DecimalField(item["label"], validators=validators, places=None, **kwargs)
    if kind == "bool":
        return BooleanField(item["label"], **kwargs)
    if kind == "date":
        return DateField(item["label"], validators=validators, **kwargs)
    choices = [("", "—")] + [(str(v), str(lbl)) for v, lbl in item.get("choices", [])]
    return SelectField(item["label"], choices=choices,
                       validators=[DataRequired()] if item.get("required") else [Optional()], **kwargs)


def form_class(base):
    """A subclass of the WTForms form ``base`` with the declared extra fields (``extra_<code>``)."""
    fields = declared_fields()
    if not fields:
        return base
    attrs = {PREFIX + item["code"]: _wtf_field(item) for item in fields}
    return type(base.__name__ + "WithExtras", (base,), attrs)


def form_fields(form) -> list:
    """The bound extra fields of a form built by ``form_class``, in declaration order."""
    return [getattr(form, PREFIX + item["code"]) for item in declared_fields() if hasattr(form, PREFIX + item["code"])]


def _from_json(item: dict, value):
    if value is None or value == "":
        return None
    try:
        if item["type"] == "decimal":
            return Decimal(str(value))
        if item["type"] == "int":
            return int(value)
        if item["type"] == "date":
            return dt.date.fromisoformat(value)
        if item["type"] == "bool":
            return bool(value)
    except (ValueError, TypeError, InvalidOperation):  # a value stored by hand or by an older field type
        return None
    return value


def _to_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def value(project, code: str):
    """The typed value of an extra field of a project (None when unset)."""
    for item in declared_fields():
        if item["code"] == code:
            return _from_json(item, (project.extra or {}).get(code))
    return (project.extra or {}).get(code)


def load_form(form, project) -> None:
    """Fill a form's extra fields from ``project.extra`` (on GET)."""
    for item in declared_fields():
        fld = getattr(form, PREFIX + item["code"], None)
        if fld is not None:
            fld.data = _from_json(item, (project.extra or {}).get(item["code"]))


def save_form(form, project) -> dict:
    """Store the form's extra fields in ``project.extra``; returns the changes for the audit log."""
    extra = dict(project.extra or {})
    changes = {}
    for item in declared_fields():
        fld = getattr(form, PREFIX + item["code"], None)
        if fld is None:
            continue
        new = _to_json(fld.data if fld.data != "" else None)
        if extra.get(item["code"]) != new:
            changes["extra." + item["code"]] = [extra.get(item["code"]), new]
            extra[item["code"]] = new
    project.extra = extra or None
    return changes


def display(project, item: dict) -> str:
    """A value as text for lists and pages."""
    from flask_babel import gettext as _

    val = _from_json(item, (project.extra or {}).get(item["code"]))
    if val is None:
        return ""
    if item["type"] == "bool":
        return _("Yes") if val else _("No")
    if item["type"] == "choice":
        return str(dict((str(v), lbl) for v, lbl in item.get("choices", [])).get(str(val), val))
    return str(val)


def export_columns() -> list[dict]:
    """Extra columns for exports: declared fields, then ``portal_export_columns``."""
    from portal import plugins

    columns = [{"code": PREFIX + item["code"], "label": item["label"], "plugin": "",
                "value": (lambda project, item=item: _from_json(item, (project.extra or {}).get(item["code"])))}
               for item in declared_fields()]
    answers, _failed = plugins.call_with_plugins("portal_export_columns")
    for plugin, declared in answers:
        columns.extend({**col, "label": str(col["label"]), "plugin": plugin} for col in declared)
    return columns
