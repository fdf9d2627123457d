"""The bureau's plan of a stationed team: its quotas (new clues and visits per week or month) and
the regions it covers in a year with their plan (the "merchants map"). Flat fields, no script."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from portal.models.sourcing import QUOTA_METRICS, QUOTA_SPANS
from portal.sourcing.labels import QUOTA_SPAN_LABELS

REGION_ROWS = 4
TARGET_RANGE = NumberRange(min=1, max=1000, message=_l("Enter a whole number from 1 to 1000, or leave it empty."))


def _strip(value):
    return (value or "").strip()


class PlanForm(FlaskForm):
    clues_target = IntegerField(_l("New clues"), validators=[Optional(), TARGET_RANGE])
    clues_span = SelectField(_l("New clues: span"), choices=[(s, QUOTA_SPAN_LABELS[s]) for s in QUOTA_SPANS])
    visits_target = IntegerField(_l("Visits"), validators=[Optional(), TARGET_RANGE])
    visits_span = SelectField(_l("Visits: span"), choices=[(s, QUOTA_SPAN_LABELS[s]) for s in QUOTA_SPANS])

    def region_rows(self):
        return [(self[f"region{i}"], self[f"plan{i}"]) for i in range(REGION_ROWS)]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        seen = set()
        for region, plan in self.region_rows():
            if plan.data and not region.data:
                region.errors = list(region.errors) + [_l("Name the region this plan is for.")]
                ok = False
            elif region.data in seen:
                region.errors = list(region.errors) + [_l("This region is listed twice.")]
                ok = False
            if region.data:
                seen.add(region.data)
        return ok

    def quotas(self) -> dict:
        return {metric: (self[f"{metric}_target"].data, self[f"{metric}_span"].data)
                for metric in QUOTA_METRICS if self[f"{metric}_target"].data}

    def regions(self) -> list:
        return [(region.data, plan.data) for region, plan in self.region_rows() if region.data]


for _i in range(REGION_ROWS):
    setattr(PlanForm, f"region{_i}", StringField(_l("Region"), validators=[Optional(), Length(max=100)],
                                                 filters=[_strip]))
    setattr(PlanForm, f"plan{_i}", TextAreaField(_l("Annual plan"), validators=[Optional(), Length(max=2000)],
                                                 filters=[_strip]))


def initial_data(plan: dict) -> dict:
    data = {}
    for metric, (target, span) in plan["quotas"].items():
        data[f"{metric}_target"], data[f"{metric}_span"] = target, span
    for i, (region, text) in enumerate(plan["regions"][:REGION_ROWS]):
        data[f"region{i}"], data[f"plan{i}"] = region, text
    return data
