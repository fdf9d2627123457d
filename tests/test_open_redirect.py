"""Every route that follows a "next" address stays on the site, whatever the address holds."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urljoin, urlsplit

import pytest

from portal.timeutil import today

NASTY_NEXT = [
    "//evil.example", "///evil.example", "/\t/evil.example", "/%09/evil.example", "\t//evil.example",
    "/\r\n/evil.example", "/\nSet-Cookie: x=1", "/x\r\nLocation: http://evil.example", "/\\evil.example",
    "\\\\evil.example", "/\\/evil.example", "\\/evil.example", "/%5Cevil.example", "%2F%2Fevil.example",
    "/%2F/evil.example", "http://evil.example/", "https:evil.example", "HTTP://evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,x",
    "/\x00/evil.example", "/\x0b/evil.example", "/\u2028/evil.example", "/\u3000/evil.example",
    "//evil.example@portal", "/ /evil.example", "evil.example", "@evil.example", "/.//evil.example",
]


def _assert_stays_on_site(response):
    assert response.status_code < 500
    location = response.headers.get("Location")
    if location:
        resolved = urlsplit(urljoin("http://localhost/somewhere/page", location))
        assert resolved.netloc == "localhost" and resolved.scheme == "http", location
        assert "\t" not in location and "\n" not in location and "\\" not in location


def test_login_next(client, org):
    for target in NASTY_NEXT:
        with client.session_transaction() as sess:
            sess.clear()
        client._logged_in = False
        response = client.post_form("/login?next=" + quote(target, safe=""), _credentials())
        assert response.status_code == 303, target
        _assert_stays_on_site(response)


def _credentials():
    from tests.conftest import PASSWORD

    return {"username": "bureau", "password": PASSWORD}


def test_language_next(login):
    client = login("bureau")
    for target in NASTY_NEXT:
        response = client.post_form("/language", {"locale": "en", "next": target})
        assert response.status_code == 303, target
        _assert_stays_on_site(response)


def test_milestone_and_commitment_next(login, make_project, org, app):
    client = login("bureau")
    with app.app_context():
        project = make_project(name="Battery plant", stage="signed")
        day, due = today().isoformat(), (today() + dt.timedelta(days=30)).isoformat()
    from portal.models import Milestone

    for target in NASTY_NEXT:
        response = client.post_form(f"/scheduling/projects/{project.id}/milestones", {
            "title": "Land handover", "planned_on": day, "next": target})
        assert response.status_code == 303, target
        _assert_stays_on_site(response)
        with app.app_context():
            milestone = Milestone.select().order_by(Milestone.id.desc()).get()
        response = client.post_form(f"/scheduling/milestones/{milestone.id}/complete",
                                    {"actual_on": day, "next": target})
        assert response.status_code == 303, target
        _assert_stays_on_site(response)
        response = client.post_form(f"/projects/{project.id}/commitments/new?next=" + quote(target, safe=""), {
            "kind": "land", "promise": "Land by spring", "unit": str(org.units["department"].id),
            "due_date": due, "next": target})
        assert response.status_code == 303, (target, response.status_code)
        _assert_stays_on_site(response)


@pytest.mark.parametrize("target", ["/projects/7", "/projects?stage=signed&q=%E6%B1%BD", "/scheduling/report"])
def test_a_path_on_the_site_is_followed(client, org, target):
    response = client.post_form("/login?next=" + quote(target, safe=""), _credentials())
    assert response.headers["Location"].endswith(target)
