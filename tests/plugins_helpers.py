"""Helpers for the plugin platform tests: another app on the same database with other settings."""
from __future__ import annotations

from contextlib import contextmanager

from portal import create_app, hookimpl, plugins
from portal.models import Project
from tests.conftest import Client

BUNDLED = "six_plus_three,four_plus_one,one_plus_three"


def other_app(app, **config):
    """A second portal on the ``app`` fixture's database, e.g. with PLUGINS_DIR or strict mode off."""
    settings = {
        "DATABASE_URL": app.config["DATABASE_URL"],
        "INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "STRICT_PLUGINS": True,
        "DEFAULT_LOCALE": "en",
        "LOAD_PLUGINS": BUNDLED,
    }
    settings.update(config)
    new = create_app(settings)
    new.test_client_class = Client
    return new


def login_to(app, username):
    client = app.test_client()
    assert client.login(username).status_code == 303
    return client


@contextmanager
def temporary_plugin(app, plugin, name="temporary"):
    """Register a plugin object for the duration of a ``with`` block (then unregister it)."""
    with app.app_context():
        pm = plugins.registry().pm
    pm.register(plugin, name=name)
    try:
        yield plugin
    finally:
        pm.unregister(name=name)


class GrantEveryProject:
    """A plugin letting departments read every project (the problems feature grants those where
    they hold a problem; ``portal_project_read_grants``)."""

    @hookimpl
    def portal_project_read_grants(self, user):
        return [Project.select(Project.id)] if user.role == "department" else None
