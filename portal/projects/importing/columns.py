"""Which column holds what: the importable fields, recognised by their Chinese or English headers
(the portal's own export and template included), or chosen by the importer where not recognised.

A header may state the amount unit once for its column: "总投资(亿元)", "Total investment (10,000 yuan)".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.projects.importing.values import text, unit_factor

#: Rows searched for the header row (titles and notes may stand above the table).
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # lazy string, English; the template and pages show it translated
    kind: str  # text, code, amount, usd, number, integer, date, bool, unit, industry, leader, stage, ignore
    aliases: tuple = ()  # more headers offices use (Chinese and English)
    required: bool = False


FIELDS = (
    Field("code", _l("Project code"), "code", ("项目编号", "项目代码", "编号", "项目编码", "project id")),
    Field("name", _l("Project name"), "text", ("项目名称", "项目", "项目名", "project", "name"), required=True),
    Field("investor_name", _l("Investor enterprise"), "text",
          ("投资方", "签约企业", "投资企业", "投资主体", "投资单位", "企业名称", "investor", "enterprise")),
    Field("investor_credit_code", _l("Unified social credit code"), "code",
          ("统一社会信用代码", "信用代码", "credit code")),
    Field("responsible_unit", _l("Responsible unit"), "unit", ("责任单位", "牵头单位", "所属单位", "unit"),
          required=True),
    Field("industry", _l("Industry"), "industry", ("产业", "行业", "所属产业", "产业类别", "所属行业")),
    Field("stage", _l("Stage"), "stage", ("阶段", "项目阶段", "项目状态", "状态", "进度", "status")),
    Field("total_investment", _l("Total investment (10,000 yuan)"), "amount",
          ("总投资", "计划总投资", "投资总额", "总投资额", "投资额", "total investment")),
    Field("contracted_amount", _l("Contracted amount (10,000 yuan)"), "amount",
          ("签约金额", "合同金额", "协议金额", "合同投资额", "contracted amount")),
    Field("foreign_capital", _l("Foreign capital (10,000 USD)"), "usd",
          ("外资", "利用外资", "外资金额", "foreign capital")),
    Field("clue_on", _l("Clue date"), "date", ("线索日期", "信息获取日期", "线索时间", "获取日期")),
    Field("negotiating_on", _l("Negotiation date"), "date", ("洽谈日期", "在谈日期", "洽谈时间", "对接日期")),
    Field("signed_on", _l("Signing date"), "date", ("签约日期", "签约时间", "签约时间日期")),
    Field("started_on", _l("Start date"), "date", ("开工日期", "落地日期", "开工时间", "落地时间")),
    Field("completed_on", _l("Completion date"), "date", ("竣工日期", "竣工时间")),
    Field("production_on", _l("Production date"), "date", ("投产日期", "投产时间")),
    Field("is_key", _l("Key project"), "bool", ("是否重点", "重点项目", "是否重点项目", "重点")),
    Field("leader", _l("Leader in charge"), "leader", ("包联领导", "分管领导", "联系领导", "leader")),
    Field("responsible_person", _l("Responsible person"), "text", ("责任人", "联系人", "项目负责人")),
    Field("park", _l("Park"), "text", ("园区", "所在园区", "落地园区")),
    Field("land_area_mu", _l("Land area (mu)"), "number", ("用地面积", "用地", "占地面积", "land area")),
    Field("expected_output", _l("Expected annual output value (10k CNY)"), "amount", ("预计年产值", "年产值")),
    Field("expected_tax", _l("Expected annual tax (10k CNY)"), "amount", ("预计年税收", "年税收", "税收")),
    Field("expected_jobs", _l("Expected jobs"), "integer", ("预计就业", "就业人数", "带动就业", "jobs")),
    # Columns the portal's own export writes that an import leaves alone (derived by the portal).
    Field("flag", _l("Flag"), "ignore", ("红黄旗", "旗")),
    Field("capital_in_place", _l("Capital in place (10,000 yuan)"), "ignore", ("到位资金",)),
    Field("capital_on", _l("Capital in place on"), "ignore", ()),
)
BY_KEY = {f.key: f for f in FIELDS}


@dataclass(frozen=True)
class FieldSet:
    """The columns one kind of list has: the header row is the first with the ``anchor`` column and
    another known one; ``extra_headers`` maps more header texts (lazy strings) to field keys."""

    fields: tuple
    anchor: str
    extra_headers: tuple = ()

    @property
    def by_key(self) -> dict:
        return {f.key: f for f in self.fields}

    @property
    def template_fields(self) -> tuple:
        return tuple(f for f in self.fields if f.kind != "ignore")


#: Headers of the portal's list export (portal/projects/export.py) that differ from the labels above,
#: so an exported list imports back in either language.
EXPORT_HEADERS = {_l("Project"): "name", _l("Investor"): "investor_name"}
#: The columns of the downloadable template, in order (everything but derived columns).
TEMPLATE_FIELDS = tuple(f for f in FIELDS if f.kind != "ignore")
PROJECT_FIELDS = FieldSet(FIELDS, "name", tuple(EXPORT_HEADERS.items()))
LOCALES = ("en", "zh_CN")
_UNIT_RE = re.compile(r"^(.*?)[(（]([^()（）]*)[)）]\s*$")
_SPACE_RE = re.compile(r"[\s\u3000*:：]+")


def normalise(header) -> str:
    return _SPACE_RE.sub("", text(header)).lower()


def split_unit(header) -> tuple[str, Decimal | None]:
    """("总投资", 10000) for "总投资(亿元)"; the header without a unit it does not know is kept whole."""
    raw = text(header)
    match = _UNIT_RE.match(raw)
    if match:
        factor = unit_factor(match.group(2))
        if factor is not None or match.group(2).strip().lower() in ("亩", "mu", "人", "yes/no", "是/否"):
            return normalise(match.group(1)), factor
    return normalise(raw), None


def _known_headers(fieldset: FieldSet) -> dict[str, str]:
    """normalised header -> field key: the labels in every language, then the aliases."""
    known: dict[str, str] = {}
    for locale in LOCALES:
        with force_locale(locale):
            for item in fieldset.fields:
                name, _factor = split_unit(str(item.label))
                known.setdefault(name, item.key)
                known.setdefault(normalise(str(item.label)), item.key)
            for label, key in fieldset.extra_headers:
                known.setdefault(normalise(str(label)), key)
    for item in fieldset.fields:
        known.setdefault(normalise(item.key), item.key)
        for alias in item.aliases:
            known.setdefault(normalise(alias), item.key)
    return known


@dataclass
class Layout:
    """Where the table starts and what each column holds."""

    header_row: int  # row number of the header (1-based); 0: none found
    fieldset: FieldSet = PROJECT_FIELDS
    headers: dict[int, str] = field(default_factory=dict)  # column index -> header text
    columns: dict[int, str] = field(default_factory=dict)  # column index -> field key ("" ignored)
    factors: dict[int, Decimal] = field(default_factory=dict)  # column index -> 万元 per unit of the header
    unrecognised: list[int] = field(default_factory=list)  # columns the importer may map

    def missing_required(self) -> list[Field]:
        present = set(self.columns.values())
        return [f for f in self.fieldset.fields if f.required and f.key not in present]

    def column_of(self, key: str) -> int | None:
        for index, name in self.columns.items():
            if name == key:
                return index
        return None


def recognise(row: list, known: dict[str, str]) -> dict[int, tuple[str, Decimal | None]]:
    found = {}
    for index, cell in enumerate(row):
        if cell is None or not text(cell):
            continue
        name, factor = split_unit(cell)
        key = known.get(name) or known.get(normalise(cell))
        if key:
            found[index] = (key, factor)
    return found


def find_layout(rows, mapping: dict | None = None, fieldset: FieldSet = PROJECT_FIELDS) -> Layout:
    """The header row (the first of the first rows with the anchor column, a project's name for
    projects, and another known column), its columns, and the importer's choices for the
    unrecognised ones (``mapping``: {"column index": field key or ""})."""
    known = _known_headers(fieldset)
    by_key = fieldset.by_key
    for number, row in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        found = recognise(row, known)
        keys = {key for key, _f in found.values()}
        if fieldset.anchor not in keys or len(keys) < 2:
            continue
        layout = Layout(header_row=number, fieldset=fieldset)
        taken = set()
        for index, cell in enumerate(row):
            if not text(cell):
                continue
            layout.headers[index] = text(cell)
            key, factor = found.get(index, ("", None))
            if key and key not in taken:
                layout.columns[index] = "" if by_key[key].kind == "ignore" else key
                taken.add(key)
                if factor is not None:
                    layout.factors[index] = factor
            else:
                layout.unrecognised.append(index)
                layout.columns[index] = ""
        _apply_mapping(layout, mapping or {}, by_key)
        return layout
    return Layout(header_row=0, fieldset=fieldset)


def _apply_mapping(layout: Layout, mapping: dict, by_key: dict) -> None:
    taken = {key for key in layout.columns.values() if key}
    for index in layout.unrecognised:
        key = mapping.get(str(index), "")
        if key in by_key and by_key[key].kind != "ignore" and key not in taken:
            layout.columns[index] = key
            taken.add(key)
            _name, factor = split_unit(layout.headers[index])
            if factor is not None:
                layout.factors[index] = factor
