"""An example portal plugin: one module, four hooks. Registered through the `portal` entry point."""
from decimal import Decimal
from pathlib import Path

from portal import hookimpl

__version__ = "0.2.0"
CODE = "example_county"


@hookimpl
def portal_industry_systems(context):
    return [{"code": CODE, "name_zh": "示例县产业体系", "name_en": "Example county system",
             "rules_file": Path(__file__).with_name("rules.toml"), "review_keys": {"min_investment": "number"}}]


@hookimpl
def portal_project_review(project, context):
    if context.system_code != CODE:
        return None
    threshold = Decimal(str(context.rules["min_investment"]))
    ok = project.total_investment >= threshold
    return {"scores": [{"label": "Total investment", "value": str(project.total_investment),
                        "benchmark": str(threshold), "points": 100 if ok else 0, "max_points": 100}],
            "total": 100 if ok else 0, "recommendation": "suits" if ok else "discuss", "vetoes": [], "notes": []}


@hookimpl
def portal_extra_fields():
    return [{"code": "building_no", "label": "Park building number", "type": "text"}]


@hookimpl
def portal_export_columns():
    return [{"code": "investment_yi", "label": "Investment (100 million yuan)",
             "value": lambda project: project.total_investment / 10000}]
