"""Values as offices write them: amounts with or without units, dates in five spellings, yes/no.

Each parser returns the value or raises ``ValueProblem`` with a message a clerk understands."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.projects.forms import MAX_AMOUNT

#: Amount units, in 万元 per unit (the portal stores 万元).
AMOUNT_UNITS = {
    "亿元": Decimal(10000), "亿": Decimal(10000),
    "万元": Decimal(1), "万": Decimal(1),
    "元": Decimal("0.0001"),
    "10,000 yuan": Decimal(1), "10k cny": Decimal(1), "10,000 usd": Decimal(1), "10k usd": Decimal(1),
    "万美元": Decimal(1),
    "100 million yuan": Decimal(10000), "yuan": Decimal("0.0001"), "cny": Decimal("0.0001"),
}
_UNIT_PATTERN = "|".join(re.escape(u) for u in sorted(AMOUNT_UNITS, key=len, reverse=True))
_AMOUNT_RE = re.compile(rf"^([+-]?[\d,，]*\.?\d+)\s*({_UNIT_PATTERN})?$", re.IGNORECASE)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(份)?$")
_YES = {"是", "√", "✓", "✔", "y", "yes", "1", "true", "有", "对"}
_NO = {"否", "×", "✗", "n", "no", "0", "false", "无", "不是", ""}
#: Numbers read as years (2026, 2026.3), not as Excel serial dates (they would be days of 1905).
YEARS = (1900, 2101)
#: Excel's day 0 (serial dates in CSV files saved from Excel).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _no_day(value: str):
    return _l("“%(value)s” gives no day. Enter the full date, for example 2026-03-01 or 2026年3月1日.", value=value)


class ValueProblem(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """A cell as text: numbers without a trailing .0 (a code typed as a number), stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def unit_factor(unit_text: str) -> Decimal | None:
    """万元 per unit for a unit written in a header or a cell ("亿元", "万元", "元" …), or None."""
    return AMOUNT_UNITS.get((unit_text or "").strip().lower())


def parse_amount(value, column_factor: Decimal | None = None) -> Decimal | None:
    """An amount in 万元: a number in the column's unit (万元 unless the header says otherwise),
    or text with its own unit ("7.6亿", "76,290", "500万元")."""
    if blank(value):
        return None
    factor = column_factor if column_factor is not None else Decimal(1)
    if isinstance(value, bool):
        raise ValueProblem(_l("Enter an amount, for example 7.6亿 or 76290."))
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        match = _AMOUNT_RE.match(text(value).replace(" ", "").replace("\u3000", ""))
        if not match:
            raise ValueProblem(_l("Enter an amount, for example 7.6亿 or 76290."))
        number = Decimal(match.group(1).replace(",", "").replace("，", ""))
        if match.group(2):
            factor = unit_factor(match.group(2))
    amount = (number * factor).quantize(Decimal("0.01"))
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValueProblem(_l("Enter an amount between 0 and %(max)s.", max="99,999,999,999,999"))
    return amount


def parse_number(value) -> Decimal | None:
    """A plain number ≥ 0 (land area in 亩)."""
    if blank(value):
        return None
    try:
        number = Decimal(text(value).replace(",", "")) if not isinstance(value, (int, float)) else Decimal(str(value))
    except InvalidOperation:
        raise ValueProblem(_l("Enter a number, for example 1200.50.")) from None
    if not number.is_finite() or number < 0 or number > MAX_AMOUNT:
        raise ValueProblem(_l("Enter a number, for example 1200.50."))
    return number.quantize(Decimal("0.01"))


def parse_integer(value) -> int | None:
    number = parse_number(value)
    if number is None:
        return None
    if number != number.to_integral() or number > 10_000_000:
        raise ValueProblem(_l("Enter a whole number."))
    return int(number)


def parse_date(value) -> dt.date | None:
    """An Excel date, or 2022-03-01, 2022/3/1, 2022.3.1, 2022年3月1日 (and Excel serial numbers)."""
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and YEARS[0] <= value < YEARS[1]:
        # 2026.3 typed into a number cell: as a serial it is a day of 1905, never a project's date.
        raise ValueProblem(_no_day(text(value)))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    raw = text(value)
    match = _DATE_RE.match(raw.split(" ")[0] if " " in raw and ":" in raw else raw)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    if _MONTH_RE.match(raw):
        raise ValueProblem(_no_day(raw))
    raise ValueProblem(_l("Enter a date, for example 2022-03-01 or 2022年3月1日."))


def parse_period(value) -> dt.date | None:
    """A date as ``parse_date`` reads it, or a month (2026年3月, 2026-03, 2026/3, 2026.3) as its
    first day: entries a sheet gives per month stay on the same day on every re-import."""
    if not blank(value) and isinstance(value, str):
        match = _MONTH_RE.match(text(value))
        if match and 1 <= int(match.group(2)) <= 12:
            return dt.date(int(match.group(1)), int(match.group(2)), 1)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and YEARS[0] <= value < YEARS[1]:
        # a number cell: 2026.1 and 2026.10 are the same number, so the month cannot be told
        raise ValueProblem(_l("“%(value)s” is a number: write the month as text (2026年3月) or give the full date.",
                              value=text(value)))
    try:
        return parse_date(value)
    except ValueProblem:
        raise ValueProblem(_l("Enter a date or a month, for example 2026-03-15 or 2026年3月.")) from None


def parse_bool(value) -> bool:
    """是/否, √, Y/N, 1/0, yes/no (and the portal's own export: Yes/No in either language)."""
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise ValueProblem(_l("Enter 是 or 否 (yes or no)."))


def parse_cell(kind: str, value, column_factor: Decimal | None = None):
    """A cell read as its column's kind (``columns.Field.kind``); names of units, roles, stages …
    come back as text for the list's own lookups."""
    if kind in ("amount", "usd"):
        return parse_amount(value, column_factor)
    if kind == "number":
        return parse_number(value)
    if kind == "integer":
        return parse_integer(value)
    if kind == "date":
        return parse_date(value)
    if kind == "period":
        return parse_period(value)
    if kind == "bool":
        return parse_bool(value)
    if kind == "code":
        return text(value).upper() or None
    return text(value)
