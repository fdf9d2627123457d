"""Reporting periods: a year, a half-year, a quarter, a month, year to date, or any from/to range.

``Period.parse("2026-H1")`` and friends; every period has inclusive ``start`` and
``end`` dates, a translated ``label``, the same period last year
(``previous_year()``, leap-day safe) and how much of it has elapsed on a day
(``elapsed_fraction(today)``, for "ahead or behind time elapsed" marks).
Invalid input raises ``ValueError`` with a translated message that a form can
show at its field.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

KINDS = ("year", "half", "quarter", "month", "ytd", "custom")

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YTD = re.compile(r"^(\d{4})-YTD:(\d{4}-\d{2}-\d{2})$", re.IGNORECASE)

MIN_YEAR, MAX_YEAR = 1990, 2100
#: The menu's value for "the dates given in from/to".
CUSTOM = "custom"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def shift_year(day: dt.date, years: int = -1) -> dt.date:
    """The same day ``years`` years away; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(_("Choose a year between %(low)s and %(high)s.", low=MIN_YEAR, high=MAX_YEAR))
    return year


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


@dataclass(frozen=True)
class Period:
    """A reporting period with inclusive ``start`` and ``end`` dates."""

    start: dt.date
    end: dt.date
    kind: str = "custom"
    year: int = 0
    part: int = 0  # the half, quarter or month number

    # Construction -----------------------------------------------------------

    @classmethod
    def of_year(cls, year: int) -> "Period":
        year = _check_year(int(year))
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", year)

    @classmethod
    def of_half(cls, year: int, half: int) -> "Period":
        year = _check_year(int(year))
        first = 1 if half == 1 else 7
        return cls(dt.date(year, first, 1), _month_end(year, first + 5), "half", year, half)

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> "Period":
        year = _check_year(int(year))
        first = 3 * (quarter - 1) + 1
        return cls(dt.date(year, first, 1), _month_end(year, first + 2), "quarter", year, quarter)

    @classmethod
    def of_month(cls, year: int, month: int) -> "Period":
        year = _check_year(int(year))
        if not 1 <= month <= 12:
            raise ValueError(_("There is no month %(month)s.", month=month))
        return cls(dt.date(year, month, 1), _month_end(year, month), "month", year, month)

    @classmethod
    def year_to_date(cls, today: dt.date) -> "Period":
        _check_year(today.year)
        return cls(dt.date(today.year, 1, 1), today, "ytd", today.year)

    @classmethod
    def between(cls, start, end) -> "Period":
        """A custom period from two dates (``date`` objects or ISO strings)."""
        start = start if isinstance(start, dt.date) else _parse_date(start)
        end = end if isinstance(end, dt.date) else _parse_date(end)
        _check_year(start.year)
        _check_year(end.year)
        if end < start:
            raise ValueError(_("The end date must not be before the start date."))
        return cls(start, end, "custom", start.year)

    @classmethod
    def parse(cls, text: str | None) -> "Period":
        """Parse "2026", "2026-H1", "2026-Q3", "2026-03" or "2026-YTD:2026-05-31"."""
        value = (text or "").strip()
        if m := _YEAR.match(value):
            return cls.of_year(int(m.group(1)))
        if m := _HALF.match(value):
            return cls.of_half(int(m.group(1)), int(m.group(2)))
        if m := _QUARTER.match(value):
            return cls.of_quarter(int(m.group(1)), int(m.group(2)))
        if m := _MONTH.match(value):
            return cls.of_month(int(m.group(1)), int(m.group(2)))
        if m := _YTD.match(value):
            day = _parse_date(m.group(2))
            if day.year != int(m.group(1)):
                raise ValueError(_("Year to date must end in the same year."))
            return cls.year_to_date(day)
        raise ValueError(_("Choose a period such as 2026, 2026-H1, 2026-Q3 or 2026-03."))

    @classmethod
    def from_args(cls, args, today: dt.date) -> "Period":
        """The period a query string asks for: ``period=…``, or ``from=…&to=…`` when ``period`` is
        empty or ``custom`` (a period chosen in the menu wins over dates left in the form); this
        year to date by default."""
        period = (args.get("period") or "").strip()
        start, end = (args.get("from") or "").strip(), (args.get("to") or "").strip()
        if period and period != CUSTOM:
            return cls.parse(period)
        if start or end or period == CUSTOM:
            if not (start and end):
                raise ValueError(_("Enter both a start and an end date."))
            return cls.between(start, end)
        return cls.year_to_date(today)

    # Derived ----------------------------------------------------------------

    @property
    def code(self) -> str:
        """The query-string form (``2026-H1``); empty for a custom range (use ``query_args``)."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "half":
            return f"{self.year}-H{self.part}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.part}"
        if self.kind == "month":
            return f"{self.year}-{self.part:02d}"
        if self.kind == "ytd":
            return f"{self.year}-YTD:{self.end.isoformat()}"
        return ""

    def query_args(self) -> dict:
        """Query-string arguments that give this period back through ``from_args``."""
        if self.kind == "custom":
            return {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.code}

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("Year %(year)s", year=self.year)
        if self.kind == "half":
            if self.part == 1:
                return _("%(year)s first half", year=self.year)
            return _("%(year)s second half", year=self.year)
        if self.kind == "quarter":
            return _("%(year)s Q%(quarter)s", year=self.year, quarter=self.part)
        if self.kind == "month":
            return _("%(year)s-%(month)s", year=self.year, month=f"{self.part:02d}")
        if self.kind == "ytd":
            return _("%(year)s to %(date)s", year=self.year, date=self.end.isoformat())
        return _("%(start)s to %(end)s", start=self.start.isoformat(), end=self.end.isoformat())

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_year(self) -> "Period":
        """The same period one year earlier (2024-02-29 → 2023-02-28); ValueError (translated)
        for a period of the first year the portal takes, which has no year before it."""
        if self.start.year <= MIN_YEAR:
            raise ValueError(_("Choose a period from %(year)s on: it is compared with the year before.",
                               year=MIN_YEAR + 1))
        if self.kind == "year":
            return Period.of_year(self.year - 1)
        if self.kind == "half":
            return Period.of_half(self.year - 1, self.part)
        if self.kind == "quarter":
            return Period.of_quarter(self.year - 1, self.part)
        if self.kind == "month":
            return Period.of_month(self.year - 1, self.part)
        if self.kind == "ytd":
            return Period.year_to_date(shift_year(self.end))
        start, end = shift_year(self.start), shift_year(self.end)
        return Period(start, end, "custom", start.year)

    def elapsed_fraction(self, today: dt.date) -> Decimal:
        """The share of the period's days that have passed on ``today`` (today included), 0 to 1."""
        if today < self.start:
            return Decimal(0)
        if today >= self.end:
            return Decimal(1)
        return (Decimal((today - self.start).days + 1) / Decimal(self.days)).quantize(Decimal("0.0001"))

    def months(self) -> list["Period"]:
        """The calendar months the period touches, each clipped to the period."""
        result = []
        year, month = self.start.year, self.start.month
        while dt.date(year, month, 1) <= self.end:
            start = max(self.start, dt.date(year, month, 1))
            end = min(self.end, _month_end(year, month))
            whole_month = start.day == 1 and end == _month_end(year, month)
            result.append(Period(start, end, "month" if whole_month else "custom", year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    def __str__(self) -> str:
        return self.code or f"{self.start.isoformat()}..{self.end.isoformat()}"


def menu_years(today: dt.date, first_year: int | None, recent: int = 3) -> range:
    """The years a period menu offers, newest first: every year from the first with a project
    (``first_year``) to this one, and at least the ``recent`` last years (an empty portal too).
    The oldest is MIN_YEAR + 1: every period is compared with the year before."""
    oldest = min(first_year or today.year, today.year - recent + 1)
    return range(today.year, max(oldest, MIN_YEAR + 1) - 1, -1)


def choices(today: dt.date, first_year: int | None = None, *, open_ranges: bool = True,
            current: "Period | None" = None) -> list[tuple[str, str]]:
    """The one period menu (dashboard, ranking …): each year that has projects with its halves
    and quarters, newest first; periods that have not begun are left out. ``open_ranges`` puts
    "This year to date" and "Custom range" first; ``current`` adds the period being shown when
    the menu lacks it (a month, a year to date chosen by address)."""
    result = [("", _("This year to date")), (CUSTOM, _("Custom range (from, to)"))] if open_ranges else []
    for year in menu_years(today, first_year):
        for period in [Period.of_year(year), Period.of_half(year, 1), Period.of_half(year, 2)] + [
            Period.of_quarter(year, q) for q in range(1, 5)
        ]:
            if period.start <= today:
                result.append((period.code, period.label))
    if current is not None and current.code and current.code not in {code for code, _label in result}:
        result.insert(len(result) if open_ranges else 0, (current.code, current.label))
    return result
