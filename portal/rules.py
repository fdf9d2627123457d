"""Rules as data: the active industry system and its rules file (TOML, one section per year).

A rules file looks like this (the bundled plugins ship one each, marked as example data)::

    [meta]
    system = "six_plus_three"
    example = true            # example data: replace with the county's own

    [[2026.industries]]
    code = "new_materials"    # stable: keep it in later years and other plugins
    name_zh = "新材料"
    name_en = "New materials"
    kind = "leading"          # or "characteristic"
    links = [
      {code = "new_materials.up", name_zh = "…", name_en = "…", position = "up"},
    ]

    [2026.review]             # the numbers the plugin's review reads
    output_per_mu = 300

    [[2026.layouts]]          # a city system: each county's layout
    place = "南岭县"
    industries = ["new_materials", "…"]

The file is validated when the portal starts; every message names the file,
the line and the field. Which system is active: PORTAL_RULES (app.config
"RULES") when set, else the administrator's choice (Setting "rules.active"),
else none (the core Industry table). PORTAL_RULES_FILE replaces the active
system's example file with the deployment's own.
"""
from __future__ import annotations

import copy
import logging
import re
import tomllib
from pathlib import Path

from flask import current_app, g

from portal.context import make_context

log = logging.getLogger(__name__)

SETTING_KEY = "rules.active"
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")
KINDS = ("leading", "characteristic")
POSITIONS = ("up", "mid", "down")


class RulesError(ValueError):
    """One or more problems in a rules file; ``problems`` lists ``(file, line, field, message)``."""

    def __init__(self, problems: list[tuple[str, int, str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}:{line}: {fld}: {msg}" for f, line, fld, msg in problems))


# Reading and validating a file ------------------------------------------------

def _line_of(text: str, header: str | None, index: int = 0, key: str | None = None) -> int:
    """The line of ``key`` below the ``index``-th occurrence of a table ``header`` (1-based; 1 if not found).

    tomllib gives no line numbers for values; searching the text is good enough.
    """
    lines = text.splitlines()
    start = 0
    if header:
        seen = -1
        pattern = re.compile(r"^\s*\[\[?\s*" + re.escape(header).replace(r"\.", r"\s*\.\s*") + r"\s*\]\]?\s*(#.*)?$")
        for number, line in enumerate(lines):
            if pattern.match(line):
                seen += 1
                if seen == index:
                    start = number
                    break
        else:
            return 1
    if key is None:
        return start + 1
    key_re = re.compile(r"(^|[\s{,])" + re.escape(key) + r"\s*=")
    for number in range(start, len(lines)):
        if number > start and re.match(r"^\s*\[", lines[number]):
            break
        if key_re.search(lines[number]):
            return number + 1
    return start + 1


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_file(path, review_keys: dict | None = None) -> dict:
    """Read and validate a rules file; ``{year: section}`` plus ``"meta"``. Raises RulesError."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError([(name, 0, "file", f"cannot be read ({exc.strerror or exc})")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise RulesError([(name, int(match.group(1)) if match else 0, "syntax", str(exc))])
    problems: list[tuple[str, int, str, str]] = []

    def problem(line, fld, message):
        problems.append((name, line, fld, message))

    years = {}
    for key, section in data.items():
        if key == "meta":
            continue
        if not re.fullmatch(r"\d{4}", key) or not isinstance(section, dict):
            problem(_line_of(text, key), key, "a section must be a year such as [2026.review] or [[2026.industries]]")
            continue
        years[int(key)] = section
    if not years and not problems:
        problem(1, "year", "the file has no year section")

    for year, section in sorted(years.items()):
        hdr = f"{year}.industries"
        industries = section.get("industries")
        if not isinstance(industries, list) or not industries:
            problem(_line_of(text, str(year)), hdr, "at least one [[YEAR.industries]] entry is required")
            industries = []
        codes: set[str] = set()
        link_codes: set[str] = set()
        for i, industry in enumerate(industries):
            where = f"{hdr}[{i + 1}]"
            for fld in ("code", "name_zh", "name_en", "kind"):
                value = industry.get(fld)
                if not isinstance(value, str) or not value.strip():
                    problem(_line_of(text, hdr, i, fld), f"{where}.{fld}", "is required (a text)")
            code = industry.get("code")
            if isinstance(code, str) and code:
                if not CODE_RE.match(code):
                    problem(_line_of(text, hdr, i, "code"), f"{where}.code",
                            f"{code!r} is not a valid code (lower-case letters, digits, _ . -)")
                if code in codes:
                    problem(_line_of(text, hdr, i, "code"), f"{where}.code", f"{code!r} appears twice")
                codes.add(code)
            if isinstance(industry.get("kind"), str) and industry["kind"] not in KINDS:
                problem(_line_of(text, hdr, i, "kind"), f"{where}.kind", "must be 'leading' or 'characteristic'")
            links = industry.get("links", [])
            if not isinstance(links, list):
                problem(_line_of(text, hdr, i, "links"), f"{where}.links", "must be a list of links")
                continue
            for j, link in enumerate(links):
                lwhere = f"{where}.links[{j + 1}]"
                if not isinstance(link, dict):
                    problem(_line_of(text, hdr, i, "links"), lwhere, "must be a table {code = …, …}")
                    continue
                lcode = link.get("code")
                line = _line_of(text, hdr, i, "links")
                if isinstance(lcode, str):  # the link's own line, when the code is found
                    for number, content in enumerate(text.splitlines()):
                        if re.search(r"code\s*=\s*\"" + re.escape(lcode) + "\"", content):
                            line = number + 1
                            break
                for fld in ("code", "name_zh", "name_en", "position"):
                    if not isinstance(link.get(fld), str) or not link[fld].strip():
                        problem(line, f"{lwhere}.{fld}", "is required (a text)")
                if isinstance(lcode, str) and lcode:
                    if not CODE_RE.match(lcode):
                        problem(line, f"{lwhere}.code", f"{lcode!r} is not a valid code")
                    if lcode in link_codes:
                        problem(line, f"{lwhere}.code", f"{lcode!r} appears twice")
                    link_codes.add(lcode)
                if isinstance(link.get("position"), str) and link["position"] not in POSITIONS:
                    problem(line, f"{lwhere}.position", "must be 'up', 'mid' or 'down'")

        review = section.get("review", {})
        if not isinstance(review, dict):
            problem(_line_of(text, str(year)), f"{year}.review", "must be a table [YEAR.review]")
            review = {}
        for key, kind in (review_keys or {}).items():
            rhdr = f"{year}.review"
            if key not in review:
                problem(_line_of(text, rhdr), f"{rhdr}.{key}", "is required")
            elif kind == "number" and not _is_number(review[key]):
                problem(_line_of(text, rhdr, 0, key), f"{rhdr}.{key}", "must be a number")
            elif kind == "number" and review[key] < 0:
                problem(_line_of(text, rhdr, 0, key), f"{rhdr}.{key}", "must not be negative")
            elif kind == "text" and not isinstance(review[key], str):
                problem(_line_of(text, rhdr, 0, key), f"{rhdr}.{key}", "must be a text")

        layouts = section.get("layouts", [])
        lhdr = f"{year}.layouts"
        if not isinstance(layouts, list):
            problem(_line_of(text, str(year)), lhdr, "must be a list of [[YEAR.layouts]] entries")
            layouts = []
        for i, layout in enumerate(layouts):
            if not isinstance(layout.get("place"), str) or not layout["place"].strip():
                problem(_line_of(text, lhdr, i, "place"), f"{lhdr}[{i + 1}].place", "is required (a unit's name)")
            inds = layout.get("industries")
            if not isinstance(inds, list) or not all(isinstance(c, str) for c in inds):
                problem(_line_of(text, lhdr, i, "industries"), f"{lhdr}[{i + 1}].industries",
                        "must be a list of industry codes")
                continue
            for code in inds:
                if code not in codes:
                    problem(_line_of(text, lhdr, i, "industries"), f"{lhdr}[{i + 1}].industries",
                            f"{code!r} is not an industry of {year}")
    if problems:
        raise RulesError(problems)
    result = {year: section for year, section in years.items()}
    result["meta"] = data.get("meta", {})
    return result


_FILE_CACHE: dict[tuple[str, float], dict] = {}


def load_file(path, review_keys: dict | None = None) -> dict:
    """``parse_file`` with a cache keyed by path and modification time."""
    path = Path(path)
    try:
        key = (str(path.resolve()), path.stat().st_mtime, tuple(sorted((review_keys or {}).items())))
    except OSError:
        return parse_file(path, review_keys)
    if key not in _FILE_CACHE:
        _FILE_CACHE[key] = parse_file(path, review_keys)
    return _FILE_CACHE[key]


def year_section(parsed: dict, year: int) -> tuple[int, dict]:
    """The section for ``year``, else the latest earlier year, else the earliest one."""
    years = sorted(k for k in parsed if isinstance(k, int))
    earlier = [y for y in years if y <= year]
    chosen = earlier[-1] if earlier else years[0]
    return chosen, parsed[chosen]


# The systems of this deployment ----------------------------------------------------

def configured_code() -> str | None:
    """The active system's code: PORTAL_RULES, else the administrator's choice, else None."""
    code = current_app.config.get("RULES")
    if code:
        return str(code).strip()
    from portal.models import Setting

    try:
        return Setting.get_value_per_request(SETTING_KEY) or None  # read once per request
    except Exception:  # noqa: BLE001 - no settings table yet (before `portal init`)
        return None


def _rules_file_for(system: dict, active: bool) -> Path | None:
    if active and current_app.config.get("RULES_FILE"):
        return Path(current_app.config["RULES_FILE"])
    return Path(system["rules_file"]) if system.get("rules_file") else None


def _complete(system: dict, plugin: str, active: bool, day) -> dict:
    """Fill a system's industries, layouts and rules for the year from its rules file."""
    system = copy.deepcopy(system)
    system["plugin"] = plugin
    system.setdefault("name_zh", system["code"])
    system.setdefault("name_en", system["code"])
    system.setdefault("scope", "county")
    path = _rules_file_for(system, active)
    system["all_years"] = {}
    if path is not None:
        parsed = load_file(path, system.get("review_keys"))
        year, section = year_section(parsed, day.year)
        system["year"] = year
        system["file"] = str(path)
        system["example"] = bool(parsed["meta"].get("example"))
        system["industries"] = section.get("industries", [])
        system["layouts"] = section.get("layouts", [])
        system["rules"] = section.get("review", {})
        system["all_years"] = {y: s.get("industries", []) for y, s in parsed.items() if isinstance(y, int)}
    else:
        system.setdefault("year", day.year)
        system.setdefault("industries", [])
        system.setdefault("layouts", [])
        system.setdefault("rules", {})
    for industry in system["industries"]:
        industry.setdefault("kind", "leading")
        industry.setdefault("name_en", industry.get("name_zh", industry["code"]))
        industry.setdefault("name_zh", industry.get("name_en", industry["code"]))
        industry.setdefault("links", [])
        for link in industry["links"]:
            link.setdefault("position", "mid")
            link.setdefault("name_en", link.get("name_zh", link["code"]))
            link.setdefault("name_zh", link.get("name_en", link["code"]))
    return system


def systems() -> list[dict]:
    """Every industry system the loaded plugins provide (once per request)."""
    if "_portal_systems" in g:
        return g._portal_systems
    from portal import plugins

    context = make_context()
    active_code = configured_code()
    found = []
    results, _failed = plugins.call_with_plugins("portal_industry_systems", context=context)
    for plugin_name, declared in results:
        for system in declared:
            try:
                found.append(_complete(system, plugin_name, system["code"] == active_code, context.today))
            except RulesError as exc:
                plugins.registry().report(plugin_name, "rules", exc)
    g._portal_systems = found
    return found


def active_system() -> dict | None:
    """The active industry system, or None (the core Industry table is used)."""
    code = configured_code()
    if not code or code == "core":
        return None
    for system in systems():
        if system["code"] == code:
            return system
    return None


def rule_context(**extras):
    """A RuleContext carrying the active system and its rules for the year."""
    return make_context(system=active_system(), **extras)


def set_active(code: str | None) -> None:
    from portal.models import Setting

    Setting.set_value(SETTING_KEY, code or "")
    g.pop("_portal_systems", None)


def check_at_start(app) -> None:
    """Validate the active system's rules file when the portal starts (strict mode: fatal)."""
    from portal import plugins
    from portal.db import database

    try:
        with database.connection_context():
            code = configured_code()
            if not code or code == "core":
                return
            found = systems()
    except plugins.PluginError:
        raise
    except Exception as exc:  # noqa: BLE001 - a database without tables yet
        log.info("rules not checked at start (%s)", type(exc).__name__)
        return
    finally:
        g.pop("_portal_systems", None)
    if not any(system["code"] == code for system in found):
        plugins.registry().report("rules", "start", LookupError(
            f"the active industry system {code!r} is provided by no loaded plugin"))
