"""A "4+1" key-industry system with an entry threshold (准入门槛) and a one-vote veto (一票否决).

A project is checked for: an industry among the 4+1, investment intensity (万元 per 亩)
and total investment at least the thresholds, safety and environmental assessment not
failed. Any failed check vetoes the project (does not suit); a check that cannot be
made yet (no land area, assessment pending) means it needs discussion; all passed suits.
Each passed check scores 20 points of 100. Thresholds come from the rules file.
"""
from decimal import Decimal
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal import hookimpl

__version__ = "1.0.0"
CODE = "four_plus_one"
RULES_FILE = Path(__file__).with_name("rules.example.toml")
REVIEW_KEYS = {"min_intensity": "number", "min_investment": "number"}
POINTS = Decimal(20)


@hookimpl
def portal_industry_systems():
    return [{"code": CODE, "name_zh": "“4+1”重点产业", "name_en": '"4+1" key industries', "scope": "city",
             "rules_file": RULES_FILE, "review_keys": REVIEW_KEYS}]


def _code(field, value) -> str:
    return value or ""


def review(project, rules: dict, industry_codes: set, label=_code) -> dict:
    """``label(field, code)``: a stored code as the reader reads it (``context.value_label``)."""
    scores, vetoes, notes = [], [], []
    unknown = False

    def check(code, measure, value, benchmark, passed, veto_text):
        nonlocal unknown
        if passed is None:
            unknown = True
        elif not passed:
            vetoes.append(veto_text)
        scores.append({"code": code, "label": measure, "value": value, "benchmark": benchmark,
                       "points": POINTS if passed else Decimal(0), "max_points": POINTS})

    check("industry", _l("Industry among the 4+1"), label("industry_code", project.industry_code), "4+1",
          project.industry_code in industry_codes, _l("The industry is not one of the 4+1 key industries."))
    intensity = project.investment_intensity
    min_intensity = Decimal(str(rules["min_intensity"]))
    check("intensity", _l("Investment intensity (10k yuan per mu)"), "" if intensity is None else str(intensity),
          str(min_intensity), None if intensity is None else intensity >= min_intensity,
          _l("Investment intensity is below the entry threshold."))
    min_investment = Decimal(str(rules["min_investment"]))
    check("investment", _l("Total investment (10k yuan)"), str(project.total_investment), str(min_investment),
          project.total_investment >= min_investment, _l("Total investment is below the entry threshold."))
    for code, measure, field, veto in (
        ("safety", _l("Safety assessment"), "safety_assessment", _l("The safety assessment failed.")),
        ("environment", _l("Environmental assessment"), "environment_assessment",
         _l("The environmental assessment failed.")),
    ):
        state = getattr(project, field)
        check(code, measure, label(field, state), label(field, "passed"), {"passed": True, "failed": False}.get(state),
              veto)
    if intensity is None:
        notes.append(_l("No land area: investment intensity cannot be checked yet."))
    if vetoes:
        recommendation = "unsuitable"
    elif unknown:
        recommendation = "discuss"
    else:
        recommendation = "suits"
    total = sum((s["points"] for s in scores), Decimal(0))
    return {"scores": scores, "total": total, "recommendation": recommendation, "vetoes": vetoes, "notes": notes}


@hookimpl
def portal_project_review(project, context):
    if context.system_code != CODE:
        return None
    codes = {item["code"] for item in context.system["industries"]}
    result = review(project, context.rules, codes, context.value_label)
    if result["vetoes"]:
        result["notes"].append(_l("One-vote veto: any failed check rules the project out."))
    return result


# Assessment and ranking (考核排名) ----------------------------------------------------------
# Big projects first: each project of 10亿元 or more scores, signed projects and foreign
# capital against their targets; a low implementation rate costs points and a very low one
# is a one-vote veto. Numbers from [YEAR.assessment] of the rules file.

def assess(figures: dict, targets: dict, rules: dict) -> dict:
    """points = min(per_1bn_project × projects ≥ 10亿, max_1bn_points)
    + signed_weight × min(signed ÷ target, 1) + foreign_weight × min(foreign capital ÷ target, 1)
    − low_implementation_deduction when implementation rate < low_implementation_below;
    veto when implementation rate < veto_implementation_below."""
    d = lambda v: Decimal(str(v))  # noqa: E731
    breakdown = []
    big = d(figures.get("projects_1bn") or 0)
    points = min(d(rules.get("per_1bn_project", 25)) * big, d(rules.get("max_1bn_points", 50)))
    breakdown.append({"label": _l("Projects of 1 billion yuan or more"), "points": points, "detail": str(big)})
    total = points
    for code, label, weight_key, default in (
        ("signed_count", _l("Signed projects against target"), "signed_weight", 30),
        ("foreign_capital", _l("Foreign capital against target"), "foreign_weight", 20),
    ):
        weight, target = d(rules.get(weight_key, default)), targets.get(code)
        ratio = min(d(figures.get(code) or 0) / d(target), Decimal(1)) if target else Decimal(0)
        points = (weight * ratio).quantize(Decimal("0.01"))
        total += points
        breakdown.append({"label": label, "points": points, "detail": f"{(ratio * 100).quantize(Decimal('0.1'))}%"})
    vetoes = []
    rate = figures.get("implementation_rate")
    if rate is not None and d(rate) < d(rules.get("low_implementation_below", 60)):
        deduction = d(rules.get("low_implementation_deduction", 10))
        total -= deduction
        breakdown.append({"label": _l("Low implementation rate"), "points": -deduction, "detail": f"{rate}%"})
    if rate is not None and d(rate) < d(rules.get("veto_implementation_below", 30)):
        vetoes.append(_l("Implementation rate below %(pct)s%%.", pct=rules.get("veto_implementation_below", 30)))
    return {"score": total.quantize(Decimal("0.01")), "breakdown": breakdown, "vetoes": vetoes}


@hookimpl
def portal_assess_unit(unit, figures, targets, period, context):
    if context.system_code != CODE:
        return None
    return assess(figures, targets, context.rules)
