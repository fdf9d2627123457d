"""Who may open what: every route of the URL map, requested as anonymous and as each role.

The records the URLs name belong to County A (a project sourced by the Shanghai team), so
County B's staff, the town below County A and the department must be refused where the rules
in portal/permissions.py say so. A route missing from the tables below fails the test: a new
route needs its rule written down here.

Outcomes: "ok" (2xx, or a redirect elsewhere than the login page), "login" (redirect to the
login page), "denied" (403, or 404 — a record one may not read is "not found"), "token" (401:
the API under /api takes a bearer token, never the session cookie; tests/test_api.py checks
its rules per role with tokens).
"""
from __future__ import annotations

import pathlib

import openpyxl
import pytest

from tests.test_forms_roundtrip import make_city

ROLES = ("anonymous", "admin", "bureau", "leader", "unit_a", "town_a", "unit_b", "department", "team")
SIGNED_IN = ROLES[1:]

OK, LOGIN, DENY, TOKEN = "ok", "login", "denied", "token"


def _row(*outcomes: str) -> dict[str, str]:
    """An expected row: one outcome per role, in the order of ROLES."""
    assert len(outcomes) == len(ROLES)
    return dict(zip(ROLES, outcomes))


EDIT_PROJECT = ("bureau", "unit_a")

#: GET: the outcome per role of opening each route with County A's records in its URL, read
#: against portal/permissions.py: admin, bureau and leader read everything; County A's staff and
#: the team that sourced its project read it (the town below County A and County B do not); the
#: department reads it because it holds its problem; only editors get edit pages.
EXPECTED: dict[str, dict[str, str]] = {
    #                                    anon   admin  bureau leader unit_a town_a unit_b dept   team
    "admin.audit_log":              _row(LOGIN, OK,    OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.industries":             _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.industry_edit":          _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.industry_link_edit":     _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.industry_link_new":      _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.industry_new":           _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.sign_ins":               _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.unit_edit":              _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.unit_new":               _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.units":                  _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.user_edit":              _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.user_new":               _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.user_password":          _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "admin.users":                  _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    **{e: _row(*[TOKEN] * len(ROLES)) for e in (
        "api.commitment_list", "api.figure_list", "api.industry_list", "api.investors", "api.problem_list",
        "api.project", "api.projects", "api.province_report", "api.province_report_workbook", "api.units",
        "api.weekly_report")},
    "api.docs":                     _row(OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api.openapi_json":             _row(OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "api_tokens.all_tokens":        _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "api_tokens.index":             _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.change_password":         _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.login":                   _row(OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.login_code":              _row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "auth.two_factor_page":         _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "chains.edit_target":           _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "chains.index":                 _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "chains.show":                  _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "dashboard.index":              _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "dashboard.summary":            _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "home.healthz":                 _row(OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "home.index":                   _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "importing.index":              _row(LOGIN, OK,    OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "importing.show":               _row(LOGIN, OK,    OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "importing.template":           _row(LOGIN, OK,    OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    # The other lists: units and users for the administrator, investors and capital for the bureau.
    # The batch in the URL is a projects batch: another list's page does not open it (404).
    "import_units.index":           _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_units.show":            _row(LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_units.template":        _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_users.index":           _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_users.show":            _row(LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_users.template":        _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_investors.index":       _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_investors.show":        _row(LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_investors.template":    _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_capital.index":         _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_capital.show":          _row(LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_capital.template":      _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_targets.index":         _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_targets.show":          _row(LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "import_targets.template":      _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "lists.all_projects":           _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "lists.clues":                  _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "lists.landed":                 _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    # Merging duplicates: the bureau's (it reads and edits every record).
    "merging.index":                _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "merging.merge_investor":       _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "merging.merge_project":        _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "lists.production":             _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "lists.signed":                 _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "platform.plugin_list":         _row(LOGIN, OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "problems.add_commitment":      _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    "problems.board":               _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "problems.detail":              _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "problems.fulfil":              _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  OK,    DENY),
    "problems.inbox":               _row(LOGIN, DENY,  OK,    DENY,  OK,    OK,    OK,    OK,    OK),
    "notifications.count":          _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "notifications.index":          _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "notifications.preferences_page": _row(LOGIN, OK,  OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "problems.project_problems":    _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "problems.raise_problem":       _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    "projects.capital":             _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "projects.chain_links":         _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "projects.correct":             _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "projects.download":            _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "projects.edit":                _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    "projects.new":                 _row(LOGIN, DENY,  OK,    DENY,  OK,    OK,    OK,    DENY,  OK),
    "projects.new_stage_dates":     _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "projects.resubmit":            _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    "projects.show":                _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "projects.stage":               _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    "projects.verification":        _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "projects.verify":              _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "ranking.index":                _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "ranking.targets":              _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "ranking.targets_template":     _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "ranking.top_ten_page":         _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "ranking.top_ten_print":        _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "ranking.unit":                 _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "review.decide":                _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "scheduling.meeting":           _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "scheduling.milestones":        _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "scheduling.report":            _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "scheduling.wallchart":         _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    # Sourcing: the investor's page is read by those who read one of its projects (as the project
    # page names it: not County B, nor the town below County A); County A's contact
    # is read and corrected by County A (and the bureau); the bureau keeps the event, County A and
    # the team take part in it; the team's workspace is its own and the city's.
    "sourcing.edit_contact":        _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    "sourcing.clue_from_contact":   _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    # A contact's file: who reads the contact (County A's staff, and who sees everything).
    "sourcing.contact_file":        _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  DENY,  DENY),
    "sourcing.edit_event":          _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "sourcing.event":               _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  DENY,  OK),
    "sourcing.events":              _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "sourcing.investor":            _row(LOGIN, OK,    OK,    OK,    OK,    DENY,  DENY,  OK,    OK),
    "sourcing.investors":           _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "sourcing.log_contact":         _row(LOGIN, DENY,  OK,    DENY,  OK,    DENY,  DENY,  OK,    OK),
    "sourcing.new_event":           _row(LOGIN, DENY,  OK,    DENY,  OK,    OK,    OK,    DENY,  OK),
    "sourcing.project_credit":      _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "sourcing.team":                _row(LOGIN, OK,    OK,    OK,    DENY,  DENY,  DENY,  DENY,  OK),
    "sourcing.team_plan":           _row(LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "sourcing.teams":               _row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
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
        "auth.two_factor_off", "auth.two_factor_setup", "notifications.read_all",
        "notifications.preferences_page")},
    **{e: ROLES for e in ("auth.login", "auth.login_code", "auth.set_language")},
    "notifications.read": ("unit_a",),  # the notification is unit_a's
    # Imports: the bureau and the administrator.
    **{e: ("admin", "bureau") for e in (
        "importing.confirm", "importing.discard", "importing.index", "importing.mapping", "importing.undo")},
    # The other lists: the organisation for the administrator, investors and capital for the bureau.
    **{f"import_{kind}.{view}": roles for kind, roles in (("units", ("admin",)), ("users", ("admin",)),
                                                          ("investors", ("bureau",)), ("capital", ("bureau",)))
       for view in ("confirm", "discard", "index", "mapping", "undo")},
    **{f"import_targets.{view}": ("bureau",) for view in ("confirm", "discard", "index", "mapping")},
    # The bureau alone: chains, targets, the top ten, verification, corrections.
    **{e: ("bureau",) for e in (
        "chains.edit_info", "chains.edit_target", "ranking.targets", "ranking.targets_row",
        "ranking.top_ten_page", "projects.correct", "projects.verification",
        "projects.verify", "review.decide")},
    # County A's project: its editors.
    **{e: EDIT_PROJECT for e in (
        "projects.archive", "projects.capital", "projects.edit", "projects.stage", "projects.upload",
        "projects.resubmit", "problems.add_commitment", "problems.raise_problem", "scheduling.milestones",
        "scheduling.milestone_complete")},
    "projects.restore": ("admin", "bureau"),
    **{e: ("bureau",) for e in ("merging.merge_investor", "merging.merge_project", "merging.undo")},
    # API tokens: one's own (and, for administrators, anyone's); unit_a's token below. The API
    # itself takes no cookie (TOKEN_ONLY).
    "api_tokens.index": SIGNED_IN,
    "api_tokens.revoke": ("admin", "unit_a"),
    "api.change_stage": (),
    "api.file_progress": (),
    "api.raise_problem": (),
    "api.answer_problem": (),
    "api.create_project": (),
    "api.change_problem_state": (),
    "api.hand_over_problem": (),
    "api.fulfil_commitment": (),
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
    # Sourcing: contacts by the unit in touch (County A's) and the bureau; anyone who writes for
    # a unit logs a contact with an investor whose page they read; events by the bureau and unit staff; the
    # event's projects by those who edit the project (Battery plant: County A) and read the event.
    **{e: ("bureau", "unit_a") for e in (
        "sourcing.edit_contact", "sourcing.delete_contact", "sourcing.link_project", "sourcing.unlink_project",
        "sourcing.clue_from_contact", "sourcing.remove_contact_file")},
    "sourcing.log_contact": ("bureau", "unit_a", "department", "team"),
    "sourcing.new_event": ("bureau", "unit_a", "town_a", "unit_b", "team"),
    "sourcing.edit_event": ("bureau",),
    "sourcing.project_credit": ("bureau",),
    "sourcing.team_plan": ("bureau",),
}


#: Routes that answer 401 to every cookie (the API): no role writes there with a session.
TOKEN_ONLY = frozenset(e for e, row in EXPECTED.items() if row["admin"] == TOKEN) | {
    "api.answer_problem", "api.change_problem_state", "api.change_stage", "api.create_project", "api.file_progress",
    "api.fulfil_commitment", "api.hand_over_problem", "api.raise_problem"}


# Records and URLs ------------------------------------------------------------------------------

def _records(org, make_project, app) -> dict[str, str]:
    """The city of tests/test_forms_roundtrip.py plus the few records it lacks; the value each
    URL argument takes (all of them County A's, or the bureau's where a unit has none)."""
    from portal.api import tokens
    from portal.models import (Attachment, Commitment, Contact, ContactAttachment, ImportBatch, Industry, IndustryLink,
                               MergeRecord, Milestone, Notification, Problem, Project, PromotionEvent, StageChange,
                               TargetEnterprise)

    make_city(org, make_project)
    project = Project.get(Project.name == "Battery plant")
    industry = Industry.get(Industry.code == "newenergy")
    link = IndustryLink.create(industry=industry, code="newenergy-cells", name_zh="电芯", name_en="Cells")
    attachment = Attachment.create(project=project, stored_name="a" * 32, original_name="plan.pdf",
                                   content_type="application/pdf", size=4, by=org.users["unit_a"])
    uploads = pathlib.Path(app.config["UPLOADS_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / attachment.stored_name).write_bytes(b"%PDF")
    contact_file = ContactAttachment.get()  # the minutes of County A's visit
    (uploads / contact_file.stored_name).write_bytes(b"%PDF")
    (uploads / "imports").mkdir(exist_ok=True)
    sheet = openpyxl.Workbook()
    sheet.active.append(["Project name", "Responsible unit"])
    sheet.active.append(["Cell line", "County A"])
    sheet.save(uploads / "imports" / ("b" * 32 + ".xlsx"))
    batch = ImportBatch.create(user=org.users["bureau"], file_name="projects.xlsx", stored_name="b" * 32 + ".xlsx")
    notification = Notification.create(user=org.users["unit_a"], kind="assigned", args={}, link="/problems")
    token = tokens.issue(org.users["unit_a"], "report script", 30, read_only=True).token
    merge = MergeRecord.create(entity="project", survivor_id=project.id, duplicate_id=project.id,
                               duplicate_name="Battery plant (twice)", duplicate={"archived": False}, moved={},
                               by=org.users["bureau"])
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
        "enterprise_id": project.enterprise_id,
        "contact_id": Contact.get().id,
        "event_id": PromotionEvent.get().id,
        "team_id": org.units["team"].id,
        "industry_id": industry.id,
        "link_id": link.id,
        "batch_id": batch.id,
        "code": "newenergy",
        "name": "figures",
        "stored_name": attachment.stored_name,
        "attachment_id": contact_file.id,
        "token_id": token.id,
        "merge_id": merge.id,
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
        return DENY
    if status == 401:
        return TOKEN
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
            want = TOKEN if endpoint in TOKEN_ONLY else LOGIN if role == "anonymous" else DENY
            if got != want:
                wrong.append(f"{endpoint} as {role}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_pages_other_units_may_open_do_not_show_county_a_records(app, city):
    """Opening a page is not enough: the pages County B and the town below County A may open
    (lists, boards, the dashboard, the meeting) must not name County A's project, its investor,
    its problem, commitment or weekly report."""
    routes, clients = city
    county_a_texts = ("Battery plant", "Ningde", "Land handover is late", "Hand over 150 mu", "Sign the lease")
    shown = []
    for role in ("unit_b", "town_a"):
        for endpoint, (url, methods) in sorted(routes.items()):
            response = clients[role].get(url) if "GET" in methods else None
            if response is not None and response.status_code == 200:
                page = response.get_data(as_text=True)
                shown += [f"{role} sees {text!r} on {url}" for text in county_a_texts if text in page]
    assert not shown, "\n".join(shown)
