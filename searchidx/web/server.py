"""``searchidx serve``: the web app in several worker processes under gunicorn.

Each worker is a process with its own :class:`~searchidx.SearchIndex` (searches of one
index take turns, so processes, not threads, make throughput grow with cores), and each
sees what any process commits. The listening socket is bound here, before the workers
start, so that a port in use is one clear error and ``--port 0`` can print the port chosen.

gunicorn's sync workers answer one request at a time and are restarted when a request
runs longer than the timeout: a hard bound on the time of any request.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from ..index import TIME_LIMIT
from .app import LOOPBACK_NAMES, create_app

#: Seconds beyond the search time limit after which a stuck worker is killed and replaced.
TIMEOUT_MARGIN = 20.0
#: Limits on a request's first line, its headers and their size (gunicorn refuses larger).
LIMITS = {"limit_request_line": 8190, "limit_request_fields": 50, "limit_request_field_size": 8190}


def default_workers() -> int:
    """One worker per core, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: any free port); OSError when it cannot be."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def address_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


class _Arbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's master, for whom Ctrl-C is a graceful stop: the workers finish the
    requests they are answering (for up to ``graceful_timeout``) instead of dropping them."""

    def handle_int(self) -> None:
        self.handle_term()


def _ignore_ctrl_c(worker: Any) -> None:
    """In each worker: Ctrl-C (sent by a terminal to every process) is left to the master."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn run from code: these settings, and a new app in each worker."""

    def run(self) -> None:
        _Arbiter(self).run()

    def __init__(self, settings: dict[str, Any], factory: Callable[[], Any]) -> None:
        self._settings = settings
        self._factory = factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._factory()


def serve(index_path: str | os.PathLike[str], sock: socket.socket, *, workers: int | None = None,
          write_token: str | None = None, time_limit: float = TIME_LIMIT, quiet: bool = True) -> int:
    """Serve the index on the bound ``sock`` until SIGINT or SIGTERM; gunicorn's exit status.

    gunicorn takes the socket over (and closes it when it stops)."""
    host = sock.getsockname()[0]
    allowed = frozenset(LOOPBACK_NAMES | {host}) if is_loopback(host) else None
    path = Path(index_path)

    def factory() -> Any:  # runs in each worker after the fork: its own index
        return create_app(path, write_token=write_token, time_limit=time_limit, allowed_hosts=allowed)

    settings: dict[str, Any] = {
        "bind": [f"fd://{sock.detach()}"],
        "workers": workers or default_workers(),
        "worker_class": "sync",
        "timeout": int(time_limit + TIMEOUT_MARGIN),
        "graceful_timeout": 5,
        "loglevel": "warning" if quiet else "info",
        "accesslog": None if quiet else "-",
        "errorlog": "-",
        "proc_name": "searchidx-serve",
        "post_worker_init": _ignore_ctrl_c,
        **LIMITS,
    }
    master = os.getpid()
    try:
        _Gunicorn(settings, factory).run()
    except SystemExit as stop:
        if os.getpid() != master:
            raise  # a worker's exit: it must leave the process, not return into the command
        return stop.code if isinstance(stop.code, int) else 0
    return 0
