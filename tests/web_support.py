"""Running ``searchidx serve`` for the web tests and talking to it over HTTP."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from conftest import ROOT


def stop(process: subprocess.Popen[str]) -> None:
    """Ctrl-C, as a terminal sends it: SIGINT to the server's whole process group."""
    os.killpg(process.pid, signal.SIGINT)


class Served:
    """A running ``searchidx serve`` and its address."""

    def __init__(self, process: subprocess.Popen[str], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request on a new connection: the status, the headers (lower-case names), the body.
        ``path`` is sent with what an address cannot hold percent-encoded (``%`` stays)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            target = quote(path, safe="/%") + ("?" + urlencode(params) if params else "")
            try:
                connection.request(method, target, body=body, headers=headers or {})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered (413) before reading the whole body: its answer is there to read
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str, **params: Any) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, params)

    def json(self, path: str, **params: Any) -> tuple[int, Any]:
        status, headers, body = self.get(path, **params)
        assert headers["content-type"] == "application/json; charset=utf-8", (path, headers)
        return status, json.loads(body)

    def html(self, path: str, **params: Any) -> tuple[int, str]:
        status, headers, body = self.get(path, **params)
        assert headers["content-type"] == "text/html; charset=utf-8", (path, headers)
        return status, body.decode("utf-8")


@contextmanager
def serving(index: Path, *flags: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """``searchidx serve`` on ``index`` at a free loopback port, stopped (Ctrl-C) after the block."""
    log = index.parent / f"{index.name}-serve-{os.getpid()}.log"
    environ = {**os.environ, **(env or {})}
    with open(log, "w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "searchidx", "serve", "--index", str(index), "--port", "0",
                                    *flags], stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT,
                                   env=environ, start_new_session=True)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(60)
        assert lines and lines[0].startswith("http://127.0.0.1:"), f"no address; log: {log.read_text()}"
        yield Served(process, lines[0].strip(), log)
    finally:
        if process.poll() is None:
            stop(process)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
