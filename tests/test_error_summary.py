"""Every form refused with 422 shows an error summary at the top: a live region listing each
message, linked to its field. Each role crawls the portal (the forms roundtrip's crawl) and
submits every form with bad input, as a person would: the text fields emptied, the number
and date fields holding a word."""
import re

from tests.forms_helpers import submit
from tests.test_forms_roundtrip import ACTIONS, _endpoint, crawl, make_city

ROLES = ("admin", "bureau", "unit_a")
WORD_TYPES = {"number", "date", "email", "month", "week"}
TEXT_TYPES = {"text", "password", "search", "tel", "url", "textarea"}


def spoil(form) -> None:
    """Bad input in every typed field: text emptied, numbers and dates a word."""
    for control in form.controls:
        if not control.name or control.name == "csrf_token" or not control.enabled:
            continue
        if control.type in WORD_TYPES:
            form.type_into(control.name, "soon")
        elif control.type in TEXT_TYPES:
            form.type_into(control.name, "")


def summary_problems(html: str) -> list[str]:
    """What is wrong with the page's error summary (nothing: it is there and its links work)."""
    match = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', html, re.S)
    if match is None:
        return ["no error summary"]
    summary = match.group(1)
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    problems = [] if items else ["an empty error summary"]
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    for target in re.findall(r'href="#([^"]+)"', summary):
        if target not in ids:
            problems.append(f"a link to #{target}, which is no element of the page")
    if 'tabindex="-1"' not in summary:
        problems.append("no heading to move the focus to")
    return problems


def test_every_form_refused_with_422_has_an_error_summary(app, org, make_project, login):
    with app.app_context():
        make_city(org, make_project)
    failures, refused, tried = [], set(), set()
    for role in ROLES:
        client = login(role)
        for page_url, form in crawl(app, client):
            endpoint = _endpoint(app, form.action, form.method)
            if form.method != "POST" or endpoint in ACTIONS or (role, endpoint) in tried or not form.submittable:
                continue
            tried.add((role, endpoint))
            spoil(form)
            response = submit(client, form)
            if response.status_code != 422 or response.mimetype != "text/html":
                continue
            refused.add(endpoint)
            problems = summary_problems(response.get_data(as_text=True))
            if problems:
                failures.append(f"{role}: {form.action} ({endpoint}) from {page_url}: {', '.join(problems)}")
    assert not failures, "\n".join(failures)
    # the crawl reached forms of every kind (guards against a crawl that refuses nothing)
    assert {"admin.user_new", "admin.unit_new", "projects.new", "projects.edit", "auth.change_password",
            "problems.raise_problem"} <= refused, sorted(refused)


def test_a_refused_htmx_form_brings_its_summary(login, make_project):
    project = make_project(name="Battery plant")
    client = login("bureau")
    page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/projects/{project.id}/capital", data={"csrf_token": token, "on_date": "soon",
                                                                    "amount": "many"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert summary_problems(response.get_data(as_text=True)) == []
