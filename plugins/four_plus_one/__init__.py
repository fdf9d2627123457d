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


def review(project, rules: dict, industry_codes: set) -> dict:
    scores, vetoes, notes = [], [], []
    unknown = False

    def check(code, label, value, benchmark, passed, veto_text):
        nonlocal unknown
        if passed is None:
            unknown = True
        elif not passed:
            vetoes.append(veto_text)
        scores.append({"code": code, "label": label, "value": value, "benchmark": benchmark,
                       "points": POINTS if passed else Decimal(0), "max_points": POINTS})

    check("industry", _l("Industry among the 4+1"), project.industry_code or "", "4+1",
          project.industry_code in industry_codes, _l("The industry is not one of the 4+1 key industries."))
    intensity = project.investment_intensity
    min_intensity = Decimal(str(rules["min_intensity"]))
    check("intensity", _l("Investment intensity (10k yuan per mu)"), "" if intensity is None else str(intensity),
          str(min_intensity), None if intensity is None else intensity >= min_intensity,
          _l("Investment intensity is below the entry threshold."))
    min_investment = Decimal(str(rules["min_investment"]))
    check("investment", _l("Total investment (10k yuan)"), str(project.total_investment), str(min_investment),
          project.total_investment >= min_investment, _l("Total investment is below the entry threshold."))
    for code, label, state, veto in (
        ("safety", _l("Safety assessment"), project.safety_assessment, _l("The safety assessment failed.")),
        ("environment", _l("Environmental assessment"), project.environment_assessment,
         _l("The environmental assessment failed.")),
    ):
        check(code, label, state or "", "passed", {"passed": True, "failed": False}.get(state), veto)
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
    result = review(project, context.rules, codes)
    if result["vetoes"]:
        result["notes"].append(_l("One-vote veto: any failed check rules the project out."))
    return result
