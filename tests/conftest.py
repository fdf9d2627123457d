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

import pytest  # noqa: E402

# Modules whose outcome does not depend on the database engine (source, catalogs, packaging, docs,
# and crawls that check the words and the error summary of pages): CI runs them once, on SQLite, and
# deselects them on PostgreSQL and MariaDB with -m "not engine_independent". Every page's queries still
# run on each engine through the forms crawl (tests/test_forms_roundtrip.py) and the access matrix.
ENGINE_INDEPENDENT_MODULES = {
    "test_lint", "test_packaging", "test_plugins_docs", "test_plugin_kit", "test_page_typography",
    "test_error_summary",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module is not None and item.module.__name__.rpartition(".")[2] in ENGINE_INDEPENDENT_MODULES:
            item.add_marker(pytest.mark.engine_independent)
