"""The registry of notification kinds: one ``register`` call makes a kind exist.

A kind has a code (stored in ``Notification.kind``, at most 20 characters), the label its
recipients choose it by on the preferences page, the text shown (an English ``_l`` template
with ``%(name)s`` placeholders filled from the notification's args, in the reader's language),
the roles it may concern, and for a scheduled kind a ``daily`` collector: ``collector(today)``
returns the ``Due`` items of the day, selected in SQL. ``portal notify`` and the once-a-day run
send each item once (``NotificationSend``). A team behind its quota, for instance::

    kinds.register("team_quota", _l("A team behind its quota"),
                   _l("%(team)s is behind its quota of %(quota)s this month."),
                   roles=("bureau", "unit"), daily=teams_behind_quota)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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

    def concerns(self, user) -> bool:
        return self.roles is None or user.role in self.roles


REGISTRY: dict[str, Kind] = {}


def register(code: str, label, text, *, roles=None, default: bool = True, daily=None, readable=None,
             order: int = 100, labels: dict | None = None) -> Kind:
    """Add (or replace, for a module imported twice) a kind."""
    if not 0 < len(code) <= 20:
        raise ValueError(f"a notification kind's code has 1 to 20 characters: {code!r}")
    kind = Kind(code, label, text, tuple(roles) if roles else None, default, daily, readable, order, labels or {})
    REGISTRY[code] = kind
    return kind


def get(code: str) -> Kind | None:
    return REGISTRY.get(code)


def for_user(user) -> list[Kind]:
    """The kinds that can reach ``user``, in the order the preferences page lists them."""
    return sorted((k for k in REGISTRY.values() if k.concerns(user)), key=lambda k: (k.order, k.code))


def scheduled() -> list[Kind]:
    return sorted((k for k in REGISTRY.values() if k.daily), key=lambda k: (k.order, k.code))
