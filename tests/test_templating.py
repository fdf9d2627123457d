"""portal.templating.Template renders as Jinja's own class: globals, imports, later globals."""
import jinja2
import pytest

from portal import templating

SOURCES = {
    "macros.html": "{% macro show() %}{{ a }}/{{ b | default('no b') }}{% endmacro %}",
    "page.html": '{% from "macros.html" import show %}{{ show() }}|{{ a }}',
    "with_context.html": '{% import "macros.html" as m with context %}{{ m.show() }}',
}


def _renders(template_class):
    env = jinja2.Environment(loader=jinja2.DictLoader(SOURCES))
    env.template_class = template_class
    env.globals["a"] = 1
    seen = [env.get_template("page.html").render(),
            env.get_template("page.html").render(a="render var")]
    env.globals["a"] = 2  # a global changed later: the page reads it, the module made at the first render keeps 1
    env.globals["b"] = "later"
    seen.append(env.get_template("page.html").render())
    del env.globals["b"]
    seen.append(env.get_template("page.html", globals={"b": "page's own"}).render())  # an import sees it (Jinja #688)
    seen.append(env.get_template("with_context.html", globals={"a": "template over env"}).render(b="var"))
    return seen


def test_renders_what_jinja_renders():
    if not templating.compatible():
        pytest.skip("this Jinja's internals differ from 3.1's: the portal keeps Jinja's own template class")
    assert _renders(templating.Template) == _renders(jinja2.Template) == [
        "1/no b|1", "1/no b|render var", "1/no b|2", "2/page's own|2", "template over env/var"]


def test_the_portal_compiles_its_templates_with_it(app, client):
    if not templating.compatible():
        pytest.skip("this Jinja's internals differ from 3.1's: the portal keeps Jinja's own template class")
    assert app.jinja_env.template_class is templating.Template
    page = client.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)  # a macro import renders
    assert type(app.jinja_env.get_template("auth/login.html")) is templating.Template
