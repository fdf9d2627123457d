"""Templates whose globals are read as one dict per render, not key by key through a ChainMap.

Jinja keeps a template's globals as ``ChainMap(template globals, environment globals)``. Every
render copies them into the context key by key (``dict(ChainMap)`` calls the ChainMap's Python
``__getitem__`` once per global) and walks them again for the context's key set; every
``{% from "_form_macros.html" import field %}`` then subtracts the ChainMap's keys from that set
(a Python membership test per global), only to find nothing and use the cached module. The portal
has about 60 globals: 30 µs per import and 50 µs per render, a tenth of the login page. Jinja's
own pull request #2185 makes the same change to the render; until it is released this class does
both in C (``dict.update``, ``set.difference``), with the same results: the template's globals
over the environment's, read at each render, so a global added later is seen.

``install(app)`` sets it only where Jinja's private ``_get_default_module`` and its
``runtime.new_context`` still have the signatures written against (Jinja 3.1); elsewhere Jinja's
own class stays, slower and correct. tests/test_templating.py checks that imports, template
globals and later globals behave as Jinja's.
"""
from __future__ import annotations

import inspect
from collections import ChainMap

import jinja2
from jinja2 import runtime


def _flat(globals_):
    """The globals as one dict: each map's entries over those of the maps after it."""
    if not isinstance(globals_, ChainMap):
        return globals_
    flat = {}
    for mapping in reversed(globals_.maps):
        flat.update(mapping)
    return flat


class Template(jinja2.Template):
    def new_context(self, vars=None, shared=False, locals=None):  # noqa: A002 - Jinja's names
        return runtime.new_context(self.environment, self.name, self.blocks, vars, shared, _flat(self.globals),
                                   locals)

    def _get_default_module(self, ctx=None):
        """Jinja's rule: an import sees the importing template's globals that the imported one
        lacks, through a module made for that render; otherwise the module made once."""
        if ctx is not None:
            mine = self.globals
            missing = (ctx.globals_keys.difference(*mine.maps) if isinstance(mine, ChainMap)
                       else ctx.globals_keys - mine.keys())
            if missing:
                return self.make_module({key: ctx.parent[key] for key in missing})
        if self._module is None:
            self._module = self.make_module()
        return self._module


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def compatible() -> bool:
    """Do Jinja's internals that ``Template`` overrides still look as they did when it was written?"""
    return (_parameters(jinja2.Template._get_default_module) == ["self", "ctx"]
            and _parameters(jinja2.Template.new_context) == ["self", "vars", "shared", "locals"]
            and _parameters(runtime.new_context)[:7] == ["environment", "template_name", "blocks", "vars", "shared",
                                                        "globals", "locals"])


def install(app) -> None:
    """Compile the app's templates with ``Template`` (before the first is loaded)."""
    if compatible():
        app.jinja_env.template_class = Template
