"""Annual targets per unit: the figures that can have a target, reading and saving them (audited),
and the Excel template (imported through the import pages: ``portal.ranking.targets_import``)."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit, xlsx
from portal.db import database
from portal.models import Unit, UnitTarget
from portal.models.fields import utcnow

#: Unit kinds that are assessed and get targets.
ASSESSED_KINDS = ("county", "district", "zone", "department", "team")


@dataclass(frozen=True)
class TargetFigure:
    code: str
    label: object  # a lazy string
    kind: str  # "count", "amount" (万元), "usd" (万美元) or "rate" (percent)

    @property
    def cumulative(self) -> bool:
        """Counts and amounts add up over the year (and are pro-rated); rates do not."""
        return self.kind != "rate"


TARGET_FIGURES = (
    TargetFigure("signed_count", _l("Signed projects"), "count"),
    TargetFigure("signed_investment", _l("Signed investment (10k yuan)"), "amount"),
    TargetFigure("projects_1bn", _l("Projects of 1 billion yuan or more"), "count"),
    TargetFigure("three500_count", _l("Three-Category-500 projects"), "count"),
    TargetFigure("foreign_count", _l("Foreign-invested projects"), "count"),
    TargetFigure("foreign_capital", _l("Foreign capital (10k USD)"), "usd"),
    TargetFigure("capital_in_place", _l("Capital in place (10k yuan)"), "amount"),
    TargetFigure("implementation_rate", _l("Implementation rate (%)"), "rate"),
    TargetFigure("start_rate", _l("Start rate (%)"), "rate"),
    TargetFigure("capital_availability_rate", _l("Capital availability rate (%)"), "rate"),
)
FIGURES_BY_CODE = {f.code: f for f in TARGET_FIGURES}
MAX_VALUE = Decimal("99999999999999")


def assessed_units():
    """Active units that are assessed, in tree order."""
    return (Unit.select().where(Unit.kind.in_(ASSESSED_KINDS), Unit.active == True)  # noqa: E712
            .order_by(Unit.path))


def targets_for_year(year: int) -> dict[int, dict[str, Decimal]]:
    """``{unit id: {figure code: value}}`` for a year."""
    result: dict[int, dict[str, Decimal]] = {}
    query = UnitTarget.select(UnitTarget.unit, UnitTarget.figure, UnitTarget.value).where(UnitTarget.year == year)
    for row in query.tuples():
        result.setdefault(row[0], {})[row[1]] = row[2]
    return result


#: A rate typed with its percent sign ("85%", full-width "85％") means 85.
PERCENT_SIGNS = ("%", "％")


def parse_value(raw, figure: TargetFigure) -> Decimal | None:
    """A cell or form value as a target: None when blank; ValueError with a translated message."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(_("Enter a number."))
    text = str(raw).strip().replace(",", "")
    if figure.kind == "rate" and text.endswith(PERCENT_SIGNS):
        text = text[:-1].strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not value.is_finite():
        raise ValueError(_("Enter a number."))
    if value < 0:
        raise ValueError(_("A target cannot be negative."))
    if figure.kind == "count" and value != value.to_integral_value():
        raise ValueError(_("Enter a whole number."))
    if figure.kind == "rate" and value > 100:
        raise ValueError(_("A rate is at most 100."))
    if value > MAX_VALUE:
        raise ValueError(_("The number is too large."))
    return value.quantize(Decimal("0.01"))


def save_targets(year: int, values: dict[int, dict[str, Decimal | None]], user, source: str = "form") -> int:
    """Store the given targets (None removes one); audit each unit's changes. Returns units changed."""
    current = targets_for_year(year)
    changed_units = 0
    with database.atomic():
        for unit_id, figures in values.items():
            before = current.get(unit_id, {})
            changes = {}
            for code, value in figures.items():
                old = before.get(code)
                if (old is None and value is None) or (old is not None and value is not None and old == value):
                    continue
                if value is None:
                    UnitTarget.delete().where(UnitTarget.year == year, UnitTarget.unit == unit_id,
                                              UnitTarget.figure == code).execute()
                elif old is None:
                    UnitTarget.create(year=year, unit=unit_id, figure=code, value=value, updated_by=user.id)
                else:
                    (UnitTarget.update(value=value, updated_by=user.id, updated_at=utcnow())
                     .where(UnitTarget.year == year, UnitTarget.unit == unit_id, UnitTarget.figure == code)
                     .execute())
                changes[f"{year}.{code}"] = [old, value]
            if changes:
                changed_units += 1
                audit.record("targets", "unit", unit_id, changes, note=source, user=user)
    return changed_units


# Excel ------------------------------------------------------------------------

HEADER_ROW = 3  # rows 1–2: title and instructions; row 3: figure codes and labels


def template_workbook(year: int) -> bytes:
    """The upload template: one row per assessed unit (with its id), one column per figure,
    pre-filled with the year's current targets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = str(year)
    ws.cell(row=1, column=1, value=_("Targets %(year)s", year=year)).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=_("Fill in the white cells; keep the unit id column, the header row and the "
                                     "sheet's name (the year). Amounts in 10k yuan (foreign capital in 10k USD), "
                                     "rates in percent. An empty cell leaves a target as it is."))
    headers = [_("Unit id"), _("Unit")] + [f"{f.label} [{f.code}]" for f in TARGET_FIGURES]
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font = Font(bold=True)
    grey = PatternFill("solid", fgColor="DDDDDD")
    targets = targets_for_year(year)
    for row, unit in enumerate(assessed_units(), start=HEADER_ROW + 1):
        ws.cell(row=row, column=1, value=unit.id).fill = grey
        xlsx.as_text(ws.cell(row=row, column=2, value=unit.name)).fill = grey
        for col, figure in enumerate(TARGET_FIGURES, start=3):
            value = targets.get(unit.id, {}).get(figure.code)
            if value is not None:
                ws.cell(row=row, column=col, value=int(value) if figure.kind == "count" else float(value))
    ws.column_dimensions["B"].width = 28
    for col in range(3, 3 + len(TARGET_FIGURES)):
        ws.column_dimensions[ws.cell(row=HEADER_ROW, column=col).column_letter].width = 18
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


#: A year in a sheet's name or title ("2026", "Targets 2026", "2026年目标").
_YEAR = re.compile(r"(?<!\d)(19\d\d|2[01]\d\d)(?!\d)")


def sheet_year(sheet_name: str, title) -> int | None:
    """The year a sheet holds targets for: its name (the template names it after the year),
    else the one year in its title cell (A1); None when neither says."""
    if re.fullmatch(r"\s*\d{4}\s*", sheet_name or "") and _YEAR.search(sheet_name):
        return int(sheet_name)
    years = set(_YEAR.findall(str(title or "")))
    return int(years.pop()) if len(years) == 1 else None


__all__ = [
    "ASSESSED_KINDS", "FIGURES_BY_CODE", "TARGET_FIGURES", "TargetFigure", "assessed_units",
    "parse_value", "save_targets", "sheet_year", "targets_for_year", "template_workbook",
]
