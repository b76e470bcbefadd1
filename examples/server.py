"""A small HTTP JSON search service over a searchidx index, using only the standard library.

    python examples/server.py --index index --host 127.0.0.1 --port 8000
    curl 'http://127.0.0.1:8000/search?q=person:gorgun&limit=3'

One :class:`SearchIndex` serves every request thread: it is thread-safe, and articles that
another process (or ``POST /articles``) commits are found by the next search, without
reopening. Endpoints (all GET, all JSON):

    /search?q=&limit=10&offset=0&sort=score|newest|oldest&facets=0&strict=0
    /explain?q=    /stats    /health    /article/<id>
    /entities/<field>?prefix=&limit=20    /entity/<field>/<name>?q=
    POST /articles {"id", "text", "title", "date"}   (only with --allow-writes)

Errors are ``{"error": "..."}``: 400 for a bad query or input, 404 for what does not
exist, 503 when the index cannot be read (or is locked by a writer), 500 otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from searchidx import (
    EntityNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    InputError,
    QueryError,
    SearchidxError,
    SearchIndex,
    SearchResults,
)

log = logging.getLogger("server")
MAX_LIMIT = 100  # hits per request
MAX_BODY = 10 * 1024 * 1024  # bytes of one POSTed article

#: searchidx exceptions -> HTTP status; the first class that matches wins (subclasses first).
STATUSES: list[tuple[type[Exception], HTTPStatus]] = [
    (EntityNotFoundError, HTTPStatus.NOT_FOUND),
    (QueryError, HTTPStatus.BAD_REQUEST),
    (InputError, HTTPStatus.BAD_REQUEST),
    (IndexNotFoundError, HTTPStatus.SERVICE_UNAVAILABLE),
    (IndexCorruptError, HTTPStatus.SERVICE_UNAVAILABLE),
    (IndexLockedError, HTTPStatus.SERVICE_UNAVAILABLE),
]


class HTTPError(Exception):
    """An error answered with ``status`` and ``{"error": message}``."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def results_document(results: SearchResults) -> dict[str, Any]:
    """A search as JSON-ready data: the shape of ``searchidx search --format json``, with
    ``suggestion`` and ``facets`` always present."""
    return {"suggestion": None, "facets": {}, **results.to_dict()}


class Handler(BaseHTTPRequestHandler):
    """Answers one request; ``server.index`` is the shared :class:`SearchIndex`."""

    server: SearchServer
    protocol_version = "HTTP/1.1"  # keep-alive: a client may send many requests on one connection

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # back until the client's delayed ACK, adding ~40 ms to every keep-alive request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self._answer(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._answer(self._post)

    def _get(self, path: str, params: dict[str, str]) -> Any:
        idx = self.server.index
        head, _, rest = path.strip("/").partition("/")
        if head == "search" and not rest:
            strict = params.get("strict", "").lower() in ("1", "true", "yes")
            return results_document(idx.search(
                _required(params, "q"), limit=_number(params, "limit", 10, 1, MAX_LIMIT),
                offset=_number(params, "offset", 0), sort=params.get("sort", "score"),
                facets=_number(params, "facets", 0, 0, 50), strict=strict))
        if head == "explain" and not rest:
            return idx.explain(_required(params, "q")).to_dict()
        if head in ("stats", "health") and not rest:
            stats = idx.stats()
            return stats.to_dict() if head == "stats" else {"status": "ok", "paragraphs": stats.paragraphs}
        if head == "entities" and rest:
            found = idx.entities(rest, prefix=params.get("prefix", ""), limit=_number(params, "limit", 20, 1, 1000))
            return [entity.to_dict() for entity in found]
        if head == "entity" and "/" in rest:
            field, _, name = rest.partition("/")
            return idx.entity(field, name, query=params.get("q") or None).to_dict()
        if head == "article" and rest:
            paragraphs = idx.article(rest)
            if not paragraphs:
                raise HTTPError(HTTPStatus.NOT_FOUND, f"no article {rest!r} in the index")
            return {"article": rest, "paragraphs": [hit.to_dict() for hit in paragraphs]}
        raise HTTPError(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")

    def _post(self, path: str, params: dict[str, str]) -> Any:
        if path.rstrip("/") != "/articles":
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {path}")
        if not self.server.allow_writes:
            raise HTTPError(HTTPStatus.FORBIDDEN, "writes are off; start the server with --allow-writes")
        length = self.headers.get("Content-Length", "")
        size = int(length) if length.isdigit() else 0
        if not 0 < size <= MAX_BODY:
            raise HTTPError(HTTPStatus.BAD_REQUEST, f"send a JSON article of 1 to {MAX_BODY:,} bytes")
        try:
            article = json.loads(self.rfile.read(size))
        except ValueError as error:
            raise HTTPError(HTTPStatus.BAD_REQUEST, f"not JSON: {error}") from None
        fields = {key: article.get(key, "") if isinstance(article, dict) else None
                  for key in ("id", "text", "title", "date")}
        if not all(isinstance(value, str) for value in fields.values()) or not fields["id"]:
            raise HTTPError(HTTPStatus.BAD_REQUEST, 'send {"id": str, "text": str, "title": str, "date": str}')
        report = self.server.index.add_article(fields.pop("text"), **fields)
        return report.to_dict()

    def _answer(self, route: Callable[[str, dict[str, str]], Any]) -> None:
        """Run ``route(path, params)`` and send its result, or the error it raised, as JSON."""
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            body, status = route(unquote(url.path), params), HTTPStatus.OK
        except HTTPError as error:
            body, status = {"error": str(error)}, error.status
        except SearchidxError as error:
            status = next((code for kind, code in STATUSES if isinstance(error, kind)),
                          HTTPStatus.INTERNAL_SERVER_ERROR)
            body = {"error": str(error)}
        except Exception:
            log.exception("%s %s failed", self.command, self.path)
            body, status = {"error": "internal error; see the server's log"}, HTTPStatus.INTERNAL_SERVER_ERROR
        if status != HTTPStatus.OK and self.command == "POST":
            self.close_connection = True  # its body may be unread: the connection cannot go on
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        log.info("%s %s", self.address_string(), format % args)


def _required(params: dict[str, str], name: str) -> str:
    if not params.get(name, "").strip():
        raise HTTPError(HTTPStatus.BAD_REQUEST, f"missing parameter {name!r}")
    return params[name]


def _number(params: dict[str, str], name: str, default: int, least: int = 0, most: int = 10**9) -> int:
    """The integer parameter ``name`` (``default`` when absent), from ``least`` to ``most``."""
    try:
        value = int(params.get(name) or default)
    except ValueError:
        raise HTTPError(HTTPStatus.BAD_REQUEST, f"{name} must be a whole number") from None
    if not least <= value <= most:
        raise HTTPError(HTTPStatus.BAD_REQUEST, f"{name} must be from {least} to {most}")
    return value


class SearchServer(ThreadingHTTPServer):
    """A threaded HTTP server holding the one :class:`SearchIndex` its handlers share."""

    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections (a 1 s retry) when many clients connect at once

    def __init__(self, address: tuple[str, int], index: SearchIndex, allow_writes: bool = False) -> None:
        super().__init__(address, Handler)
        self.index = index
        self.allow_writes = allow_writes


def main(argv: list[str] | None = None) -> int:
    """Serve the index until interrupted (Ctrl-C or SIGTERM)."""
    parser = argparse.ArgumentParser(description="A JSON search service over a searchidx index.")
    parser.add_argument("--index", default="index", help="the index folder (default: ./index)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--allow-writes", action="store_true", help="accept POST /articles")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        index = SearchIndex.open(args.index)
    except SearchidxError as error:
        print(f"server: {error}", file=sys.stderr)
        return 3
    try:
        server = SearchServer((args.host, args.port), index, args.allow_writes)
    except OSError as error:  # the port is taken, or the host is not this machine's
        print(f"server: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        index.close()
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # on `kill`, close the server and index below
    with index, server:
        host, port = server.server_address[:2]
        print(f"http://{host}:{port}/", flush=True)  # the first line: the address, for scripts
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
