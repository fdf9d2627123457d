"""Who may open what: every route of the URL map, requested as anonymous and as each role.

The records the URLs name belong to County A (a project sourced by the Shanghai team), so
County B's staff, the town below County A and the department must be refused where the rules
in portal/permissions.py say so. A route missing from the tables below fails the test: a new
route needs its rule written down here.

Outcomes: "ok" (2xx, or a redirect elsewhere than the login page), "login" (redirect to the
login page), "denied" (403, or 404 — a record one may not read is "not found").
"""
from __future__ import annotations

import pathlib

import openpyxl
import pytest

from tests.test_forms_roundtrip import make_city

ROLES = ("anonymous", "admin", "bureau", "leader", "unit_a", "town_a", "unit_b", "department", "team")
SIGNED_IN = ROLES[1:]

OK, LOGIN, DENIED = "ok", "login", "denied"
EVERYONE = {role: OK for role in SIGNED_IN} | {"anonymous": LOGIN}


def _row(anonymous=LOGIN, **roles):
    """An expected row: the given roles' outcomes, ``anonymous`` redirected to the login page."""
    assert set(roles) <= set(SIGNED_IN), roles
    return {"anonymous": anonymous, **roles}


def _only(*allowed, anonymous=LOGIN, others=DENIED):
    """A row where the ``allowed`` roles get "ok" and every other signed-in role ``others``."""
    return {"anonymous": anonymous, **{r: OK if r in allowed else others for r in SIGNED_IN}}


SEE_ALL = ("admin", "bureau", "leader")
READ_PROJECT = SEE_ALL + ("unit_a", "team")  # County A's project, sourced by the team
EDIT_PROJECT = ("bureau", "unit_a")

#: GET: the outcome per role of opening each route with County A's records in its URL.
EXPECTED: dict[str, dict[str, str]] = {
    'admin.audit_log': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.industries': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.industry_edit': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.industry_link_edit': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.industry_link_new': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.industry_new': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.sign_ins': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.unit_edit': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.unit_new': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.units': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.user_edit': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.user_new': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.user_password': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'admin.users': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'auth.change_password': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'auth.login': {'anonymous': 'ok', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'auth.login_code': {'anonymous': 'login', 'admin': 'login', 'bureau': 'login', 'leader': 'login', 'unit_a': 'login', 'town_a': 'login', 'unit_b': 'login', 'department': 'login', 'team': 'login'},
    'auth.two_factor_page': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'chains.edit_target': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'chains.index': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'chains.show': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'dashboard.index': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'dashboard.panel': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'dashboard.summary': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'home.healthz': {'anonymous': 'ok', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'home.index': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'importing.index': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'importing.show': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'importing.template': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'lists.all_projects': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'lists.clues': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'lists.landed': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'lists.production': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'lists.signed': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'platform.plugin_list': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'denied', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'problems.add_commitment': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'problems.board': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'problems.detail': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'ok'},
    'problems.fulfil': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'denied'},
    'problems.inbox': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'problems.notification_count': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'problems.notifications': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'problems.project_problems': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'ok'},
    'problems.raise_problem': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'projects.capital': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'ok'},
    'projects.chain_links': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'projects.correct': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'projects.download': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'ok'},
    'projects.edit': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'projects.new': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'denied', 'team': 'ok'},
    'projects.resubmit': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'projects.show': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'ok'},
    'projects.stage': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'projects.verification': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'projects.verify': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'ranking.index': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'ranking.targets': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'ranking.targets_template': {'anonymous': 'login', 'admin': 'denied', 'bureau': 'ok', 'leader': 'denied', 'unit_a': 'denied', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'denied', 'team': 'denied'},
    'ranking.top_ten_page': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'ranking.top_ten_print': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'ranking.unit': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'review.decide': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'ok'},
    'scheduling.meeting': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'scheduling.milestones': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'denied', 'unit_b': 'denied', 'department': 'ok', 'team': 'ok'},
    'scheduling.report': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
    'scheduling.wallchart': {'anonymous': 'login', 'admin': 'ok', 'bureau': 'ok', 'leader': 'ok', 'unit_a': 'ok', 'town_a': 'ok', 'unit_b': 'ok', 'department': 'ok', 'team': 'ok'},
}

#: POST-only routes and routes whose POST writes: the roles that may write. Every other role
#: must be refused (403/404) before the form is even validated; anonymous is sent to login.
WRITERS: dict[str, tuple[str, ...]] = {
    # The organisation and the platform: administrators.
    **{e: ("admin",) for e in (
        "admin.industry_active", "admin.industry_edit", "admin.industry_link_active", "admin.industry_link_edit",
        "admin.industry_link_new", "admin.industry_new", "admin.unit_active", "admin.unit_edit", "admin.unit_new",
        "admin.user_active", "admin.user_edit", "admin.user_new", "admin.user_password", "admin.user_unlock",
        "auth.two_factor_reset", "platform.choose_rules", "platform.clear_failures", "platform.plugin_state")},
    # One's own account, language and notifications: everyone signed in (signing in: anyone).
    **{e: SIGNED_IN for e in (
        "auth.change_password", "auth.logout", "auth.two_factor_confirm", "auth.two_factor_new_codes",
        "auth.two_factor_off", "auth.two_factor_setup", "problems.notifications_read_all")},
    **{e: ROLES for e in ("auth.login", "auth.login_code", "auth.set_language")},
    "problems.notification_read": ("unit_a",),  # the notification is unit_a's
    # Imports: the bureau and the administrator.
    **{e: ("admin", "bureau") for e in (
        "importing.confirm", "importing.discard", "importing.index", "importing.mapping", "importing.undo")},
    # The bureau alone: chains, targets, the top ten, verification, corrections.
    **{e: ("bureau",) for e in (
        "chains.edit_info", "chains.edit_target", "ranking.targets", "ranking.targets_row",
        "ranking.targets_upload", "ranking.top_ten_page", "projects.correct", "projects.verification",
        "projects.verify", "review.decide")},
    # County A's project: its editors.
    **{e: EDIT_PROJECT for e in (
        "projects.archive", "projects.capital", "projects.edit", "projects.stage", "projects.upload",
        "projects.resubmit", "problems.add_commitment", "problems.raise_problem", "scheduling.milestones",
        "scheduling.milestone_complete")},
    "projects.restore": ("admin", "bureau"),
    "chains.add_target": ("bureau", "department"),  # departments keep the target lists
    "projects.new": ("bureau", "unit_a", "town_a", "unit_b", "team"),
    # Its problem, assigned to the department and raised by unit_a; the department's commitment.
    "problems.answer": ("bureau", "department"),
    "problems.handover": ("bureau", "department"),
    "problems.change_state": ("bureau", "department", "unit_a"),
    "problems.fulfil": ("bureau", "unit_a", "department"),
    # Weekly progress: the project's editors and the team that sourced it; the report page
    # saves only the rows of the user's own projects.
    "scheduling.report_row": EDIT_PROJECT + ("team",),
    "scheduling.report": SIGNED_IN,
}


# Records and URLs ------------------------------------------------------------------------------

def _records(org, make_project, app) -> dict[str, str]:
    """The city of tests/test_forms_roundtrip.py plus the few records it lacks; the value each
    URL argument takes (all of them County A's, or the bureau's where a unit has none)."""
    from portal.models import (Attachment, Commitment, ImportBatch, Industry, IndustryLink, Milestone,
                               Notification, Problem, Project, StageChange, TargetEnterprise)

    make_city(org, make_project)
    project = Project.get(Project.name == "Battery plant")
    industry = Industry.get(Industry.code == "newenergy")
    link = IndustryLink.create(industry=industry, code="newenergy-cells", name_zh="电芯", name_en="Cells")
    attachment = Attachment.create(project=project, stored_name="a" * 32, original_name="plan.pdf",
                                   content_type="application/pdf", size=4, by=org.users["unit_a"])
    uploads = pathlib.Path(app.config["UPLOADS_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / attachment.stored_name).write_bytes(b"%PDF")
    (uploads / "imports").mkdir(exist_ok=True)
    sheet = openpyxl.Workbook()
    sheet.active.append(["Project name", "Responsible unit"])
    sheet.active.append(["Cell line", "County A"])
    sheet.save(uploads / "imports" / ("b" * 32 + ".xlsx"))
    batch = ImportBatch.create(user=org.users["bureau"], file_name="projects.xlsx", stored_name="b" * 32 + ".xlsx")
    notification = Notification.create(user=org.users["unit_a"], kind="assigned", args={}, link="/problems")
    return {
        "project_id": project.id,
        "change_id": StageChange.get(StageChange.project == project).id,
        "unit_id": org.units["county_a"].id,
        "user_id": org.users["unit_a"].id,
        "problem_id": Problem.get().id,
        "commitment_id": Commitment.get().id,
        "milestone_id": Milestone.get().id,
        "target_id": TargetEnterprise.get().id,
        "notification_id": notification.id,
        "industry_id": industry.id,
        "link_id": link.id,
        "batch_id": batch.id,
        "code": "newenergy",
        "name": "figures",
        "stored_name": attachment.stored_name,
    }


def _routes(app, values) -> dict[str, tuple[str, set[str]]]:
    """endpoint -> (URL with the arguments filled in, methods), for every rule but ``static``."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint in routes:
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.endpoint}: no record for URL argument(s) {sorted(missing)}; add them to _records"
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", str(values[argument]))
        routes[rule.endpoint] = (path, set(rule.methods) - {"HEAD", "OPTIONS"})
    return routes


def _outcome(response) -> str:
    status = response.status_code
    if status in (403, 404):
        return DENIED
    if 300 <= status < 400:
        return LOGIN if response.location.partition("?")[0].endswith("/login") else OK
    if 200 <= status < 300:
        return OK
    return str(status)


@pytest.fixture
def city(app, org, make_project, login):
    with app.app_context():
        values = _records(org, make_project, app)
    clients = {"anonymous": app.test_client()} | {role: login(role) for role in SIGNED_IN}
    return _routes(app, values), clients


# Tests ----------------------------------------------------------------------------------------

def test_every_route_has_a_rule_and_every_role_gets_what_the_rule_says(app, city):
    routes, clients = city
    readable = {e for e, (_url, methods) in routes.items() if "GET" in methods}
    unruled = sorted(readable - set(EXPECTED))
    observed = {endpoint: {role: _outcome(clients[role].get(routes[endpoint][0])) for role in ROLES}
                for endpoint in sorted(readable)}
    assert not unruled, "routes without an expected row in EXPECTED:\n" + "\n".join(
        f"    {e!r}: {observed[e]}," for e in unruled)
    wrong = {e: (EXPECTED[e], observed[e]) for e in sorted(readable) if observed[e] != EXPECTED[e]}
    assert not wrong, "\n".join(
        f"{e}: " + ", ".join(f"{r} expected {want[r]} got {got[r]}" for r in ROLES if want[r] != got[r])
        for e, (want, got) in wrong.items())
    assert not set(EXPECTED) - readable, "rows for routes that are gone"


def test_roles_that_may_not_write_are_refused_before_validation(app, city):
    routes, clients = city
    writable = {e for e, (_url, methods) in routes.items() if "POST" in methods}
    unruled = sorted(writable - set(WRITERS))
    assert not unruled, "POST routes without a WRITERS entry: " + ", ".join(unruled)
    wrong = []
    for endpoint in sorted(writable):
        url = routes[endpoint][0]
        for role in ROLES:
            if role in WRITERS[endpoint]:
                continue
            client = clients[role]
            token = client.csrf_token()
            got = _outcome(client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token}))
            want = LOGIN if role == "anonymous" else DENIED
            if got != want:
                wrong.append(f"{endpoint} as {role}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)
