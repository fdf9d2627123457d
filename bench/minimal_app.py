"""The yardstick: a minimal Flask + sqlite3 app running the portal's own queries on the same file.

No login, no templates on disk, no plugins, no translations: just the SQL the
portal runs for the signed list filtered by unit, the text search and the project
page, and a bare HTML table; ``/bare`` answers "ok" (Flask and the server
alone). bench/run.py serves it with waitress next to the portal.

    python bench/minimal_app.py /path/to/portal.sqlite3 8001
"""
from __future__ import annotations

import sqlite3
import sys
import threading

from flask import Flask, abort, render_template_string, request

PAGE = """<!doctype html><title>{{ title }}</title><h1>{{ title }}</h1><p>{{ total }}</p>
<table>{% for r in rows %}<tr><td><a href="/projects/{{ r[0] }}">{{ r[1] }}</a></td><td>{{ r[2] or "" }}</td>
<td>{{ r[3] }}</td><td>{{ r[4] }}</td><td>{{ r[5] }}</td><td>{{ r[6] or "" }}</td><td>{{ r[7] or "" }}</td></tr>
{% endfor %}</table>"""

COLUMNS = """p.id, p.name, e.name, u.name, p.stage, p.total_investment, p.signed_on, l.display_name"""
FROM = """FROM project AS p INNER JOIN unit AS u ON p.responsible_unit_id = u.id
LEFT OUTER JOIN enterprise AS e ON p.enterprise_id = e.id
LEFT OUTER JOIN user AS l ON p.leader_id = l.id"""
SIGNED_BY_UNIT = """WHERE p.archived = 0 AND p.stage = 'signed'
AND p.responsible_unit_id IN (SELECT id FROM unit WHERE path LIKE ?)"""
SEARCH = """WHERE p.archived = 0
AND (p.name LIKE ? OR e.name LIKE ?)"""
SIGNED_ORDER = "ORDER BY p.signed_on DESC, p.id DESC LIMIT 50 OFFSET 0"
ALL_ORDER = "ORDER BY p.clue_on DESC, p.id DESC LIMIT 50 OFFSET 0"


def create_app(path: str) -> Flask:
    app = Flask(__name__)
    local = threading.local()

    def db():
        if getattr(local, "conn", None) is None:
            local.conn = sqlite3.connect(path, check_same_thread=False)
            local.conn.execute("PRAGMA journal_mode=wal")
            local.conn.execute("PRAGMA cache_size=-32000")
        return local.conn

    def table(title, where, order, params):
        conn = db()
        total = conn.execute(f"SELECT COUNT(p.id) {FROM} {where}", params).fetchone()[0]
        rows = conn.execute(f"SELECT {COLUMNS} {FROM} {where} {order}", params).fetchall()
        return render_template_string(PAGE, title=title, total=total, rows=rows)

    @app.route("/bare")
    def bare():  # the floor: Flask and the server, nothing else
        return "ok"

    @app.route("/signed")
    def signed():
        path = db().execute("SELECT path FROM unit WHERE id = ?", (int(request.args["unit"]),)).fetchone()
        if path is None:
            abort(404)
        return table("signed", SIGNED_BY_UNIT, SIGNED_ORDER, (path[0] + "%",))

    @app.route("/search")
    def search():
        q = request.args.get("q", "")
        pattern = "%" + q + "%"  # the benchmark searches for plain words (no LIKE wildcards)
        return table("search", SEARCH, ALL_ORDER, (pattern, pattern))

    @app.route("/projects/<int:project_id>")
    def project(project_id):
        conn = db()
        row = conn.execute(f"SELECT {COLUMNS} {FROM} WHERE p.id = ?", (project_id,)).fetchone()
        if row is None:
            abort(404)
        changes = conn.execute("SELECT to_stage, on_date, verification FROM stage_change WHERE project_id = ? "
                               "ORDER BY on_date, id", (project_id,)).fetchall()
        return render_template_string(PAGE, title=row[1], total=len(changes), rows=[row])

    return app


if __name__ == "__main__":
    import waitress

    waitress.serve(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), threads=8, ident="minimal")
