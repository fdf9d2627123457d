"""Rules as data and the bundled county plugins, against hand-computed scores."""
import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest

from portal import industries, plugins, rules
from portal.context import RuleContext
from portal.models import Project, Setting
from portal.paths import BUNDLED_PLUGINS_DIR
from tests.plugins_helpers import other_app


def bundled(name):
    spec = importlib.util.spec_from_file_location(f"test_bundled_{name}", BUNDLED_PLUGINS_DIR / name / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SIX_RULES = {"output_per_mu": 300, "tax_per_mu": 15, "jobs_per_mu": 0.5, "output_weight": 40, "tax_weight": 40,
             "jobs_weight": 20, "suits_at": 80, "discuss_at": 60}


def project(**fields):
    values = dict(name="p", total_investment=Decimal("10000"), industry_code="electronics")
    values.update(fields)
    return Project(**values)


def test_six_plus_three_scores_by_contribution_per_mu(app):
    six = bundled("six_plus_three")
    with app.test_request_context():
        # 100 mu: output 240/mu of 300 -> 0.8 x 40 = 32; tax 15/mu of 15 -> 40; jobs 0.3/mu of 0.5 -> 0.6 x 20 = 12
        result = six.score(project(land_area_mu=Decimal(100), expected_output=Decimal(24000),
                                   expected_tax=Decimal(1500), expected_jobs=30), SIX_RULES)
        assert [s["points"] for s in result["scores"]] == [Decimal("32.0"), Decimal("40.0"), Decimal("12.0")]
        assert result["total"] == Decimal("84.0") and result["recommendation"] == "suits"
        # output 150/mu -> 20; tax 12/mu -> 32; jobs 0.5/mu -> 20: 72 -> needs discussion
        result = six.score(project(land_area_mu=Decimal(100), expected_output=Decimal(15000),
                                   expected_tax=Decimal(1200), expected_jobs=50), SIX_RULES)
        assert result["total"] == Decimal("72.0") and result["recommendation"] == "discuss"
        # output 600/mu is capped at 40; tax 3/mu -> 8; jobs 0.1/mu -> 4: 52 -> does not suit
        result = six.score(project(land_area_mu=Decimal(50), expected_output=Decimal(30000),
                                   expected_tax=Decimal(150), expected_jobs=5), SIX_RULES)
        assert result["total"] == Decimal("52.0") and result["recommendation"] == "unsuitable"
        # no land area: nothing to measure per mu, never "does not suit" for lack of data
        result = six.score(project(expected_output=Decimal(30000)), SIX_RULES)
        assert result["total"] == 0 and result["recommendation"] == "discuss" and result["notes"]


def test_four_plus_one_entry_threshold_and_one_vote_veto(app):
    four = bundled("four_plus_one")
    rules_ = {"min_intensity": 300, "min_investment": 5000}
    codes = {"electronics", "new_materials"}
    with app.test_request_context():
        ok = four.review(project(land_area_mu=Decimal(20), safety_assessment="passed",
                                 environment_assessment="passed"), rules_, codes)  # 10000 / 20 = 500 per mu
        assert ok["recommendation"] == "suits" and ok["total"] == 100 and ok["vetoes"] == []
        vetoed = four.review(project(land_area_mu=Decimal(20), safety_assessment="passed",
                                     environment_assessment="failed"), rules_, codes)
        assert vetoed["recommendation"] == "unsuitable" and vetoed["total"] == 80
        assert [str(v) for v in vetoed["vetoes"]] == ["The environmental assessment failed."]
        thin = four.review(project(land_area_mu=Decimal(50), industry_code="tea", safety_assessment="passed",
                                   environment_assessment="passed"), rules_, codes)  # 200 per mu, not a 4+1 industry
        assert thin["recommendation"] == "unsuitable" and len(thin["vetoes"]) == 2 and thin["total"] == 60
        pending = four.review(project(safety_assessment="pending", environment_assessment="passed"), rules_, codes)
        assert pending["recommendation"] == "discuss" and pending["total"] == 60


def test_one_plus_three_judges_the_county_layout(app, org):
    from portal.models import Unit

    one = bundled("one_plus_three")
    city = {"new_energy", "new_materials", "food_processing", "culture_tourism"}
    with app.test_request_context():
        fits = one.review(project(industry_code="new_energy"), city, "南岭县", ["new_energy", "food_processing"],
                          {"outside_layout_points": 50})
        assert fits["recommendation"] == "suits" and fits["total"] == 100
        other = one.review(project(industry_code="new_materials"), city, "南岭县", ["new_energy", "food_processing"],
                           {"outside_layout_points": 50})
        assert other["recommendation"] == "discuss" and other["total"] == 50
        outside = one.review(project(industry_code="textiles"), city, "南岭县", ["new_energy"],
                             {"outside_layout_points": 50})
        assert outside["recommendation"] == "unsuitable" and outside["vetoes"]
        # through the hook: a town's project is judged by its county's layout
        county = Unit(name="南岭县", kind="county", parent=org.units["bureau"]).save_with_path()
        town = Unit(name="城关镇", kind="town", parent=county).save_with_path()
        app.config["RULES"] = "one_plus_three"
        context = rules.rule_context()
        assert context.layout_of(town) == ["new_energy", "food_processing"]
        answers, _ = plugins.call_with_plugins(
            "portal_project_review", project=project(industry_code="food_processing", responsible_unit=town),
            context=context)
        assert [(name, a["recommendation"]) for name, a in answers] == [("one_plus_three", "suits")]


def test_rules_file_errors_name_file_line_and_field(tmp_path):
    bad = tmp_path / "county.toml"
    bad.write_text('''[meta]
example = true

[[2026.industries]]
code = "materials"
name_zh = "材料"
name_en = "Materials"
kind = "leading"
links = [
  {code = "materials.up", name_zh = "上游", name_en = "Up", position = "sideways"},
]

[[2026.industries]]
code = "Bad Code"
name_zh = "坏"
kind = "characteristic"

[2026.review]
output_per_mu = "many"
''', encoding="utf-8")
    with pytest.raises(rules.RulesError) as caught:
        rules.parse_file(bad, {"output_per_mu": "number", "tax_per_mu": "number"})
    problems = {(line, field) for _f, line, field, _m in caught.value.problems}
    assert (10, "2026.industries[1].links[1].position") in problems
    assert (14, "2026.industries[2].code") in problems
    assert (13, "2026.industries[2].name_en") in problems  # missing: the entry's header line
    assert (19, "2026.review.output_per_mu") in problems
    assert (18, "2026.review.tax_per_mu") in problems
    assert str(bad) in str(caught.value)
    syntax = tmp_path / "syntax.toml"
    syntax.write_text("[2026\n", encoding="utf-8")
    with pytest.raises(rules.RulesError, match=r"syntax.toml:1: syntax"):
        rules.parse_file(syntax)


def test_a_bad_rules_file_stops_a_strict_start_and_is_reported_otherwise(app, org, tmp_path, login):
    bad = tmp_path / "rules.toml"
    bad.write_text("[2026.review]\noutput_per_mu = 1\n", encoding="utf-8")
    with pytest.raises(plugins.PluginError, match=r"rules.toml:1: 2026.industries"):
        other_app(app, RULES="six_plus_three", RULES_FILE=str(bad))
    lenient = other_app(app, RULES="six_plus_three", RULES_FILE=str(bad), STRICT_PLUGINS=False)
    client = lenient.test_client()
    client.login("admin")
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "rules.toml:1: 2026.industries" in page
    assert client.get("/chains").status_code == 200  # falls back to the core industry list


def test_the_bundled_example_files_are_valid_and_marked_as_example_data(app):
    with app.test_request_context():
        found = {s["code"]: s for s in rules.systems()}
    assert set(found) >= {"six_plus_three", "four_plus_one", "one_plus_three"}
    six = found["six_plus_three"]
    assert six["example"] is True and six["year"] == 2026
    kinds = [i["kind"] for i in six["industries"]]
    assert kinds.count("leading") == 6 and kinds.count("characteristic") == 3
    assert len([i for i in found["four_plus_one"]["industries"]]) == 5
    assert all(len(layout["industries"]) == 2 for layout in found["one_plus_three"]["layouts"])
    for path in Path(BUNDLED_PLUGINS_DIR).glob("*/rules.example.toml"):
        assert "EXAMPLE DATA" in path.read_text(encoding="utf-8")


def test_codes_survive_a_new_year_and_a_change_of_plugin(app, tmp_path):
    county = tmp_path / "county.toml"
    county.write_text('''[[2026.industries]]
code = "new_materials"
name_zh = "新材料"
name_en = "New materials"
kind = "leading"

[[2027.industries]]
code = "advanced_materials"
name_zh = "先进材料"
name_en = "Advanced materials"
kind = "leading"
''', encoding="utf-8")

    from portal import hookimpl
    from tests.plugins_helpers import temporary_plugin

    class County:
        @hookimpl
        def portal_industry_systems(self):
            return [{"code": "county", "rules_file": county}]

    app.config["RULES"] = "county"
    with temporary_plugin(app, County(), "county"), app.test_request_context():
        parsed = rules.parse_file(county)
        assert rules.year_section(parsed, 2027)[0] == 2027 and rules.year_section(parsed, 2030)[0] == 2027
        assert rules.year_section(parsed, 2025)[0] == 2026
        assert industries.label("new_materials") == "New materials"  # this year's section (2026)
        app.config["RULES"] = "four_plus_one"
        from flask import g
        g.pop("_portal_systems", None)
        assert industries.label("new_materials") == "New materials"
        assert industries.label("stone") == "Stone processing"  # from another installed system
        assert industries.label("unknown_code") == "unknown_code"


def test_context_is_extendable_and_reads_settings(app):
    context = RuleContext(today=dt.date(2026, 5, 1), settings={}, year=2026)
    assert context.system_code is None and context.rules == {} and context.extras == {}
    with app.app_context():
        Setting.set_value("county.benchmark", "12")
        assert context.setting("county.benchmark") == "12"
