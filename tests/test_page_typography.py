"""Every page read in Chinese keeps the typography of official writing: no ASCII colon, comma or
semicolon after a Chinese character (a label followed by ": " in a template reads "表头行: 2").
The portal's own words are checked in the catalogs (tests/test_i18n.py); this crawls the pages,
where labels meet values."""
from __future__ import annotations

import html as html_lib
import re
from collections import Counter, deque

from tests.test_forms_roundtrip import MAX_PAGES_PER_ROUTE, _first_and_last_of_each_route, _links, _route_key, make_city

ROLES = ("admin", "bureau", "leader", "unit_a", "department", "team")
MAX_PAGES = 120
CJK_THEN_ASCII_PUNCTUATION = re.compile(r"[\u4e00-\u9fff][:;,](?!\d)")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', r" \1 ", page)  # read aloud or shown
    page = re.sub(r"<[^>]+>", " ", page)
    return html_lib.unescape(page)


def chinese_pages(app, client, start="/"):
    """``(url, text)`` of the HTML pages reachable from ``start``, bounded as the form crawl is."""
    seen, per_route, queue = {start}, Counter(), deque([start])
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        yield url, visible_text(page)
        for link in _first_and_last_of_each_route(app, _links(page, url)):
            route = _route_key(app, link)
            if link not in seen and per_route[route] < MAX_PAGES_PER_ROUTE:
                seen.add(link)
                per_route[route] += 1
                queue.append(link)


def test_no_ascii_colon_or_comma_after_chinese_on_any_page(app, org, make_project, login):
    with app.app_context():
        make_city(org, make_project)
    offenders = set()
    for role in ROLES:
        client = login(role)
        client.post_form("/language", {"locale": "zh_CN", "next": "/"})
        for url, text in chinese_pages(app, client):
            for match in CJK_THEN_ASCII_PUNCTUATION.finditer(text):
                snippet = " ".join(text[max(0, match.start() - 12):match.end() + 12].split())
                offenders.add((_route_key(app, url), snippet))
    assert not offenders, "\n".join(f"{route}: {snippet}" for route, snippet in sorted(offenders))
