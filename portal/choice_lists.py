"""Lists of choices a county supplies (``portal_choice_lists``): investment methods, source
channels, problem categories.

The core's features give their own lists through the same hook (``trylast``), so a county's
list replaces them. For each list the first answer in pluggy's order is the list in force:
the choices a form offers. A stored code that list lacks (recorded before the county's list,
or under another plugin) still reads with the label any plugin gives it, else as the code.
Resolved once per app context (a request, a command).
"""
from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import g, has_app_context

from portal import hookspecs, plugins

LISTS = typing.get_args(hookspecs.ChoiceListName)


@dataclass
class Resolved:
    in_force: dict[str, dict[str, object]] = field(default_factory=dict)  # list -> {code: label}
    known: dict[str, dict[str, object]] = field(default_factory=dict)  # every plugin's labels, in-force ones win


def _resolve() -> Resolved:
    resolved = Resolved()
    answers = [entry for answer in plugins.call("portal_choice_lists") for entry in answer]
    for entry in answers:
        resolved.in_force.setdefault(entry["list"], {c["code"]: c["label"] for c in entry["choices"]})
    for entry in reversed(answers):  # the first plugin's label of a code wins
        resolved.known.setdefault(entry["list"], {}).update({c["code"]: c["label"] for c in entry["choices"]})
    return resolved


def _resolved() -> Resolved:
    if not has_app_context():
        return _resolve()
    if "choice_lists" not in g:
        g.choice_lists = _resolve()
    return g.choice_lists


def choices(name: str, current: str | None = None, blank: bool = False) -> list[tuple[str, str]]:
    """``[(code, label)]`` a form offers for a list; a stored ``current`` code the list lacks stays selectable."""
    offered = [(code, str(text)) for code, text in _resolved().in_force.get(name, {}).items()]
    if current and current not in {code for code, _text in offered}:
        offered.append((current, label(name, current)))
    return ([("", "—")] if blank else []) + offered


def filter_choices(name: str) -> list[tuple[str, str]]:
    """For a filter: the list in force, then the codes only other plugins' lists name (records made under them)."""
    resolved = _resolved()
    in_force = resolved.in_force.get(name, {})
    rest = [code for code in resolved.known.get(name, {}) if code not in in_force]
    return [(code, label(name, code)) for code in [*in_force, *rest]]


def codes(name: str) -> tuple[str, ...]:
    """The codes of the list in force."""
    return tuple(_resolved().in_force.get(name, {}))


def label(name: str, code) -> str:
    """The label of a stored code, or the code itself when no plugin knows it (never an error on a page)."""
    return str(_resolved().known.get(name, {}).get(code, code or ""))


class Labels(Mapping):
    """``{code: label}`` of a list, read when a page asks: for ``label(LABELS, code)`` in templates."""

    def __init__(self, name: str):
        if name not in LISTS:
            raise KeyError(name)
        self.name = name

    def _labels(self) -> dict:
        return _resolved().known.get(self.name, {})

    def __getitem__(self, code):
        return self._labels()[code]

    def __iter__(self):
        return iter(self._labels())

    def __len__(self) -> int:
        return len(self._labels())
