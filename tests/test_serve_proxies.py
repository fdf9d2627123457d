"""`portal serve` behind a reverse proxy: the real waitress server, headers sent through it.

Waitress drops X-Forwarded-* headers it does not trust before the application sees them, so
only a test through the real server shows whether HTTPS behind nginx is recognised.
"""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

from portal import create_app, schema
from portal.db import database
from tests.net_helpers import free_port


@pytest.fixture
def serve(tmp_path):
    """Start `portal serve` on a fresh SQLite instance with extra environment; yield its port."""
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context(), database.connection_context():
        schema.upgrade()
    servers = []

    def start(**env) -> int:
        port = free_port()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        environ.update(PORTAL_INSTANCE=str(tmp_path), PORTAL_DATABASE_URL=url, **env)
        server = subprocess.Popen(
            [sys.executable, "-c", "from portal.cli import main; main()", "serve", "--port", str(port)],
            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(server)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return port
            except OSError:
                assert server.poll() is None, "portal serve stopped"
                time.sleep(0.2)
        pytest.fail("portal serve did not start")

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def _login_page_over_proxy(port: int):
    """GET /login as nginx forwards an HTTPS request (from 127.0.0.1, the proxy's address)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "zs.example"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_https_behind_one_proxy_gives_secure_cookies_and_hsts(serve):
    response = _login_page_over_proxy(serve(PORTAL_PROXIES="1"))
    assert response.status == 200
    cookie = response.getheader("Set-Cookie")
    assert cookie and "session=" in cookie and "Secure" in cookie
    assert response.getheader("Strict-Transport-Security", "").startswith("max-age=")


def test_without_proxies_forwarded_headers_are_not_believed(serve):
    response = _login_page_over_proxy(serve())
    assert response.status == 200
    assert "Secure" not in response.getheader("Set-Cookie")
    assert response.getheader("Strict-Transport-Security") is None
