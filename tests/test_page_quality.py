"""Page quality a browser and a screen reader notice: a favicon that loads, a description, and no
attribute that reads "None"."""
import html
import re


def test_pages_have_a_favicon_and_a_description(app, org, login):
    for client, url in [(app.test_client(), "/login"), (login("bureau"), "/projects/new")]:
        html = client.get(url).get_data(as_text=True)
        icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
        assert icon, url
        response = client.get(icon.group(1))
        assert response.status_code == 200 and b"<svg" in response.data
        assert re.search(r'<meta name="description" content="[^"]{20,}"', html), url


def test_no_attribute_reads_none_on_a_form(app, org, login):
    bureau = login("bureau")
    for url in ("/login", "/projects/new", "/account/password"):
        client = app.test_client() if url == "/login" else bureau
        html = client.get(url).get_data(as_text=True)
        assert '="None"' not in html, url
    # A failed form points each field at its error.
    response = bureau.post_form("/projects/new", {"name": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described and all(f'id="{target}"' in html for target in described)


def test_the_refusal_to_create_a_project_says_who_can(app, org, login):
    for username in ("admin", "leader"):
        response = login(username).get("/projects/new")
        assert response.status_code == 403
        assert "bureau's staff and by unit staff" in html.unescape(response.get_data(as_text=True))


def test_the_required_mark_stands_inside_its_fields_label(app, org, login):
    """The asterisk of a required field is part of its label (on the label's line), not a loose
    item that the field's column layout puts on a line of its own."""
    page = login("bureau").get("/projects/new").get_data(as_text=True)
    marks = re.findall(r'(<label for="[^"]+">[^<]*)?\s*<span class="required" aria-hidden="true">\*</span>(</label>)?',
                       page)
    assert len(marks) >= 3  # the project name, the total investment, the responsible unit …
    assert all(opening and closing for opening, closing in marks), marks


def test_no_script_blocks_the_first_paint(app, org, login):
    """Scripts in <head> are deferred (htmx and portal.js run after the page is parsed), and pages
    come compressed: Lighthouse's render-blocking and text-compression audits (docs/page-quality.md)."""
    for client, url in [(app.test_client(), "/login"), (login("bureau"), "/dashboard")]:
        response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert response.headers.get("Content-Encoding") in ("br", "gzip"), url
        response = client.get(url)
        head = response.get_data(as_text=True).split("</head>")[0]
        scripts = re.findall(r"<script\b[^>]*>", head)
        assert scripts and all(" defer" in s or " async" in s for s in scripts), scripts
