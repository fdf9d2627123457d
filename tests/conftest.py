"""The suite's fixtures are the plugin kit's (``portal.testing``, one copy), imported here so the
suite runs whether or not the installed portal's pytest plugin (entry point ``pytest11``) is loaded."""
from portal.testing import (  # noqa: F401 - fixtures and helpers the tests use by name
    CSRF_RE,
    PASSWORD,
    TEST_DB_URL,
    Client,
    Org,
    app,
    client,
    login,
    make_project,
    migrated_database,
    org,
    password_hash,
    portal_settings,
    runner,
    server_database,
)
