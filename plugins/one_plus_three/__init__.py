"""A city "1+3" industry system with a "1+1" layout for each county (县域“1+1”布局).

A project is judged by whether its industry fits the layout of its county (the county,
district or zone its responsible unit belongs to): in the layout suits (100 points); in
the city system but outside the county's layout needs discussion
(``outside_layout_points``); outside the city system does not suit (veto).
"""
from decimal import Decimal
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal import hookimpl

__version__ = "1.0.0"
CODE = "one_plus_three"
RULES_FILE = Path(__file__).with_name("rules.example.toml")
REVIEW_KEYS = {"outside_layout_points": "number"}


@hookimpl
def portal_industry_systems():
    return [{"code": CODE, "name_zh": "“1+3”产业体系（县域“1+1”布局）",
             "name_en": '"1+3" city system ("1+1" county layouts)', "scope": "city",
             "rules_file": RULES_FILE, "review_keys": REVIEW_KEYS}]


def _code(field, value) -> str:
    return value or ""


def review(project, city_codes: set, county_name: str | None, layout: list, rules: dict, label=_code) -> dict:
    """``label(field, code)``: a stored code as the reader reads it (``context.value_label``)."""
    code = project.industry_code
    vetoes, notes = [], []
    if code in layout:
        points, recommendation = Decimal(100), "suits"
    elif code in city_codes:
        points, recommendation = Decimal(str(rules["outside_layout_points"])), "discuss"
        if county_name and layout:
            notes.append(_l("The industry belongs to the city system but not to %(county)s's layout.",
                                county=county_name))
        else:
            notes.append(_l("The project's county has no layout in the rules."))
    else:
        points, recommendation = Decimal(0), "unsuitable"
        vetoes.append(_l("The industry is outside the city's 1+3 system."))
    scores = [{"code": "layout", "label": _l("Fits the county's 1+1 layout"), "value": label("industry_code", code),
               "benchmark": ", ".join(label("industry_code", item) for item in layout), "points": points,
               "max_points": Decimal(100)}]
    return {"scores": scores, "total": points, "recommendation": recommendation, "vetoes": vetoes, "notes": notes}


@hookimpl
def portal_project_review(project, context):
    if context.system_code != CODE:
        return None
    county = context.county_of(project.responsible_unit)
    city_codes = {item["code"] for item in context.system["industries"]}
    return review(project, city_codes, county.name if county else None, context.layout_of(project.responsible_unit),
                  context.rules, context.value_label)


# Assessment and ranking (考核排名) ----------------------------------------------------------
# Every target counts the same: the score is the average completion (percent, capped) of the
# figures the unit has a target for, plus a bonus per Three-Category-500 project.

def assess(figures: dict, targets: dict, rules: dict) -> dict:
    """score = average over the targets of min(value ÷ target × 100, completion_cap)
    + three500_bonus × Three-Category-500 projects; no target at all: 0."""
    cap = Decimal(str(rules.get("completion_cap", 120)))
    completions = []
    for code, target in sorted(targets.items()):
        if not target:
            continue
        value = Decimal(str(figures.get(code) or 0))
        completions.append(min(value * 100 / Decimal(str(target)), cap))
    average = (sum(completions, Decimal(0)) / len(completions)) if completions else Decimal(0)
    average = average.quantize(Decimal("0.01"))
    breakdown = [{"label": _l("Average target completion"), "points": average,
                  "detail": _l("%(n)s targets", n=len(completions))}]
    bonus = Decimal(str(rules.get("three500_bonus", 3))) * Decimal(str(figures.get("three500_count") or 0))
    if bonus:
        breakdown.append({"label": _l("Three-Category-500 bonus"), "points": bonus, "detail": ""})
    return {"score": (average + bonus).quantize(Decimal("0.01")), "breakdown": breakdown, "vetoes": []}


@hookimpl
def portal_assess_unit(unit, figures, targets, period, context):
    if context.system_code != CODE:
        return None
    return assess(figures, targets, context.rules)
