"""The application factory: settings, then each subsystem's init_app in a fixed order."""
import logging

from flask import Flask
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import (db, errors, export_slots, form_errors, html_attributes, i18n, labels, menu, planner_statistics,
                    plugins, schema, security, static_files, templating, uploads)
from portal.auth import views as auth_views
from portal.config import default_instance_path, load_settings
from portal.paths import STATIC_DIR, TEMPLATES_DIR


def create_app(config: dict | None = None) -> Flask:
    """Create the portal. ``config`` overrides settings (tests pass a database URL here)."""
    instance = (config or {}).get("INSTANCE_PATH") or default_instance_path()
    app = Flask(
        "portal",
        instance_path=str(instance),
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    load_settings(app, config)
    templating.install(app)  # before any template is compiled
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    proxies = int(app.config["PROXIES"] or 0)
    if proxies > 0:  # behind nginx & co: trust their X-Forwarded-For/-Proto/-Host headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    planner_statistics.init_app(app)  # after the database's own before-request (its connection)
    with db.database.connection_context():
        schema.check_not_newer()  # refuse to run on a database a newer portal upgraded
    Htmx(app)
    static_files.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    form_errors.init_app(app)
    html_attributes.install()  # WTForms' attributes written six times faster (process-wide, idempotent)
    menu.init_app(app)
    auth_views.init_app(app)
    errors.init_app(app)
    uploads.init_app(app)  # a form with files reads a larger body; the 413 page links back to the form
    export_slots.init_app(app)
    plugins.init_app(app)  # registers blueprints, core ones included
    return app
