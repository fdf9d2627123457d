"""Forms for the project record, stage changes, verification, capital and attachments."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (BooleanField, DateField, DecimalField, HiddenField, IntegerField, MultipleFileField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import html_params

from portal import choice_lists, extra_fields, industries, permissions
from portal.admin.forms import UnitField
from portal.labels import STAGE_LABELS
from portal.models import INVESTOR_CLASSES, Enterprise, Unit, User
from portal.stages import DATE_COLUMN, LINE, history_problems, rank
from portal.timeutil import today
from portal.web import parse_id

#: The core's source channels and investment methods (招商方式): code -> label; a county's lists
#: replace them (``portal_choice_lists``, see portal.choice_lists).
CHANNELS = {
    "stationed_team": _l("Via a stationed team"),
    "event": _l("Event or expo"),
    "business_referral": _l("Business referral"),
    "fund": _l("Fund"),
    "online": _l("Online"),
    "leader_visit": _l("Leader visit"),
    "other": _l("Other"),
}

ASSESSMENTS = {
    "passed": _l("Passed"),
    "pending": _l("In progress"),
    "failed": _l("Not passed"),
}

#: Said when a class posted for an investor the user may not reclassify was not applied.
CLASS_KEPT = _l("The investor's class was kept as recorded: only the bureau can change an investor's class.")
#: Largest amount a money column holds (16 digits, 2 decimals).
MAX_AMOUNT = Decimal("99999999999999.99")
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}$")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters with a check character at the end."""
    if not CREDIT_CODE_RE.match(code):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code[:17], _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


AMOUNT_RANGE_MESSAGE = _l("Enter an amount between 0 and %(max)s.", max="99,999,999,999,999")


class AmountField(DecimalField):
    """An exact amount ≥ 0 (万元); text, NaN and infinities are refused with a message."""

    def __init__(self, label=None, validators=None, **kwargs):
        validators = list(validators or [Optional()])
        validators.append(NumberRange(min=0, max=MAX_AMOUNT, message=AMOUNT_RANGE_MESSAGE))
        super().__init__(label, validators, places=2, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            raw = (valuelist[0] or "").strip().replace(",", "")
            if not raw:
                self.data = None
                return
            try:
                value = Decimal(raw)
            except InvalidOperation:
                self.data = None
                raise ValueError(_l("Enter a number, for example 1200.50."))
            if not value.is_finite():
                self.data = None
                raise ValueError(_l("Enter a number, for example 1200.50."))
            if abs(value) > MAX_AMOUNT:  # 1e308 cannot even be rounded to cents
                self.data = None
                raise ValueError(AMOUNT_RANGE_MESSAGE)
            self.data = value.quantize(Decimal("0.01"))


class ModelSelectField(SelectField):
    """A select whose posted id must be one of its choices; the data is the model instance (or None)."""

    def __init__(self, label=None, validators=None, model=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.model = model

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        raw = valuelist[0] if valuelist else ""
        self.data = None
        record_id = parse_id(raw) if raw not in ("", None) else None
        if record_id:
            self.data = self.model.get_or_none(self.model.id == record_id)

    def process_data(self, value):
        self.data = value

    def _value(self):
        return str(self.data.id) if self.data is not None else ""

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data else ""
        if raw in ("", None):
            return
        allowed = {value for value, _label in self.choices}
        if self.data is None or str(raw) not in allowed:
            raise ValidationError(_l("Choose an entry from the list."))

    def iter_choices(self):
        current = self._value()
        for value, label in self.choices:
            yield (value, label, value == current, {})


def not_in_future(form, field):
    if field.data and field.data > today():
        raise ValidationError(_l("The date cannot be in the future."))


def chain_link_industry(code: str) -> str | None:
    """The code of the active industry that owns a chain link, or None when no industry has it."""
    for item in industries.industries():
        if any(link["code"] == code for link in item.get("links", [])):
            return item["code"]
    return None


def chain_link_groups(industry_code: str | None, current: str = "") -> list[tuple]:
    """``[(group label or None, [(code, label), …]), …]`` for the chain-link select: the chosen
    industry's links, or (none chosen) every industry's links grouped by industry. A ``current``
    code no longer offered stays selectable."""
    groups = [(None, [("", "—")])]
    if industry_code:
        groups[0][1].extend(industries.chain_link_choices(industry_code))
    else:
        for item in industries.industries():
            links = industries.chain_link_choices(item["code"])
            if links:
                groups.append((industries.label(item["code"]), links))
    if current and all(current != code for _group, links in groups for code, _label in links):
        groups[0][1].append((current, industries.chain_link_label(current)))
    return groups


class GroupedSelect:
    """A ``<select>`` whose options may sit in ``<optgroup>``s (``field.groups``); WTForms 3.1 compatible."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        current = field.data or ""
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for group, options in field.groups:
            if group:
                html.append(f"<optgroup {html_params(label=str(group))}>")
            for value, text in options:
                attributes = html_params(value=value, selected=value == current)
                html.append(f"<option {attributes}>{escape(str(text))}</option>")
            if group:
                html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))


class ChainLinkField(SelectField):
    """The chain link: a select of the industry system's links, checked by the form against the industry."""

    widget = GroupedSelect()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, validate_choice=False, **kwargs)
        self.groups = [(None, [("", "—")])]

    def set_groups(self, groups):
        self.groups = groups
        self.choices = [choice for _group, options in groups for choice in options]


def known_investor(name: str, code: str | None) -> Enterprise | None:
    """The investor already recorded under this credit code, or else under this exact name (one
    without a credit code, or with this one); None for a new investor."""
    enterprise = Enterprise.get_or_none(Enterprise.credit_code == code) if code else None
    if enterprise is None and name:
        query = Enterprise.select().where(Enterprise.name == name)
        query = query.where(Enterprise.credit_code.is_null() | (Enterprise.credit_code == code)) if code else query
        enterprise = query.order_by(Enterprise.id).first()
    return enterprise


def _choices(mapping, blank=True):
    return ([("", "—")] if blank else []) + [(k, v) for k, v in mapping.items()]


class ProjectForm(FlaskForm):
    name = StringField(_l("Project name"), validators=[DataRequired(), Length(max=200)])
    # The investor: reused by credit code or exact name, otherwise created.
    investor_name = StringField(_l("Investor enterprise"), validators=[Optional(), Length(max=200)])
    investor_credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=18)])
    origin_country = StringField(_l("Origin: country"), validators=[Optional(), Length(max=50)])
    origin_province = StringField(_l("Origin: province"), validators=[Optional(), Length(max=50)])
    origin_city = StringField(_l("Origin: city"), validators=[Optional(), Length(max=50)])
    fortune_global_500 = BooleanField(_l("Fortune Global 500"))
    china_500 = BooleanField(_l("China 500"))
    china_private_500 = BooleanField(_l("China private 500"))
    central_soe = BooleanField(_l("Central SOE"))
    foreign_invested = BooleanField(_l("Foreign-invested"))
    listed = BooleanField(_l("Listed company"))

    industry_code = SelectField(_l("Industry"), validators=[Optional()], validate_choice=True)
    # The links of every industry, grouped (works without JavaScript); htmx narrows it to the chosen industry.
    chain_link_code = ChainLinkField(_l("Chain link"), validators=[Optional()])
    park = StringField(_l("Park"), validators=[Optional(), Length(max=100)])
    source_channel = SelectField(_l("Source channel"))  # the county's lists (portal.choice_lists), set per form
    investment_method = SelectField(_l("Investment method"))
    source_team = ModelSelectField(_l("Source team"), validators=[Optional()], model=Unit)
    is_key = BooleanField(_l("Key project"))
    is_confidential = BooleanField(_l("Confidential (mask the investor)"))

    total_investment = AmountField(_l("Total investment (10k CNY)"), validators=[InputRequired()])
    contracted_amount = AmountField(_l("Contracted amount (10k CNY)"))
    foreign_capital = AmountField(_l("Foreign capital (10k USD)"))
    expected_output = AmountField(_l("Expected annual output value (10k CNY)"))
    expected_tax = AmountField(_l("Expected annual tax (10k CNY)"))
    expected_jobs = IntegerField(_l("Expected jobs"), validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    land_area_mu = AmountField(_l("Land area (mu)"))
    safety_assessment = SelectField(_l("Safety assessment"), choices=_choices(ASSESSMENTS))
    environment_assessment = SelectField(_l("Environmental assessment"), choices=_choices(ASSESSMENTS))

    responsible_unit = UnitField(_l("Responsible unit"),
                                 validators=[DataRequired(message=_l("Choose a unit from the list."))])
    responsible_person = StringField(_l("Responsible person"), validators=[Optional(), Length(max=100)])
    leader = ModelSelectField(_l("Leader in charge"), validators=[Optional()], model=User)
    special_team = ModelSelectField(_l("Special team"), validators=[Optional()], model=Unit)

    planned_sign_date = DateField(_l("Planned signing date"), validators=[Optional()])
    planned_start_date = DateField(_l("Planned start date"), validators=[Optional()])
    planned_completion_date = DateField(_l("Planned completion date"), validators=[Optional()])
    planned_production_date = DateField(_l("Planned production date"), validators=[Optional()])

    version = HiddenField()

    #: The investor's class fields, shown read-only while ``investor_locked``.
    CLASS_FIELDS = INVESTOR_CLASSES

    def __init__(self, *args, user=None, investor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The investor the form shows (the project's); its class is read-only for those who may not change it.
        self.investor_locked = investor is not None and not permissions.can_change_investor_class(user, investor)
        self.industry_code.choices = [("", "—")] + industries.choices()
        known = {c for c, _l_ in self.industry_code.choices}
        current = (kwargs.get("data") or {}).get("industry_code")
        if current and current not in known:  # a code no longer in the system stays selectable
            self.industry_code.choices.append((current, industries.label(current)))
        for name in ("source_channel", "investment_method"):  # a stored code no longer listed stays selectable
            getattr(self, name).choices = choice_lists.choices(name, (kwargs.get("data") or {}).get(name), blank=True)
        self.stored_chain_link = (kwargs.get("data") or {}).get("chain_link_code") or ""
        self.chain_link_code.set_groups(chain_link_groups(None, self.stored_chain_link))
        units = list(permissions.editable_units(user))
        self.responsible_unit.choices = [(str(u.id), "\u2003" * max(0, u.path.count("/") - 2) + u.name) for u in units]
        active_units = Unit.select().where(Unit.active == True).order_by(Unit.path)  # noqa: E712
        self.source_team.choices = [("", "—")] + [(str(u.id), u.name) for u in active_units.where(Unit.kind == "team")]
        self.special_team.choices = [("", "—")] + [(str(u.id), u.name)
                                                   for u in active_units.where(Unit.kind == "special_team")]
        leaders = User.select().where(User.role == "leader", User.active == True).order_by(User.display_name)  # noqa: E712
        self.leader.choices = [("", "—")] + [(str(u.id), u.display_name) for u in leaders]

    @property
    def extras(self) -> list:
        """The extra fields that plugins declare (``portal.extra_fields``), bound to this form."""
        return extra_fields.form_fields(self)

    def validate_chain_link_code(self, field):
        code = (field.data or "").strip()
        field.data = code
        if not code:
            return
        owner = chain_link_industry(code)
        if owner is None:
            if code == self.stored_chain_link:  # unchanged: kept even if the system dropped the link
                return
            raise ValidationError(_l("Choose a chain link from the list."))
        if owner != (self.industry_code.data or ""):
            raise ValidationError(_l("This chain link belongs to another industry (%(industry)s). "
                                     "Choose a link of the project's industry.", industry=industries.label(owner)))

    def validate_responsible_unit(self, field):
        if field.data is not None and not permissions.can_edit_unit(self.user, field.data):
            raise ValidationError(_l("You may not file projects for this unit."))
        if field.data is not None and not field.data.active:
            raise ValidationError(_l("Choose a unit from the list."))

    def validate_investor_credit_code(self, field):
        code = (field.data or "").strip().upper()
        field.data = code
        if code and not credit_code_valid(code):
            raise ValidationError(_l("A unified social credit code has 18 characters (digits and capital letters) "
                                     "and a valid check character."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if (self.source_channel.data == "stationed_team" and self.source_team.data is None
                and not self.source_team.errors):
            self.source_team.errors = list(self.source_team.errors) + [
                _l("Choose the stationed team the project came from.")]
            ok = False
        return ok

    def class_change_refused(self, investor: Enterprise | None) -> bool:
        """Did the form post a class for ``investor`` that the user may not give it
        (``permissions.can_change_investor_class``)? Such a class is not applied (the read-only
        boxes post nothing: only a class ticked for a known investor on a new project, or a
        forged one, gets here); the user is told so after saving."""
        if investor is None or permissions.can_change_investor_class(self.user, investor):
            return False
        posted = [self[name] for name in self.CLASS_FIELDS if self[name].raw_data]
        return any(bool(field.data) != bool(getattr(investor, field.name)) for field in posted)

    def validate_planned_start_date(self, field):
        if field.data and self.planned_sign_date.data and field.data < self.planned_sign_date.data:
            raise ValidationError(_l("The start cannot be planned before the signing."))

    def validate_planned_completion_date(self, field):
        if field.data and self.planned_start_date.data and field.data < self.planned_start_date.data:
            raise ValidationError(_l("The completion cannot be planned before the start."))

    def validate_planned_production_date(self, field):
        earlier = self.planned_completion_date.data or self.planned_start_date.data
        if field.data and earlier and field.data < earlier:
            raise ValidationError(_l("Production cannot be planned before completion."))

    def validate_investor_name(self, field):
        field.data = (field.data or "").strip()
        if (self.investor_credit_code.data or "").strip() and not field.data:
            raise ValidationError(_l("Enter the investor's name with its credit code."))


class ChainLinkForm(FlaskForm):
    """The chain-link select alone, for the htmx partial that follows the chosen industry (GET, no CSRF)."""

    class Meta:
        csrf = False

    industry_code = HiddenField()
    chain_link_code = ChainLinkField(_l("Chain link"), validators=[Optional()])


class StageDateField(DateField):
    """An optional stage date; one that cannot be read asks for the date, as a missing one does."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validators=[Optional()], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter the date.")) from None


class NewProjectForm(ProjectForm):
    """A new project: a key clue with its date; the bureau may instead enter it at the stage it
    has reached with the dates of the stages it passed (``permissions.can_enter_history``).
    Every stage's date field is on the page (the form works without JavaScript); only those up
    to the chosen stage may be filled, and the chosen stage's date is required."""

    stage = SelectField(_l("Current stage"), default="clue", choices=[(s, STAGE_LABELS[s]) for s in LINE])
    clue_on = StageDateField(_l("Clue date"))
    negotiating_on = StageDateField(_l("Negotiation date"))
    signed_on = StageDateField(_l("Signing date"))
    started_on = StageDateField(_l("Start date"))
    completed_on = StageDateField(_l("Completion date"))
    production_on = StageDateField(_l("Production date"))
    confirm_duplicates = HiddenField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not permissions.can_enter_history(user):  # everyone else enters a key clue
            for name in ("stage",) + tuple(DATE_COLUMN[s] for s in LINE[1:]):
                delattr(self, name)
            self.clue_on.flags.required = True

    def entered_stage(self) -> str:
        return self.stage.data if "stage" in self and self.stage.data in LINE else "clue"

    def stage_dates(self) -> dict:
        """stage -> date, for the stages whose date field is filled."""
        return {s: self[DATE_COLUMN[s]].data for s in LINE if DATE_COLUMN[s] in self and self[DATE_COLUMN[s]].data}

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        stage = self.entered_stage()
        current = self[DATE_COLUMN[stage]]
        if not current.data and not current.errors:
            current.errors = list(current.errors) + [_l("Enter the date.")]
            ok = False
        for s, message in history_problems(stage, self.stage_dates()):
            self[DATE_COLUMN[s]].errors = list(self[DATE_COLUMN[s]].errors) + [message]
            ok = False
        if rank(stage) >= rank("signed") and not self.contracted_amount.data and not self.contracted_amount.errors:
            self.contracted_amount.errors = list(self.contracted_amount.errors) + [
                _l("Signing needs the contracted amount.")]
            ok = False
        return ok


class StageForm(FlaskForm):
    to_stage = SelectField(_l("New stage"), validators=[DataRequired(message=_l("Choose a stage from the list."))])
    on_date = DateField(_l("Actual date"), validators=[DataRequired(message=_l("Enter the date."))])
    contracted_amount = AmountField(_l("Contracted amount (10k CNY)"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    files = MultipleFileField(_l("Attachments"))
    version = HiddenField()

    def set_targets(self, targets):
        self.to_stage.choices = [("", "—")] + [(s, STAGE_LABELS[s]) for s in targets]


class CorrectionForm(FlaskForm):
    on_date = DateField(_l("Corrected date"), validators=[DataRequired(message=_l("Enter the date."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason for the correction.")),
                                                     Length(max=2000)])
    version = HiddenField()


class VerifyForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("approve", _l("Approve")), ("return", _l("Return"))])
    opinion = TextAreaField(_l("Opinion"), validators=[Optional(), Length(max=2000)])


class ResubmitForm(FlaskForm):
    on_date = DateField(_l("Actual date"), validators=[DataRequired(message=_l("Enter the date."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class CapitalForm(FlaskForm):
    on_date = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter the date.")), not_in_future])
    amount = AmountField(_l("Capital in place (10k CNY)"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])

    def validate_amount(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("The amount must be greater than zero."))


class AttachmentForm(FlaskForm):
    files = MultipleFileField(_l("Files"))


class ReasonForm(FlaskForm):
    """Archive and restore: an optional note."""
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
