"""Flag reasons stored as a code with parameters, shown in the reader's language.

A reason is stored (``Project.flag_reasons``, ``FlagSnapshot.reasons``,
``UnitWeekFlag.reasons``) as one of:

- ``{"code": "milestone_overdue", "params": {"title": "土地交付", "date": {"date": "2026-01-05"}, "days": 52}}``
  — a known code (the core's below, or a feature's from ``portal_flag_reason_codes``: ``codes()``),
  rendered with its lazy template in the current locale;
- ``{"code": "tea_late", "params": {...}, "message": "%(n)s tea samples late"}`` — a plugin's own
  reason: ``message`` is its English template, translated through the catalog when shown;
- a plain string — an old stored reason, or a plugin's words: shown as it is.

Params: a str is a name (as typed, never translated), a number is formatted for the locale,
``{"date": ISO}`` / ``{"datetime": ISO local}`` are dates formatted for the locale; a code's
registered formatters turn codes (a stage, a problem category) into their label.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from flask import current_app, has_app_context
from flask_babel import force_locale, format_date, format_decimal, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.labels import STAGE_LABELS

log = logging.getLogger(__name__)


class ReasonTemplate:
    """A registered code: its lazy message template and how its coded params read."""

    def __init__(self, message, formatters: dict[str, Callable[[object], str]]):
        self.message, self.formatters = message, formatters


#: Where an application keeps its known codes (``app.extensions``).
CODES_KEY = "portal_flag_reason_codes"


def codes() -> dict[str, ReasonTemplate]:
    """The known codes: the core's (``CORE_CODES``), then those the application's plugins give
    through ``portal_flag_reason_codes``, gathered once per application (the first registered
    plugin keeps a code). Outside an application, the core's."""
    if not has_app_context():
        return CORE_CODES
    found = current_app.extensions.get(CODES_KEY)
    if found is None:
        from portal import plugins  # a cycle: plugins -> hookspecs -> flag_reasons

        found = dict(CORE_CODES)
        for _plugin, answer in reversed(plugins.call_with_plugins("portal_flag_reason_codes")[0]):
            for item in answer:
                found.setdefault(item["code"], ReasonTemplate(item["message"], dict(item.get("formatters") or {})))
        current_app.extensions[CODES_KEY] = found
    return found


def reason(code: str, **params) -> dict:
    """A reason of a known code, as a flag rule answers it (params stored as ``stored_params``)."""
    if code not in codes():
        raise KeyError(f"unknown flag reason code {code!r}")
    return {"code": code, "params": params}


# Storing ---------------------------------------------------------------------------------

def _stored_param(value):
    if isinstance(value, dt.datetime):
        return {"datetime": value.replace(tzinfo=None).isoformat(timespec="minutes")}  # local time as judged
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def stored(answer) -> str | dict:
    """The JSON form of a (checked) reason from a hook's answer: text as text, a code with its
    params; a plugin's ``message`` is kept as its English template (so any process can show it)."""
    if not isinstance(answer, dict):
        return str(answer)
    result = {"code": answer["code"], "params": {k: _stored_param(v) for k, v in (answer.get("params") or {}).items()}}
    if answer.get("message") is not None:
        result["message"] = english(answer["message"])
    return result


def english(message) -> str:
    """A plugin's template in English (the source language): a lazy translation read in English."""
    with force_locale("en"):
        return str(message)


# Rendering -------------------------------------------------------------------------------

def _shown_param(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return format_decimal(value)
    if isinstance(value, dict) and "date" in value:
        return format_date(dt.date.fromisoformat(value["date"]), "medium")
    if isinstance(value, dict) and "datetime" in value:
        moment = dt.datetime.fromisoformat(value["datetime"])
        return f"{format_date(moment.date(), 'medium')} {format_time(moment.time(), 'short', rebase=False)}"
    return str(value)


def render(value) -> str:
    """A stored reason in the current locale; an old or plain text reason as it is.

    Accepts a project flag's ``{"level", "reason"}`` entry too. Never raises: a reason that
    cannot be formatted (a translation with a wrong placeholder) shows its code."""
    if isinstance(value, dict) and "reason" in value:
        value = value["reason"]
    if isinstance(value, dict) and "code" not in value and "text" in value:  # an early stored form
        value = value["text"]
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    params = value.get("params") if isinstance(value.get("params"), dict) else {}
    template = codes().get(value.get("code"))
    if value.get("message"):
        message, formatters = _(str(value["message"])), {}
    elif template is not None:
        message, formatters = str(template.message), template.formatters
    else:
        return str(value.get("code", ""))
    shown = {name: formatters[name](v) if name in formatters else _shown_param(v) for name, v in params.items()}
    try:
        return message % shown if shown else message
    except (KeyError, ValueError, TypeError) as exc:
        log.error("Flag reason %r cannot be shown: %s", value, exc)
        return str(value.get("code", ""))


def render_each(reasons) -> list[str]:
    """Several stored reasons (or one) in the current locale, one text each (empty ones left out)."""
    if reasons is None:
        return []
    if isinstance(reasons, (str, dict)):
        reasons = [reasons]
    return [text for text in (render(r) for r in reasons) if text]


def render_all(reasons) -> str:
    """Several stored reasons (or one) as one line, e.g. for a list cell or an Excel cell."""
    return "; ".join(render_each(reasons))


# The core's codes --------------------------------------------------------------------------

def _stage_label(code) -> str:
    return str(STAGE_LABELS.get(code, code))


#: The core's codes: ``message`` a lazy template with ``%(name)s`` placeholders, formatters turning
#: a param's stored code into words (e.g. ``stage=_stage_label``).
CORE_CODES = {
    "planned_date_overdue": ReasonTemplate(
        _l("The planned date for “%(stage)s” (%(date)s) is %(days)s days overdue"), {"stage": _stage_label}),
    "milestone_overdue": ReasonTemplate(_l("The milestone “%(title)s” (%(date)s) is %(days)s days overdue"), {}),
    "report_missing": ReasonTemplate(_l("No progress report for %(week)s after the deadline %(deadline)s"), {}),
    "clue_no_followup": ReasonTemplate(_l("No follow-up note on this clue for %(days)s days"), {}),
    "yellow_weeks_running": ReasonTemplate(_l("Yellow flag %(weeks)s weeks running"), {}),
    "unit_most_advances": ReasonTemplate(
        _l("Advanced %(advances)s projects a stage; %(on_time)s of %(projects)s reported on time"), {}),
    "unit_few_on_time": ReasonTemplate(_l("Only %(on_time)s of %(projects)s projects reported on time"), {}),
}


__all__ = ["CORE_CODES", "codes", "reason", "render", "render_all", "stored"]
