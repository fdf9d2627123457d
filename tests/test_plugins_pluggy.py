"""Every hook is called through pluggy: hook wrappers, tryfirst, firstresult and pluggy's tracing
work, and a failing plugin is still reported by name and skipped while the others answer."""
import datetime as dt

from portal import hookimpl, plugins, rules
from portal.models import Project
from tests.plugins_helpers import login_to, other_app, temporary_plugin

ASSESS = dict(unit=None, figures={}, targets={}, period=None, context=None)


class Scorer:
    def __init__(self, score):
        self.score = score

    @hookimpl
    def portal_assess_unit(self, unit):
        return {"score": self.score}


class EagerScorer(Scorer):
    @hookimpl(tryfirst=True)
    def portal_assess_unit(self, unit):
        return {"score": self.score}


class EagerRaising:
    @hookimpl(tryfirst=True)
    def portal_assess_unit(self, unit):
        raise RuntimeError("county formula broken")


class MenuWrapper:
    """A new-style hook wrapper: sees the call's arguments and every plugin's answers, adds one."""

    def __init__(self):
        self.seen = []

    @hookimpl(wrapper=True)
    def portal_menu_items(self, user):
        answers = yield
        self.seen.append((user.username, len(answers)))
        return answers + [[{"endpoint": "home.index", "label": "Added by a wrapper", "order": 1}]]


def test_a_hook_wrapper_sees_the_call_and_its_result_and_its_change_reaches_the_page(app, org):
    wrapper = MenuWrapper()
    with app.test_request_context():
        answers = len(plugins.call("portal_menu_items", user=org.users["bureau"]))
    with temporary_plugin(app, wrapper, "menu_wrapper"):
        page = login_to(app, "bureau").get("/").get_data(as_text=True)
    assert "Added by a wrapper" in page
    assert wrapper.seen and set(wrapper.seen) == {("bureau", answers)}


def test_tryfirst_runs_before_a_later_registered_plugin_and_firstresult_keeps_its_answer(app, org):
    with temporary_plugin(app, EagerScorer(7), "eager"), temporary_plugin(app, Scorer(3), "late"):
        with app.app_context():
            outcome = plugins.call_hook("portal_assess_unit", **ASSESS)
    assert outcome.answers == [("eager", {"score": 7})]
    with temporary_plugin(app, Scorer(7), "early"), temporary_plugin(app, Scorer(3), "late"):
        with app.app_context():
            outcome = plugins.call_hook("portal_assess_unit", **ASSESS)
    assert outcome.answers == [("late", {"score": 3})]  # pluggy: the last registered runs first


def test_a_raising_plugin_is_reported_by_name_and_the_next_one_answers(app, org):
    portal = other_app(app, STRICT_PLUGINS=False)
    with temporary_plugin(portal, EagerRaising(), "broken_formula"), temporary_plugin(portal, Scorer(5), "sound"):
        with portal.app_context():
            outcome = plugins.call_hook("portal_assess_unit", **ASSESS)
            direct = plugins.registry().pm.hook.portal_assess_unit(**ASSESS)  # isolated without call_hook too
    assert outcome.answers == [("sound", {"score": 5})] and outcome.failed == ["broken_formula"]
    assert direct == {"score": 5}
    page = login_to(portal, "admin").get("/admin/plugins").get_data(as_text=True)
    assert "broken_formula" in page and "county formula broken" in page


def test_a_bad_answer_is_reported_with_the_plugin_that_gave_it(app, org):
    portal = other_app(app, STRICT_PLUGINS=False)
    with temporary_plugin(portal, Scorer("high"), "wordy"), temporary_plugin(portal, Scorer(4), "numeric"):
        with portal.app_context():
            outcome = plugins.call_hook("portal_assess_unit", **ASSESS)
            failures = [(f.plugin, f.where) for f in plugins.registry().all_failures()]
    assert outcome.answers == [("numeric", {"score": 4})]  # "numeric" ran first and answered
    with temporary_plugin(portal, Scorer(4), "numeric"), temporary_plugin(portal, Scorer("high"), "wordy"):
        with portal.app_context():
            outcome = plugins.call_hook("portal_assess_unit", **ASSESS)
            failures = [(f.plugin, f.where) for f in plugins.registry().all_failures()]
    assert outcome.answers == [("numeric", {"score": 4})] and outcome.failed == ["wordy"]
    assert ("wordy", "portal_assess_unit") in failures


def test_pluggy_tracing_sees_every_hook_call(app, org):
    messages = []
    with app.app_context():
        pm = plugins.registry().pm
    pm.trace.root.setwriter(messages.append)
    undo = pm.enable_tracing()
    try:
        login_to(app, "bureau").get("/")
    finally:
        undo()
        pm.trace.root.setwriter(None)
    assert any("portal_menu_items" in m for m in messages)
    assert any("finish portal_menu_items" in m for m in messages)


class CountyFlags:
    """A county system whose flag rule applies while the system is active."""

    @hookimpl
    def portal_industry_systems(self, context):
        return [{"code": "flag_county", "name_zh": "旗县产业体系", "name_en": "Flag county system",
                 "industries": [{"code": "tea", "name_zh": "茶叶", "name_en": "Tea", "kind": "characteristic"}]}]

    @hookimpl
    def portal_project_flags(self, project, context):
        if rules.configured_code() != "flag_county":
            return None
        return [{"level": "red", "reason": "County rule: no visit this month"}]


def test_choosing_a_system_recomputes_the_stored_flags_at_once_through_portal_rules_changed(app, org, make_project):
    project = make_project(name="Watched", stage="negotiating", negotiating_on=dt.date(2026, 2, 1))
    admin = login_to(app, "admin")
    with temporary_plugin(app, CountyFlags(), "flag_county_plugin"):
        assert admin.post_form("/admin/plugins/rules", {"system": "flag_county"}).status_code == 303
        stored = Project.get_by_id(project.id)
        assert stored.flag == "red" and "County rule: no visit this month" in str(stored.flag_reasons)
        page = admin.get(f"/projects/{project.id}").get_data(as_text=True)
        assert "County rule: no visit this month" in page
        assert admin.post_form("/admin/plugins/rules", {"system": "core"}).status_code == 303
    assert "County rule" not in str(Project.get_by_id(project.id).flag_reasons)
