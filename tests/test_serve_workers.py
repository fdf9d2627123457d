"""`portal serve --workers N`: several processes answer on one port, one that dies is replaced,
and SIGTERM stops them all (Linux and macOS; Windows serves from one process)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.net_helpers import free_port, wait_for

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="several processes need fork (not on Windows)")

PORTAL = str(Path(sys.executable).with_name("portal"))


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir() if Path("/proc").exists() else []:
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process table from /proc")
def test_workers_share_the_port_are_replaced_and_stop_together(tmp_path):
    env = {**os.environ, "PORTAL_INSTANCE": str(tmp_path),
           "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}"}
    env.pop("PORTAL_SECRET_KEY", None)
    subprocess.run([PORTAL, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    server = subprocess.Popen([PORTAL, "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: _healthy(port) and len(_children(server.pid)) == 2), "workers did not come up"
        first = _children(server.pid)
        victim = sorted(first)[0]
        os.kill(victim, signal.SIGKILL)
        assert wait_for(lambda: len(_children(server.pid)) == 2 and victim not in _children(server.pid)), \
            "the dead worker was not replaced"
        assert wait_for(lambda: all(_healthy(port) for _i in range(5)))
        workers = _children(server.pid)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 10)
        assert not _healthy(port)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    output = server.stdout.read().decode()
    assert "2 process(es)" in output and "ended (signal 9); starting another" in output
