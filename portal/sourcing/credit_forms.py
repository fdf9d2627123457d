"""The credit form of a project: the county's rule, or the parties and shares the bureau sets.
Flat fields (a host share and three referrer rows), so it works without JavaScript and each
message sits at its field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from portal.sourcing.labels import CREDIT_KIND_LABELS

#: Referrer rows the form offers (a project rarely has more than two).
REFERRER_ROWS = 3
REFERRER_KINDS = ("team", "unit", "chamber", "investor")
SHARE_RANGE = NumberRange(min=0, max=100, message=_l("Enter a whole percent from 0 to 100."))


class CreditForm(FlaskForm):
    version = HiddenField()
    mode = RadioField(_l("Credit"), choices=[("rule", _l("By the county's rule")),
                                             ("set", _l("Set by the bureau as below"))], default="rule")
    host_share = IntegerField(_l("Host unit's share (%)"), validators=[Optional(), SHARE_RANGE])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_kinds = {str(u.id): u.kind for u in units}
        for i in range(REFERRER_ROWS):
            self[f"r{i}_unit"].choices = [("", "—")] + [(str(u.id), u.name) for u in units]

    def referrer_rows(self):
        return [(self[f"r{i}_kind"], self[f"r{i}_unit"], self[f"r{i}_name"], self[f"r{i}_share"])
                for i in range(REFERRER_ROWS)]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not ok or self.mode.data != "set":
            return ok
        if self.host_share.data is None:
            self.host_share.errors = [_l("Enter the host unit's share.")]
            return False
        total, seen = self.host_share.data, set()
        for kind, unit, name, share in self.referrer_rows():
            filled = unit.data or (name.data or "").strip() or share.data
            if not kind.data:
                if filled:
                    kind.errors = [_l("Choose what kind of referrer this is.")]
                continue
            if share.data is None:
                share.errors = [_l("Enter a share (0 for a referral only).")]
                continue
            if kind.data in ("team", "unit"):
                if not unit.data:
                    unit.errors = [_l("Choose the unit.")]
                elif kind.data == "team" and self.unit_kinds.get(unit.data) != "team":
                    unit.errors = [_l("Choose a stationed team.")]
                elif unit.data in seen:
                    unit.errors = [_l("This unit is listed twice.")]
                seen.add(unit.data)
            else:
                if not (name.data or "").strip():
                    name.errors = [_l("Enter the chamber's or investor's name.")]
                if share.data:
                    share.errors = [_l("Only a unit can take a share: a chamber or investor counts a referral.")]
            total += share.data
        if any(f.errors for row in self.referrer_rows() for f in row):
            return False
        if total != 100:
            self.host_share.errors = [_l("The shares add up to %(total)d%%, not 100%%.", total=total)]
            return False
        return True

    def parties(self, host_unit_id: int) -> list[dict] | None:
        """The parties entered (None: the county's rule), the host first."""
        if self.mode.data != "set":
            return None
        out = [{"kind": "host", "unit_id": host_unit_id, "name": "", "share": self.host_share.data}]
        for kind, unit, name, share in self.referrer_rows():
            if kind.data:
                unit_id = int(unit.data) if kind.data in ("team", "unit") else None
                out.append({"kind": kind.data, "unit_id": unit_id,
                            "name": "" if unit_id else (name.data or "").strip(), "share": share.data})
        return out


for _i in range(REFERRER_ROWS):
    setattr(CreditForm, f"r{_i}_kind", SelectField(_l("Referrer"), choices=[("", "—")] + [
        (k, CREDIT_KIND_LABELS[k]) for k in REFERRER_KINDS], validators=[Optional()]))
    setattr(CreditForm, f"r{_i}_unit", SelectField(_l("Unit or team"), validators=[Optional()]))
    setattr(CreditForm, f"r{_i}_name", StringField(_l("Chamber or investor"), validators=[Optional()],
                                                   filters=[lambda v: (v or "").strip()[:200]]))
    setattr(CreditForm, f"r{_i}_share", IntegerField(_l("Share (%)"), validators=[Optional(), SHARE_RANGE]))


def initial_data(project, parties: list[dict], set_by_bureau: bool) -> dict:
    """The form's values for the project's current parties."""
    data = {"version": str(project.version), "mode": "set" if set_by_bureau else "rule"}
    referrers = [p for p in parties if p["kind"] != "host"]
    data["host_share"] = next((p["share"] for p in parties if p["kind"] == "host"), 100)
    for i, party in enumerate(referrers[:REFERRER_ROWS]):
        data.update({f"r{i}_kind": party["kind"], f"r{i}_unit": str(party["unit_id"] or ""),
                     f"r{i}_name": party["name"], f"r{i}_share": party["share"]})
    return data
