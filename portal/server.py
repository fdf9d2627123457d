"""Serving the portal: waitress in one process (Windows, or ``--workers 1``), or several waitress
processes sharing one listening socket on Linux and macOS, watched by a small supervisor.

Why waitress in each process rather than gunicorn: waitress is already the portal's server
(it runs on Windows too), so one server behaves the same everywhere and no second dependency is
needed; the supervisor is a few dozen lines (fork, restart, stop). Each process builds its own
app after the fork, so no database connection is shared between processes, and nothing another
process must see is kept in memory (sessions, throttling, snapshots and figure-cache validity
live in the database).
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time

import waitress

#: A worker that dies sooner than this after its start is restarted only after a pause, so a
#: portal that cannot start does not spin.
QUICK_DEATH_SECONDS = 5
RESTART_PAUSE_SECONDS = 2
#: How long the workers get to finish their requests after SIGTERM before they are killed.
STOP_SECONDS = 10


def default_workers() -> int:
    """As many processes as cores where processes can be forked; one (with threads) elsewhere."""
    return (os.cpu_count() or 1) if hasattr(os, "fork") else 1


def run(make_app, host: str, port: int, threads: int, workers: int, **options) -> None:
    """Serve until stopped (Ctrl+C or SIGTERM). ``make_app`` builds the app in each process."""
    if workers <= 1 or not hasattr(os, "fork"):
        waitress.serve(make_app(), host=host, port=port, threads=threads, ident="portal", **options)
        return
    listener = socket.create_server((host, port), backlog=1024, reuse_port=False)
    listener.set_inheritable(True)
    Supervisor(make_app, listener, threads, workers, options).run()


class Supervisor:
    """Starts ``workers`` processes on one socket, restarts any that dies, stops them all on
    SIGTERM or SIGINT (each finishes the requests it is answering)."""

    def __init__(self, make_app, listener, threads, workers, options):
        self.make_app, self.listener, self.threads, self.workers, self.options = (
            make_app, listener, threads, workers, options)
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False
        self.stop_deadline = 0.0

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for _i in range(self.workers):
            self._spawn()
        while self.children:
            if self.stopping and time.monotonic() > self.stop_deadline:
                self._kill_stragglers()
            try:
                pid, status = os.waitpid(-1, os.WNOHANG if self.stopping else 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if pid == 0:  # stopping: nobody ended yet
                time.sleep(0.1)
                continue
            started = self.children.pop(pid, None)
            if started is None or self.stopping:
                continue
            print(f"portal: worker {pid} ended ({_describe(status)}); starting another", file=sys.stderr, flush=True)
            if time.monotonic() - started < QUICK_DEATH_SECONDS:
                time.sleep(RESTART_PAUSE_SECONDS)
            if not self.stopping:
                self._spawn()
        self.listener.close()

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                # The fork copied the supervisor's handlers: until it serves, SIGTERM simply ends
                # this worker (the supervisor's handler here would kill its siblings instead).
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when to stop
                server = waitress.create_server(self.make_app(), sockets=[self.listener], threads=self.threads,
                                                ident="portal", **self.options)
                signal.signal(signal.SIGTERM, lambda *_args: server.close() or os._exit(0))
                server.run()
            except BaseException as exc:  # noqa: BLE001 - reported, then the supervisor restarts us
                print(f"portal: worker {os.getpid()} failed: {exc!r}", file=sys.stderr, flush=True)
                code = 1
            finally:
                os._exit(code)
        self.children[pid] = time.monotonic()

    def _kill_stragglers(self) -> None:
        """Workers still running STOP_SECONDS after SIGTERM are killed."""
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _stop(self, signum, _frame) -> None:
        self.stopping = True
        self.stop_deadline = time.monotonic() + STOP_SECONDS
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.WEXITSTATUS(status)}"
