"""Every hook's answer is checked against its hookspec: garbage from a plugin is that plugin's
error, named on /admin/plugins, and the page that asked still renders."""
import datetime as dt
import re
import textwrap
from decimal import Decimal

import click
import pytest

from portal import hookspecs, plugins
from portal.models import UnitTarget
from portal.plugin_answers import BadReturnValue, answer_shape, check_answer
from portal.timeutil import today
from tests.plugins_helpers import BUNDLED, login_to, other_app

HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("portal_"))

#: Wrong for every hook: a string, NaN, infinity, a number, lists of the wrong items.
GENERIC = ['"garbage"', 'float("nan")', 'float("inf")', "42", '["garbage"]', "[None]"]
#: Wrong in a way only this hook's shape can tell: a wrong enum, a missing reason, None where a value is required …
SPECIFIC = {
    "portal_blueprints": [],
    "portal_menu_items": ['[{"endpoint": "home.index", "label": None}]',
                          '[{"endpoint": "home.index", "label": Markup("<b>x</b>")}]',
                          '[{"endpoint": "home.index", "label": "x", "order": float("nan")}]'],
    "portal_demo_data": ["{}"],
    "portal_register_commands": ['"snapshot"', "{}"],
    "portal_database_upgraded": ['"upgraded"', "True"],
    "portal_template_panels": ['[{"title": "t", "html": "x", "order": float("nan")}]', '[{"html": "x"}]',
                               '[{"title": None, "html": "x"}]'],
    "portal_project_changed": ['"edited"'],
    "portal_rules_changed": ['"recomputed"'],
    "portal_projects_changed": ['"imported"'],
    "portal_project_read_grants": ['[[1, 2]]', '[{"id": 1}]',
                                   # the shape is right, the query is not: the database refuses it
                                   '[__import__("portal.models", fromlist=["Project"]).Project.select('
                                   '__import__("peewee").SQL("no_such_column"))]'],
    "portal_assess_unit": ['{"score": float("nan")}', '{"score": Decimal("Infinity")}', '{"score": None}',
                           '{"score": "high"}', '{"breakdown": []}', '{"score": 1, "vetoes": "none"}',
                           '{"score": 1, "breakdown": [{"label": "x", "points": float("inf")}]}', '{"score": 1e300}'],
    "portal_project_flags": ['[{"level": "red"}]', '[{"level": "purple", "reason": "x"}]',
                             '[{"level": "red", "reason": None}]', '[{"level": "red", "reason": "  "}]'],
    "portal_unit_week_flags": ['"red"', '[{"unit_id": None, "flag": "red", "reason": "x"}]',
                               '[{"unit_id": 1, "flag": "green", "reason": "x"}]', '[{"unit_id": 1, "flag": "red"}]'],
    "portal_industry_systems": ['[{"code": None}]',
                                '[{"code": "x", "industries": [{"code": "a", "kind": "sideways"}]}]',
                                '[{"code": "x", "scope": "planet"}]'],
    "portal_project_review": ['{"recommendation": "maybe"}', '{"recommendation": "suits", "total": float("nan")}',
                              '{"recommendation": "suits", "scores": [{"label": "x", "points": float("inf")}]}',
                              '{"recommendation": "suits", "vetoes": [None]}', '{"scores": []}'],
    "portal_extra_fields": ['[{"code": "x", "label": "X", "type": "colour"}]', '[{"code": "x", "type": "text"}]'],
    "portal_export_columns": ['[{"code": "x", "label": "X", "value": "not callable"}]'],
    "portal_choice_lists": ['[{"list": "colours", "choices": [{"code": "a", "label": "A"}]}]',
                            '[{"list": "source_channel", "choices": []}]',
                            '[{"list": "source_channel", "choices": [{"code": "Bad Code", "label": "x"}]}]',
                            '[{"list": "problem_category", "choices": [{"code": "ok", "label": " "}]}]'],
    "portal_team_quota_flags": ['[{"team_id": 1, "level": "green", "reason": "x"}]',
                                '[{"team_id": None, "level": "red", "reason": "x"}]',
                                '[{"team_id": 1, "level": "red"}]'],
    "portal_deliver_notification": ['"delivered"', "True", '["mail"]'],
    "portal_credit_rule": ['{"team": 150}', '{"team": -1}', '{"team": True}', '{"team": "40"}', '{"unit": 2.5}'],
    "portal_figures": ['[{"key": "x", "label": "X", "counts_by": "signed", "where": lambda: None}]',
                       '[{"key": "ev_signed", "label": "EV", "counts_by": "visits", "where": lambda: None}]',
                       '[{"key": "ev_signed", "label": "EV", "counts_by": "signed", "where": "industry = ev"}]',
                       '[{"key": "ev_signed", "label": " ", "counts_by": "signed", "where": lambda: None}]',
                       # the shape is right, the meaning is not: a taken key, no condition, a refused one
                       '[{"key": "signed_count", "label": "S", "counts_by": "signed", "where": lambda: None}]',
                       '[{"key": "ev_signed", "label": "EV", "counts_by": "signed", "where": lambda: 1}]',
                       '[{"key": "ev_signed", "label": "EV", "counts_by": "signed", '
                       '"where": lambda: __import__("peewee").SQL("no_such_column = 1")}]'],
    "portal_notification_kinds": ['[{"code": "x", "label": "X", "text": "Y"}]', '["stage_returned"]',
                                  '[__import__("portal.notifications.kinds", fromlist=["Kind"])'
                                  '.Kind("stage_returned", "Taken", "A code the core has")]'],
    "portal_history_labels": ['{"actions": {"x": None}}', '{"fields": ["name"]}', '{"values": {"x": 5}}',
                              '{"entities": {"x": "  "}}', '[{"actions": {}}]'],
    "portal_flag_reason_codes": ['[{"code": "", "message": "x"}]', '[{"code": "x", "message": "  "}]',
                                 '[{"code": "x", "message": "x", "formatters": {"a": "not callable"}}]',
                                 '{"code": "x", "message": "x"}'],
    "portal_template_globals": ['{"not a name": 1}', '["x"]', '{"menu_items": "taken"}'],
    "portal_province_report": ['[{"title": None, "rows": []}]', '[{"title": "t"}]', '[{"title": "t", "rows": "x"}]',
                               '[{"title": "  ", "rows": []}]'],
}


def test_every_hook_has_garbage_to_test_and_a_declared_shape():
    assert sorted(SPECIFIC) == HOOKS, "a new hook needs its garbage here (and a page below)"
    for hook in HOOKS:
        answer_shape(hook)  # raises for a hookspec without a return annotation


def _visit_home(ctx):
    return [ctx.bureau.get("/")]


def _visit_project_page(ctx):
    return [ctx.bureau.get(f"/projects/{ctx.project.id}")]


def _visit_project_changes(ctx):
    """Archive and restore a project (an administrator restores): both tell plugins, restoring
    recomputes its flags."""
    return [ctx.bureau.post_form(f"/projects/{ctx.project.id}/archive"),
            ctx.admin.post_form(f"/projects/{ctx.project.id}/restore"), ctx.bureau.get(f"/projects/{ctx.project.id}")]


def _visit_flag_reasons(ctx):
    """A project flagged red with a coded reason: its page shows the reason in words."""
    from portal.models import Project

    with ctx.portal.app_context():
        Project.update(flag="red", flag_reasons=[{"level": "red", "reason": {"code": "clue_no_followup",
                                                                            "params": {"days": 30}}}]).where(
            Project.id == ctx.project.id).execute()
    return [ctx.bureau.get(f"/projects/{ctx.project.id}")]


def _visit_projects_changed(ctx):
    """What an import does once it is confirmed: tell the plugins about its projects at once."""
    with ctx.portal.app_context():
        plugins.projects_changed([ctx.project.id], "import")
    return [ctx.bureau.get(f"/projects/{ctx.project.id}")]


def _visit_as_department(ctx):
    """A department's project lists ask which projects features grant it (it sees not everything)."""
    department = login_to(ctx.portal, "department")
    return [department.get("/projects"), department.get("/lists/signed")]


def _visit_ranking(ctx):
    return [ctx.bureau.get("/ranking"), ctx.bureau.get("/ranking?format=xlsx")]


def _visit_demo(ctx):
    from portal.demo import build_demo

    with ctx.portal.app_context():
        build_demo("demo-pass-2026", today())
    return [ctx.bureau.get("/")]


def _visit_commands(ctx):
    """What building the command line asks, with this app's plugins."""
    with ctx.portal.app_context():
        plugins.call("portal_register_commands", cli=click.Group("portal"))
    return [ctx.bureau.get("/")]


def _visit_upgrade(ctx):
    """What `portal db upgrade` does after the migrations (none left to apply here)."""
    from portal.cli import _upgrade

    with ctx.portal.app_context():
        _upgrade(echo=False)
    return [ctx.bureau.get("/")]


def _visit_province_report(ctx):
    """The province report's workbook, fetched with an API token as a script does."""
    from portal.api import tokens
    from portal.models import User

    with ctx.portal.app_context():
        secret = tokens.issue(User.get(User.username == "bureau"), "visit", 1, read_only=True).secret
    return [ctx.portal.test_client().get("/api/province-report.xlsx", headers={"Authorization": f"Bearer {secret}"})]


def _visit_teams(ctx):
    """The teams' list with a quota the team is behind (so the flag rule is asked)."""
    from portal.models import TeamQuota, Unit

    with ctx.portal.app_context():
        team = Unit.get(Unit.kind == "team")
        TeamQuota.get_or_create(team=team, metric="clues", defaults={"span": "week", "target": 1000})
    return [ctx.bureau.get("/teams")]


def _visit_problem_raised(ctx):
    """A problem raised on the project and given to a department notifies its staff: the delivery
    plugins are handed each notification."""
    from portal.models import Unit

    with ctx.portal.app_context():
        department = Unit.get(Unit.kind == "department").id
    return [ctx.bureau.post_form(f"/projects/{ctx.project.id}/problems/new", {
        "category": "land", "description": "The land is not handed over", "assigned_unit": department,
        "deadline": "2099-01-01", "priority": "high"})]


#: The pages (or the command) that call each hook.
VISITS = {
    "portal_blueprints": _visit_home,  # called at start-up
    "portal_menu_items": _visit_home,
    "portal_demo_data": _visit_demo,
    "portal_register_commands": _visit_commands,
    "portal_database_upgraded": _visit_upgrade,
    "portal_template_panels": _visit_project_page,
    "portal_project_changed": _visit_project_changes,
    "portal_rules_changed": lambda ctx: [ctx.admin.post_form("/admin/plugins/rules", {"system": "six_plus_three"})],
    "portal_projects_changed": _visit_projects_changed,
    "portal_project_read_grants": _visit_as_department,
    "portal_assess_unit": _visit_ranking,
    "portal_project_flags": _visit_project_changes,
    "portal_unit_week_flags": lambda ctx: [ctx.bureau.get("/scheduling")],
    "portal_industry_systems": lambda ctx: [ctx.admin.get("/admin/plugins"), ctx.bureau.get("/projects/new")],
    "portal_project_review": _visit_project_page,
    "portal_extra_fields": lambda ctx: [ctx.bureau.get("/projects/new"), ctx.bureau.get(f"/projects/{ctx.project.id}")],
    "portal_export_columns": lambda ctx: [ctx.bureau.get("/projects?format=xlsx")],
    "portal_choice_lists": lambda ctx: [ctx.bureau.get("/projects/new"), ctx.bureau.get(f"/projects/{ctx.project.id}")],
    "portal_province_report": _visit_province_report,
    "portal_credit_rule": _visit_ranking,  # the ranking's figures take the credit shares
    "portal_notification_kinds": lambda ctx: [ctx.bureau.get("/notifications/preferences")],
    "portal_history_labels": lambda ctx: [ctx.admin.get("/admin/audit"),
                                          ctx.bureau.get(f"/projects/{ctx.project.id}")],
    "portal_flag_reason_codes": _visit_flag_reasons,
    "portal_template_globals": _visit_home,  # added at start-up
    "portal_figures": lambda ctx: [ctx.bureau.get("/dashboard"), *_visit_ranking(ctx)],
    "portal_team_quota_flags": _visit_teams,
    "portal_deliver_notification": _visit_problem_raised,
}


def test_every_hook_has_a_page_that_uses_it():
    assert sorted(VISITS) == HOOKS


def _garbage_plugins(folder, hook):
    """One plugin file per garbage answer of the hook; their names."""
    names = []
    for index, answer in enumerate(GENERIC + SPECIFIC[hook]):
        name = f"garbage_{hook[len('portal_'):]}_{index}"
        (folder / f"{name}.py").write_text(textwrap.dedent(f"""
            from decimal import Decimal
            from markupsafe import Markup
            from portal import hookimpl

            @hookimpl
            def {hook}():
                return {answer}
        """), encoding="utf-8")
        names.append(name)
    return names


class Visit:
    def __init__(self, portal, project):
        self.portal, self.project = portal, project
        self.bureau, self.admin = login_to(portal, "bureau"), login_to(portal, "admin")


def _plugin_row(page: str, name: str) -> str:
    match = re.search(rf'<tr class="plugin-[a-z_]+">\s*<td>{name}<br>.*?</tr>', page, re.S)
    assert match, f"{name} is not listed on /admin/plugins"
    return match.group(0)


@pytest.mark.parametrize("hook", HOOKS)
def test_a_garbage_answer_is_the_plugins_error_and_the_page_renders(app, org, make_project, tmp_path, hook):
    names = _garbage_plugins(tmp_path, hook)
    UnitTarget.create(year=dt.date.today().year, unit=org.units["county_a"], figure="signed_count", value=Decimal(5))
    project = make_project(name="Watched", stage="negotiating", negotiating_on=dt.date(2026, 2, 1))
    portal = other_app(app, PLUGINS_DIR=str(tmp_path), STRICT_PLUGINS=False, LOAD_PLUGINS=",".join([BUNDLED, *names]))
    visit = Visit(portal, project)
    responses = VISITS[hook](visit)
    assert [r.status_code for r in responses if r.status_code not in (200, 303)] == []
    page = visit.admin.get("/admin/plugins").get_data(as_text=True)
    for name in names:
        row = _plugin_row(page, name)
        assert "Active, with errors" in row and f"{hook}: " in row, f"{name}: its error is not named"


@pytest.mark.parametrize("hook, answer", [
    ("portal_project_flags", [{"level": "red", "reason": "Three weeks without a report"}]),
    ("portal_unit_week_flags", [{"unit_id": 3, "flag": "yellow", "reason": "Reported late"}]),
    ("portal_assess_unit", {"score": Decimal("87.5"), "breakdown": [{"label": "Signed", "points": 40.5,
                                                                      "detail": "4 of 5"}], "vetoes": []}),
    ("portal_project_review", {"recommendation": "discuss", "scores": [{"label": "Intensity", "value": Decimal(3),
                                                                         "points": 0, "max_points": 10}],
                               "total": None, "vetoes": [], "notes": []}),
    ("portal_extra_fields", [{"code": "lot", "label": "Lot", "type": "choice", "choices": [("a", "A")]}]),
    ("portal_menu_items", None),
])
def test_well_formed_answers_pass(hook, answer):
    check_answer(hook, answer)


def test_the_error_says_where_the_answer_is_wrong():
    with pytest.raises(BadReturnValue, match=r"answer\[0\] lacks 'reason'"):
        check_answer("portal_project_flags", [{"level": "red"}])
    with pytest.raises(BadReturnValue, match=r"answer\['score'\] must be a finite number"):
        check_answer("portal_assess_unit", {"score": float("nan")})
