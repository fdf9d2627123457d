"""The suite's fixtures are the plugin kit's (``portal.testing``, one copy), imported here so the
suite runs whether or not the installed portal's pytest plugin (entry point ``pytest11``) is loaded."""
from portal.testing import (  # noqa: F401 - fixtures and helpers the tests use by name
    CSRF_RE,
    PASSWORD,
    TEST_DB_URL,
    Client,
    Org,
    app,
    cheap_password_hashing,
    client,
    login,
    make_project,
    migrated_database,
    org,
    password_hash,
    portal_settings,
    reused_url_builders,
    runner,
    server_database,
)

import pytest  # noqa: E402

# Modules whose outcome does not depend on the database engine: CI runs them once, on SQLite, and
# deselects them on PostgreSQL and MariaDB with -m "not engine_independent". Every page's queries still
# run on each engine through the forms crawl (tests/test_forms_roundtrip.py) and the access matrix.
ENGINE_INDEPENDENT_MODULES = {
    # source, catalogs, packaging and docs
    "test_lint", "test_packaging", "test_plugins_docs", "test_plugin_kit", "test_i18n", "test_core_names_no_feature",
    # crawls that check words, error summaries, links of features turned off and plugin answers on pages
    "test_page_typography", "test_error_summary", "test_features_off", "test_plugin_answers",
    # headers, static files, menus, settings, periods, rules files, plugin calls, workbook layout
    "test_security", "test_open_redirect", "test_static_files", "test_static_versions", "test_page_quality",
    "test_menu", "test_config", "test_periods", "test_plugins_rules", "test_plugins_pluggy", "test_serve_proxies",
    "test_export_layout", "test_export_formulas", "test_html_attributes", "test_templating",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module is not None and item.module.__name__.rpartition(".")[2] in ENGINE_INDEPENDENT_MODULES:
            item.add_marker(pytest.mark.engine_independent)
