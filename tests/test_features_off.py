"""A deployment turns a feature off (PORTAL_FEATURES_OFF): every page still renders for every
role, and no page links to the feature's pages (the menu drops them)."""
from __future__ import annotations

from collections import deque

import pytest
from werkzeug.exceptions import HTTPException

from portal import features
from tests.plugins_helpers import login_to, other_app
from tests.test_forms_roundtrip import ROLES, SKIPPED_LINKS, _links, _route_key, make_city

#: Pages visited per role (one page per route): the crawl reaches every menu entry and the records.
MAX_PAGES = 120


def _endpoint(app, link: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(link.partition("?")[0], method="GET")[0]
    except HTTPException:
        return None


def _crawl(app, client) -> dict[str, list[str]]:
    """``{page: links}`` of every page reachable from the home page, one page per route; a page
    answering 500 fails the test."""
    pages, seen_routes, queue = {}, set(), deque(["/"])
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages[url] = links = _links(response.get_data(as_text=True), url)
        for link in links:
            route = _route_key(app, link)
            if route not in seen_routes:
                seen_routes.add(route)
                queue.append(link)
    return pages


def test_every_feature_can_be_named_and_a_wrong_name_is_refused():
    assert {"ranking", "sourcing", "problems", "scheduling"} <= set(features.names())
    assert features.parse_off(" ranking, sourcing ") == {"ranking", "sourcing"}
    with pytest.raises(RuntimeError, match="rankng"):
        features.parse_off("rankng")


@pytest.mark.parametrize("off", ["ranking", "sourcing", "merging"])
def test_a_feature_turned_off_leaves_every_page_working_without_a_link_to_it(app, org, make_project, off):
    with app.app_context():
        make_city(org, make_project)
    portal = other_app(app, FEATURES_OFF=off)
    with app.app_context():
        full = app.url_map
    feature_rules = {rule.rule for rule in full.iter_rules() if rule.endpoint.startswith(off + ".")}
    assert feature_rules, f"{off} has no pages in the full portal"
    assert not {rule.rule for rule in portal.url_map.iter_rules()} & feature_rules  # its pages are gone

    visited = 0
    for role in ROLES:
        pages = _crawl(portal, login_to(portal, role))
        visited += len(pages)
        for page, links in pages.items():
            for link in links:
                if link.startswith(SKIPPED_LINKS):
                    continue
                assert _endpoint(portal, link), f"{role}: {page} links to {link}, a page that does not exist"
                assert not (_endpoint(app, link) or "").startswith(off + "."), f"{role}: {page} links to {link}"
    assert visited > 10 * len(ROLES)  # the crawl went beyond the home pages


def test_with_every_feature_on_the_crawl_finds_their_links(app, org, make_project):
    """The check above can fail: with the features on, the bureau's pages link to both."""
    with app.app_context():
        make_city(org, make_project)
    endpoints = {_endpoint(app, link) or "" for links in _crawl(app, login_to(app, "bureau")).values()
                 for link in links}
    assert any(e.startswith("ranking.") for e in endpoints) and any(e.startswith("sourcing.") for e in endpoints)
