"""Notification kinds: each feature answers ``portal_notification_kinds`` with its ``Kind``s,
and ``registry()`` holds the current application's (a feature turned off brings none).

A kind has a code (stored in ``Notification.kind``, at most 20 characters), the label its
recipients choose it by on the preferences page, the text shown (an English ``_l`` template
with ``%(name)s`` placeholders filled from the notification's args, in the reader's language),
the roles it may concern, and for a scheduled kind a ``daily`` collector: ``collector(today)``
returns the ``Due`` items of the day, selected in SQL. ``portal notify`` and the once-a-day run
send each item once (``NotificationSend``). A team behind its quota, for instance::

    @hookimpl
    def portal_notification_kinds():
        return [Kind("team_quota", _l("A team behind its quota"),
                     _l("%(team)s is behind its quota of %(quota)s this month."),
                     roles=("bureau", "unit"), daily=teams_behind_quota)]
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app


@dataclass(frozen=True)
class Due:
    """One scheduled notification: to these users, about ``subject_id`` (0 for a digest), once per ``key``."""

    user_ids: tuple
    args: dict
    link: str = ""
    subject_id: int = 0
    key: str = ""


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # a lazy string
    text: object  # a lazy string with %(name)s placeholders
    roles: tuple | None = None  # who can get it (None: every role)
    default: bool = True  # sent unless the user turned it off
    daily: Callable | None = None
    # ``readable(notifications, user) -> {id: {"text", "readable"}}`` for kinds whose subject may
    # move out of the reader's reach (problems); others are checked by their project (args "project_id").
    readable: Callable | None = None
    order: int = 100
    # ``labels``: {arg name: {code: lazy label}}: args stored as codes, shown in the reader's language.
    labels: dict = field(default_factory=dict)

    def __post_init__(self):
        if not 0 < len(self.code) <= 20:
            raise ValueError(f"a notification kind's code has 1 to 20 characters: {self.code!r}")
        if self.roles is not None:
            object.__setattr__(self, "roles", tuple(self.roles))

    def concerns(self, user) -> bool:
        return self.roles is None or user.role in self.roles


#: Where an application keeps its kinds (``app.extensions``).
REGISTRY_KEY = "portal_notification_kinds"


def registry() -> dict[str, Kind]:
    """``{code: Kind}`` of the current application's plugins, read once per application (its
    plugins are fixed when it starts). Of two kinds with one code the one of the plugin
    registered first is kept (the portal's own before a county's) and the other reported as
    its plugin's failure."""
    found = current_app.extensions.get(REGISTRY_KEY)
    if found is None:
        from portal import plugins  # a cycle: plugins -> hookspecs -> notifications.kinds

        found = {}
        answers = plugins.call_with_plugins("portal_notification_kinds")[0]
        for plugin, answer in reversed(answers):  # pluggy calls the last registered first
            for kind in answer:
                if kind.code in found:
                    plugins.registry().report(plugin, "portal_notification_kinds",
                                              ValueError(f"notification kind {kind.code!r} is taken"))
                else:
                    found[kind.code] = kind
        current_app.extensions[REGISTRY_KEY] = found
    return found


def get(code: str) -> Kind | None:
    return registry().get(code)


def for_user(user) -> list[Kind]:
    """The kinds that can reach ``user``, in the order the preferences page lists them."""
    return sorted((k for k in registry().values() if k.concerns(user)), key=lambda k: (k.order, k.code))


def scheduled() -> list[Kind]:
    return sorted((k for k in registry().values() if k.daily), key=lambda k: (k.order, k.code))
