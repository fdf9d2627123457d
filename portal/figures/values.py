"""A figure's value as pages show it: the value, last year's, the change, the list behind it."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.figures.definitions import catalogue
from portal.figures.scope import Scope
from portal.figures.sql import TENTH
from portal.periods import Period


def change_pct(value, previous) -> Decimal | None:
    """Change against last year in percent, one decimal; None where last year was nil."""
    if value is None or previous is None or previous == 0:
        return None
    return ((Decimal(value) - Decimal(previous)) * 100 / Decimal(previous)).quantize(TENTH, ROUND_HALF_UP)


def change_points(value, previous) -> Decimal | None:
    """Change of a rate against last year in percentage points (个百分点), one decimal: 50 % → 60 %
    is +10.0, not the +20 % a relative change would read; None where either rate is missing."""
    if value is None or previous is None:
        return None
    return (Decimal(value) - Decimal(previous)).quantize(TENTH, ROUND_HALF_UP)


@dataclass
class Figure:
    """One number: its value, the same period last year and the change (in percent, or in
    percentage points for a rate: ``change`` and ``in_points``)."""

    key: str
    value: object
    previous: object = None
    link: str = ""  # the query string of /projects listing the projects behind the value
    #: A rate's parts: the numerator (the number of projects its link lists, or for the capital
    #: availability rate the capital in place) and the denominator; None for other figures.
    numerator: object = None
    denominator: object = None
    previous_link: str = ""  # the same list for the same period last year

    @property
    def label(self) -> str:
        found = catalogue().figures.get(self.key)
        return str(found[0]) if found else self.key

    @property
    def kind(self) -> str:
        found = catalogue().figures.get(self.key)
        return found[1] if found else "count"

    @property
    def in_points(self) -> bool:
        """A rate: its change is in percentage points, never a percentage of a percentage."""
        return self.kind == "percent"

    @property
    def change_pct(self) -> Decimal | None:
        """The relative change in percent; None for a rate (see ``change_points``)."""
        return None if self.in_points else change_pct(self.value, self.previous)

    @property
    def change_points(self) -> Decimal | None:
        """A rate's change in percentage points; None for other figures."""
        return change_points(self.value, self.previous) if self.in_points else None

    @property
    def change(self) -> Decimal | None:
        """The change as pages show it: percentage points for a rate, percent otherwise."""
        return self.change_points if self.in_points else self.change_pct

    @property
    def trend(self) -> str:
        """"up", "down", "flat" or "none" (no comparison possible)."""
        change = self.change
        if change is None:
            return "none"
        return "up" if change > 0 else "down" if change < 0 else "flat"


@dataclass
class Figures:
    """Every figure of a period and scope; ``figures.signed_count.value`` and so on."""

    period: Period
    previous_period: Period
    scope: Scope
    items: dict = field(default_factory=dict)

    def __getattr__(self, name):
        items = self.__dict__.get("items", {})
        if name in items:
            return items[name]
        raise AttributeError(name)

    def __iter__(self):
        return iter(self.items.values())

    def __getitem__(self, key) -> Figure:
        return self.items[key]


@dataclass
class Row:
    """A row of a table by unit, industry or team: a key, its label and its figures."""

    key: object
    label: str
    figures: dict  # key → Figure

    def __getitem__(self, key) -> Figure:
        return self.figures[key]
