"""The core's default assessment (a plugin that answers last): weighted target completion,
bonuses for Three-Category-500 and 10亿元 projects, deductions and vetoes, from the year's rules.

See DEFAULT_RULES in portal.ranking.assessment for the keys and their defaults.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from portal import hookimpl
from portal.ranking.targets import FIGURES_BY_CODE

ZERO = Decimal(0)
CENT = Decimal("0.01")


def _dec(value) -> Decimal:
    return ZERO if value is None else Decimal(str(value))


def _label(code: str) -> str:
    figure = FIGURES_BY_CODE.get(code)
    return str(figure.label) if figure else code


def score(figures: dict, targets: dict, rules: dict) -> dict:
    """The default formula, usable by county plugins that only change the rules."""
    cap = _dec(rules.get("completion_cap", 120))
    breakdown = []
    total = ZERO
    for code, weight in (rules.get("weights") or {}).items():
        weight = _dec(weight)
        target = _dec(targets.get(code))
        value = _dec(figures.get(code))
        if target <= 0:
            breakdown.append({"label": _label(code), "points": ZERO, "detail": _("no target")})
            continue
        completion = min(value * 100 / target, cap)
        points = (weight * completion / 100).quantize(CENT)
        total += points
        breakdown.append({"label": _label(code), "points": points,
                          "detail": _("%(pct)s%% of target × %(weight)s points",
                                      pct=(value * 100 / target).quantize(Decimal("0.1")), weight=weight)})
    bonus = ZERO
    for code, per_project in (rules.get("bonus") or {}).items():
        bonus += _dec(per_project) * _dec(figures.get(code))
    bonus_cap = rules.get("bonus_cap")
    if bonus_cap is not None:
        bonus = min(bonus, _dec(bonus_cap))
    if bonus:
        total += bonus
        breakdown.append({"label": _("Bonus"), "points": bonus.quantize(CENT),
                          "detail": _("Three-Category-500 and 1-billion-yuan projects")})
    for rule in rules.get("deductions") or []:
        value = figures.get(rule.get("figure"))
        if value is None or _dec(value) < _dec(rule.get("below")):
            points = _dec(rule.get("points"))
            total -= points
            breakdown.append({"label": _("Deduction"), "points": -points.quantize(CENT),
                              "detail": _("%(figure)s below %(value)s", figure=_label(rule.get("figure", "")),
                                          value=rule.get("below"))})
    vetoes = []
    for rule in rules.get("vetoes") or []:
        value = figures.get(rule.get("figure"))
        if value is None or _dec(value) < _dec(rule.get("below")):
            vetoes.append(rule.get("reason") or _("%(figure)s below %(value)s",
                                                  figure=_label(rule.get("figure", "")), value=rule.get("below")))
    return {"score": total.quantize(CENT), "breakdown": breakdown, "vetoes": vetoes}


@hookimpl(trylast=True)
def portal_assess_unit(unit, figures, targets, period, context):
    return score(figures, targets, context.rules)
