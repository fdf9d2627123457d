"""A county "6+3" industry system: six leading and three characteristic industries, with a
contribution-based review (output value, tax and jobs per 亩 against the county's benchmarks).

"If it suits, do it; if not, forget it": points = weight x min(actual / benchmark, 1) per
measure; at least ``suits_at`` points suits, at least ``discuss_at`` needs discussion,
less does not suit. The numbers come from the rules file (example data in
rules.example.toml; PORTAL_RULES_FILE names the county's own).
"""
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal import hookimpl

__version__ = "1.0.0"
CODE = "six_plus_three"
RULES_FILE = Path(__file__).with_name("rules.example.toml")
REVIEW_KEYS = {key: "number" for key in (
    "output_per_mu", "tax_per_mu", "jobs_per_mu", "output_weight", "tax_weight", "jobs_weight",
    "suits_at", "discuss_at")}


@hookimpl
def portal_industry_systems():
    return [{"code": CODE, "name_zh": "“6+3”产业体系", "name_en": '"6+3" industry system', "scope": "county",
             "rules_file": RULES_FILE, "review_keys": REVIEW_KEYS}]


def _d(value) -> Decimal:
    return Decimal(str(value))


def _q(value: Decimal, places="0.1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def score(project, rules: dict) -> dict:
    """The score breakdown of a project under a year's rules (no Flask needed except for labels)."""
    measures = [
        ("output", _l("Output value per mu"), project.expected_output, rules["output_per_mu"], rules["output_weight"]),
        ("tax", _l("Tax per mu"), project.expected_tax, rules["tax_per_mu"], rules["tax_weight"]),
        ("jobs", _l("Jobs per mu"), project.expected_jobs, rules["jobs_per_mu"], rules["jobs_weight"]),
    ]
    land = project.land_area_mu
    scores, notes, total = [], [], Decimal(0)
    complete = True
    for code, label, amount, benchmark, weight in measures:
        weight, benchmark = _d(weight), _d(benchmark)
        if not land or land <= 0 or amount is None:
            complete = False
            scores.append({"code": code, "label": label, "value": "", "benchmark": str(benchmark),
                           "points": Decimal(0), "max_points": weight})
            continue
        per_mu = _d(amount) / _d(land)
        ratio = min(per_mu / benchmark, Decimal(1)) if benchmark > 0 else Decimal(1)
        points = _q(weight * ratio)
        total += points
        scores.append({"code": code, "label": label, "value": str(_q(per_mu, "0.01")),
                       "benchmark": str(benchmark), "points": points, "max_points": weight})
    total = _q(total)
    if total >= _d(rules["suits_at"]):
        recommendation = "suits"
    elif total >= _d(rules["discuss_at"]):
        recommendation = "discuss"
    else:
        recommendation = "unsuitable"
    if not complete:
        notes.append(_l("Land area, output value, tax or jobs are missing; the score is incomplete."))
        if recommendation == "unsuitable":
            recommendation = "discuss"
    return {"scores": scores, "total": total, "recommendation": recommendation, "vetoes": [], "notes": notes}


@hookimpl
def portal_project_review(project, context):
    if context.system_code != CODE:
        return None
    result = score(project, context.rules)
    codes = {item["code"] for item in context.system["industries"]}
    if project.industry_code not in codes:
        result["notes"].append(_l("The industry is not one of the county's 6+3 industries."))
        if result["recommendation"] == "suits":
            result["recommendation"] = "discuss"
    return result


# Assessment and ranking (考核排名) ----------------------------------------------------------
# "Discuss heroes by contribution": investment signed, capital in place and projects started
# count most; Three-Category-500 investors earn a bonus; a unit that signs nothing in the
# period is vetoed. Weights from [YEAR.assessment] of the rules file.

def assess(figures: dict, targets: dict, rules: dict) -> dict:
    """points = investment_weight × min(signed investment ÷ target, 1)
    + capital_weight × min(capital in place ÷ target, 1) + start_weight × start rate ÷ 100
    + three500_bonus per Three-Category-500 project; veto without a signed project."""
    breakdown, total = [], Decimal(0)
    for code, label, weight_key, default in (
        ("signed_investment", _l("Signed investment against target"), "investment_weight", 40),
        ("capital_in_place", _l("Capital in place against target"), "capital_weight", 40),
    ):
        weight, target = _d(rules.get(weight_key, default)), targets.get(code)
        ratio = min(_d(figures.get(code) or 0) / _d(target), Decimal(1)) if target else Decimal(0)
        points = _q(weight * ratio, "0.01")
        total += points
        breakdown.append({"label": label, "points": points, "detail": f"{_q(ratio * 100)}% × {weight}"})
    start_rate = figures.get("start_rate")
    weight = _d(rules.get("start_weight", 20))
    points = _q(weight * _d(start_rate) / 100, "0.01") if start_rate is not None else Decimal(0)
    total += points
    breakdown.append({"label": _l("Start rate"), "points": points, "detail": f"{start_rate or 0}% × {weight}"})
    bonus = _d(rules.get("three500_bonus", 5)) * _d(figures.get("three500_count") or 0)
    if bonus:
        total += bonus
        breakdown.append({"label": _l("Three-Category-500 bonus"), "points": _q(bonus, "0.01"), "detail": ""})
    vetoes = [] if figures.get("signed_count") else [_l("No project was signed in the period.")]
    return {"score": _q(total, "0.01"), "breakdown": breakdown, "vetoes": vetoes}


@hookimpl
def portal_assess_unit(unit, figures, targets, period, context):
    if context.system_code != CODE:
        return None
    return assess(figures, targets, context.rules)
