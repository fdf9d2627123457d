"""Pages: the ranking (and its Excel export), a unit's history, the targets screen with its
Excel template and upload, and the Top ten projects."""
from __future__ import annotations

import io
import re
from decimal import Decimal
from functools import wraps

from flask import Blueprint, abort, flash, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook
from openpyxl.styles import Font

from portal import figures, periods, xlsx
from portal.ranking import permissions as ranking_permissions
from portal.form_errors import FieldError
from portal.models import Unit
from portal.periods import Period
from portal.ranking import assessment, top_ten
from portal.ranking.targets import (
    ASSESSED_KINDS,
    TARGET_FIGURES,
    assessed_units,
    parse_value,
    save_targets,
    targets_for_year,
    template_workbook,
)
from portal.timeutil import today
from portal.web import get_or_404, render, see_other

bp = Blueprint("ranking", __name__, url_prefix="/ranking")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(check):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _year_arg() -> tuple[int, str | None]:
    """The ``year`` query argument (this year by default) and a translated error."""
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return today().year, None
    try:
        year = int(raw)
        Period.of_year(year)
    except ValueError:
        return today().year, _("Choose a year between %(low)s and %(high)s.", low=1990, high=2100)
    return year, None


def _period_arg() -> tuple[Period, str | None]:
    raw = (request.args.get("period") or "").strip()
    if not raw:
        return Period.of_year(today().year), None
    try:
        return Period.parse(raw), None
    except ValueError as exc:
        return Period.of_year(today().year), str(exc)


def period_choices(current: Period) -> list[tuple[str, str]]:
    """The portal's period menu without open ranges (a ranking is for a year, half or quarter)."""
    return periods.choices(today(), figures.first_project_year(), open_ranges=False, current=current)


# Ranking --------------------------------------------------------------------------

@bp.route("")
@_require(ranking_permissions.can_read_ranking)
def index():
    period, error = _period_arg()
    ranking = assessment.assess(period)
    if request.args.get("format") == "xlsx" and not error:
        return send_file(io.BytesIO(_ranking_workbook(ranking)), mimetype=XLSX, as_attachment=True,
                         download_name=f"ranking-{_file_safe(period.code)}.xlsx")
    return render("ranking/index.html", "ranking/_ranking.html", status=400 if error else 200,
                  ranking=ranking, period=period, error=error, choices=period_choices(period),
                  plugin_notice=failed_assessment_notice(ranking),
                  figures=TARGET_FIGURES, can_edit_targets=ranking_permissions.can_edit_targets(current_user))


def failed_assessment_notice(ranking) -> str | None:
    """Say that scores come from the default assessment because a county's plugin failed (page and export)."""
    if not ranking.failed_plugins:
        return None
    return _("The assessment plugin %(names)s failed, so the default assessment scored instead; "
             "an administrator can see the error on the plugins page.", names=", ".join(ranking.failed_plugins))


def _file_safe(code: str) -> str:
    """A period code (2026-YTD:2026-05-31) fit for a file or sheet name (Excel refuses ':')."""
    return re.sub(r"[:\\/?*\[\]]", "_", code)


#: The number format of a target figure's value and target by its kind.
KIND_FORMATS = {"count": xlsx.COUNT_FORMAT, "amount": xlsx.AMOUNT_FORMAT, "usd": xlsx.AMOUNT_FORMAT,
                "rate": xlsx.PERCENT_FORMAT}


def _ranking_workbook(ranking) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _file_safe(ranking.period.code)[:31] or "ranking"
    ws.append(xlsx.row(ws, [_("Ranking %(period)s", period=ranking.period.label)]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(xlsx.row(ws, [_("Time elapsed: %(pct)s%%", pct=ranking.elapsed_pct)]))
    notice = failed_assessment_notice(ranking)
    if notice:
        ws.append(xlsx.row(ws, [notice]))
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, color="C00000")
    header = [_("Rank"), _("Unit"), _("Score"), _("Rank change"), _("Vetoes")]
    formats = [xlsx.COUNT_FORMAT, None, "0.00", xlsx.COUNT_FORMAT, None]
    for figure in TARGET_FIGURES:
        header += [str(figure.label), _("Target"), _("Completion (%)")]
        formats += [KIND_FORMATS.get(figure.kind)] * 2 + [xlsx.PERCENT_FORMAT]
    rows = []
    for r in ranking.results:
        row = [r.rank, r.unit.name, r.score, r.rank_change, "; ".join(r.vetoes)]
        for figure in TARGET_FIGURES:
            row += [r.figures.get(figure.code), r.targets.get(figure.code), r.completion.get(figure.code)]
        rows.append(row)
    # The titles are long: they would widen column A, so the table fits its own cells only.
    xlsx.table(ws, header, rows, formats, widths=[8], above=ws.max_row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@bp.route("/units/<unit_id>")
@_require(ranking_permissions.can_read_ranking)
def unit(unit_id):
    unit = get_or_404(Unit, unit_id)
    period, error = _period_arg()
    rows = []
    for ranking in assessment.assess_periods(assessment.history_periods(period, 4)):
        result = ranking.for_unit(unit.id)
        if result is not None:
            rows.append((ranking.period, ranking, result))
    if not rows and not error and unit.kind not in ASSESSED_KINDS:
        abort(404)
    return render("ranking/unit.html", status=400 if error else 200, unit=unit, rows=rows, period=period,
                  error=error, choices=period_choices(period), figures=TARGET_FIGURES)


# Targets --------------------------------------------------------------------------

def _field_name(unit_id: int, code: str) -> str:
    return f"t-{unit_id}-{code}"


@bp.route("/targets", methods=["GET", "POST"])
@_require(ranking_permissions.can_edit_targets)
def targets():
    year, error = _year_arg()
    if error:
        return render("ranking/targets.html", status=400, year=year, error=error, units=[], values={},
                      errors={}, figures=TARGET_FIGURES)
    units = list(assessed_units())
    values = {u.id: {code: ("" if v is None else _plain(v)) for code, v in targets_for_year(year).get(u.id, {}).items()}
              for u in units}
    errors: dict = {}
    if request.method == "POST":
        parsed: dict = {}
        for u in units:
            parsed[u.id] = {}
            for figure in TARGET_FIGURES:
                raw = request.form.get(_field_name(u.id, figure.code), "")
                values.setdefault(u.id, {})[figure.code] = raw
                try:
                    parsed[u.id][figure.code] = parse_value(raw, figure)
                except ValueError as exc:
                    errors[(u.id, figure.code)] = str(exc)
        if not errors:
            changed = save_targets(year, parsed, current_user, source="form")
            flash(_("Targets saved (%(count)s units changed).", count=changed), "success")
            return see_other("ranking.targets", year=year)
        flash(_("Some targets could not be saved; see the marked cells."), "error")
    names = {u.id: u.name for u in units}
    labels = {f.code: f.label for f in TARGET_FIGURES}
    summary = [FieldError(_field_name(unit_id, code), f"{names[unit_id]} · {labels[code]}", message)
               for (unit_id, code), message in errors.items()]
    return render("ranking/targets.html", status=422 if errors else 200, year=year, error=None, units=units,
                  values=values, errors=errors, figures=TARGET_FIGURES, field_name=_field_name,
                  form_errors=summary)


@bp.route("/targets/<unit_id>/row", methods=["POST"])
@_require(ranking_permissions.can_edit_targets)
def targets_row(unit_id):
    """Save one unit's row (htmx): answers the row again, with messages at its cells (422)."""
    year, error = _year_arg()
    if error:
        abort(400, error)
    unit = get_or_404(Unit, unit_id)
    if unit.id not in {u.id for u in assessed_units()}:
        abort(404)
    values, errors, parsed = {unit.id: {}}, {}, {}
    for figure in TARGET_FIGURES:
        raw = request.form.get(_field_name(unit.id, figure.code), "")
        values[unit.id][figure.code] = raw
        try:
            parsed[figure.code] = parse_value(raw, figure)
        except ValueError as exc:
            errors[(unit.id, figure.code)] = str(exc)
    if not errors:
        save_targets(year, {unit.id: parsed}, current_user, source="form")
        values = {unit.id: {code: _plain(v) for code, v in targets_for_year(year).get(unit.id, {}).items()}}
    return render("ranking/_target_row.html", status=422 if errors else 200, unit=unit, year=year, values=values,
                  errors=errors, figures=TARGET_FIGURES, field_name=_field_name, row_saved=not errors)


def _plain(value: Decimal) -> str:
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value.normalize())


@bp.route("/targets/template.xlsx")
@_require(ranking_permissions.can_edit_targets)
def targets_template():
    year, error = _year_arg()
    if error:
        abort(400, error)
    return send_file(io.BytesIO(template_workbook(year)), mimetype=XLSX, as_attachment=True,
                     download_name=f"targets-{year}.xlsx")


# Top ten projects ---------------------------------------------------------------

@bp.route("/top-ten", methods=["GET", "POST"])
@_require(ranking_permissions.can_read_ranking)
def top_ten_page():
    year, error = _year_arg()
    selection = top_ten.selection(year)
    can_select = ranking_permissions.can_select_top_ten(current_user)
    candidates = (top_ten.candidates(year, current_user)
                  if ranking_permissions.can_read_top_ten_candidates(current_user) and not error else [])
    form_rows = [{"project": str(s.project_id), "reason": s.reason} for s in selection]
    form_rows += [{"project": "", "reason": ""} for _ in range(top_ten.MAX_SELECTED - len(form_rows))]
    errors: dict = {}
    if request.method == "POST":
        if not can_select:
            abort(403)
        if error:
            abort(400)
        form_rows, picks, errors = top_ten.read_form(request.form, year, current_user)
        if not errors:
            top_ten.save(year, picks, current_user)
            flash(_("The Top ten projects of %(year)s were saved.", year=year), "success")
            return see_other("ranking.top_ten_page", year=year)
    return render("ranking/top_ten.html", status=400 if error else (422 if errors else 200), year=year, error=error,
                  selection=selection, candidates=candidates, can_select=can_select, form_rows=form_rows,
                  errors=errors, recommendation_label=top_ten.recommendation_label)


@bp.route("/top-ten/print")
@_require(ranking_permissions.can_read_ranking)
def top_ten_print():
    year, error = _year_arg()
    if error:
        abort(400, error)
    return render("ranking/top_ten_print.html", year=year, selection=top_ten.selection(year))


__all__ = ["bp"]
