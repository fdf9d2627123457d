"""Helpers for tests that start real servers: a free local port, and waiting for a condition."""
from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time

from waitress.server import create_server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, seconds: float = 30.0) -> bool:
    """Poll ``predicate`` until it is true (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@contextlib.contextmanager
def served_by_waitress(app, threads: int = 4, **options):
    """Serve ``app`` with waitress on 127.0.0.1 and a free port in a thread; yields the server
    (``server.effective_port``). Stops it from its own loop thread (the trigger runs the close
    there): closing its sockets from another thread while it waits in select() raises EBADF."""
    logging.getLogger("waitress").setLevel(logging.ERROR)
    server = create_server(app, host="127.0.0.1", port=free_port(), threads=threads, **options)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        def close_every_channel():
            for channel in list(server._map.values()):
                channel.handle_close()

        try:
            server.trigger.pull_trigger(close_every_channel)
        except OSError:  # its trigger is already closed: the loop has stopped (seen once in CI under load)
            pass
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
