"""The WSGI application: routes each request to a page or an API endpoint, turns every
failure into an error page or a JSON error with its status, and adds the headers that keep
a browser safe (a strict Content-Security-Policy: no inline script, nothing from elsewhere).

One :class:`Site` per process holds that process's :class:`~searchidx.SearchIndex`; it sees
what any process commits to the index without reopening.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .. import __version__
from ..errors import (
    EntityNotFoundError,
    IndexAccessError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    InputError,
    QueryError,
    SearchidxError,
)
from ..index import TIME_LIMIT, SearchIndex
from ..models import ENTITY_FIELDS
from ..syntax import FIELDS
from . import api, pages, views
from .protocol import HTTPError, Request, Response

log = logging.getLogger("searchidx.web")

#: searchidx exceptions -> HTTP status and error code; the first class that matches wins.
STATUSES: list[tuple[type[Exception], HTTPStatus, str]] = [
    (EntityNotFoundError, HTTPStatus.NOT_FOUND, "not_found"),
    (QueryError, HTTPStatus.BAD_REQUEST, "bad_query"),
    (InputError, HTTPStatus.BAD_REQUEST, "bad_request"),
    (IndexLockedError, HTTPStatus.SERVICE_UNAVAILABLE, "locked"),
    (IndexNotFoundError, HTTPStatus.SERVICE_UNAVAILABLE, "no_index"),
    (IndexCorruptError, HTTPStatus.SERVICE_UNAVAILABLE, "damaged_index"),
    (IndexAccessError, HTTPStatus.SERVICE_UNAVAILABLE, "index_unreadable"),
]

SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
]
#: Host names a server bound to loopback answers to (others may be a DNS-rebinding attack).
LOOPBACK_NAMES = frozenset(("localhost", "127.0.0.1", "::1", "[::1]"))

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Route:
    """``pattern`` (a regular expression over the whole path) answered by ``handler``; the
    pattern's groups are passed on. ``api`` routes answer JSON, the others HTML."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    api: bool


def _route(method: str, pattern: str, handler: Handler) -> Route:
    return Route(method, re.compile(pattern + r"\Z", re.DOTALL), handler, pattern.startswith("/api/"))


ROUTES = [
    _route("GET", r"/", pages.home),
    _route("GET", r"/entity/([^/]+)/(.+)", pages.entity_page),
    _route("GET", r"/entities/([^/]+)", pages.entities_page),
    _route("GET", r"/article/(.+)", pages.article_page),
    _route("GET", r"/similar", pages.similar_page),
    _route("GET", r"/api/search", api.search),
    _route("GET", r"/api/check", api.check),
    _route("GET", r"/api/explain", api.explain),
    _route("GET", r"/api/similar", api.similar),
    _route("GET", r"/api/entities/([^/]+)", api.entities),
    _route("GET", r"/api/entity/([^/]+)/(.+)", api.entity),
    _route("GET", r"/api/article/(.+)", api.article),
    _route("GET", r"/api/stats", api.stats),
    _route("GET", r"/api/health", api.health),
    _route("POST", r"/api/articles", api.add_article),
    _route("DELETE", r"/api/articles/(.+)", api.delete_article),
]


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def _assets() -> dict[str, Asset]:
    """The files of ``static/``, read once: a request can name only these, never a path."""
    found: dict[str, Asset] = {}
    for entry in resources.files(__package__).joinpath("static").iterdir():
        if entry.is_file():
            body = entry.read_bytes()
            kind = mimetypes.guess_type(entry.name)[0] or "application/octet-stream"
            kind += "; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else ""
            found[entry.name] = Asset(body, kind, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
    return found


class Site:
    """The web app of one process: its index, templates and assets, and its settings.

    ``write_token``: the secret a request must send to add or delete articles (None: no
    writing). ``allowed_hosts``: the Host names answered (None: any).
    """

    def __init__(self, index: SearchIndex, *, write_token: str | None = None, time_limit: float = TIME_LIMIT,
                 allowed_hosts: frozenset[str] | None = None) -> None:
        self.index = index
        self.write_token = write_token or None
        self.time_limit = time_limit
        self.allowed_hosts = allowed_hosts
        self.assets = _assets()
        self.templates = Environment(loader=PackageLoader(__package__ or "searchidx.web", "templates"),
                                     autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
        self.templates.globals.update(
            url=views.url, entity_url=views.entity_url, article_url=views.article_url, marked=views.marked,
            with_clause=views.with_clause, ENTITY_FIELDS=ENTITY_FIELDS, FIELDS=FIELDS, version=__version__,
            asset=lambda name: f"/static/{name}?v={self.assets[name].etag.strip(chr(34))}",
        )

    def page(self, template: str, status: HTTPStatus = HTTPStatus.OK, **context: Any) -> Response:
        """An HTML page rendered from ``template`` (every value escaped unless marked safe)."""
        return Response.html(self.templates.get_template(template).render(**context), status)

    # -- WSGI ----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self.respond(environ)
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *SECURITY_HEADERS, *response.headers]
        start_response(f"{response.status.value} {response.status.phrase}", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    def respond(self, environ: dict[str, Any]) -> Response:
        """The response to one request, errors included (never an exception)."""
        is_api = (environ.get("PATH_INFO") or "").startswith("/api/")
        try:
            self._check_host(environ)
            request = Request.of(environ)
            is_api = request.path.startswith("/api/")
            if request.path.startswith("/static/"):
                return self._asset(request)
            return self._dispatch(request)
        except HTTPError as error:
            return self._error(error, is_api)
        except SearchidxError as error:
            status, code = next(((status, code) for kind, status, code in STATUSES if isinstance(error, kind)),
                                (HTTPStatus.INTERNAL_SERVER_ERROR, "error"))
            headers = [("Retry-After", "5")] if status == HTTPStatus.SERVICE_UNAVAILABLE else []
            return self._error(HTTPError(status, code, str(error), headers), is_api)
        except Exception:
            log.exception("%s %s failed", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            return self._error(HTTPError(HTTPStatus.INTERNAL_SERVER_ERROR, "internal",
                                         "internal error; see the server's log"), is_api)

    def _check_host(self, environ: dict[str, Any]) -> None:
        if self.allowed_hosts is None:
            return
        host = environ.get("HTTP_HOST", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower() not in self.allowed_hosts:
            raise HTTPError(HTTPStatus.MISDIRECTED_REQUEST, "wrong_host",
                            f"this server answers only to {', '.join(sorted(self.allowed_hosts))}")

    def _dispatch(self, request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        allowed: list[str] = []
        for route in ROUTES:
            found = route.pattern.match(request.path)
            if not found:
                continue
            if route.method != method:
                allowed.append(route.method)
                continue
            result = route.handler(self, request, *found.groups())
            return result if isinstance(result, Response) else Response.json(result)
        if allowed:
            raise HTTPError(HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                            f"{request.method} is not allowed here (allowed: {', '.join(sorted(set(allowed)))})",
                            [("Allow", ", ".join(sorted(set(allowed))))])
        raise HTTPError(HTTPStatus.NOT_FOUND, "not_found", f"no such page: {request.path}")

    def _asset(self, request: Request) -> Response:
        asset = self.assets.get(request.path.removeprefix("/static/"))
        if asset is None or request.method not in ("GET", "HEAD"):
            raise HTTPError(HTTPStatus.NOT_FOUND, "not_found", f"no such file: {request.path}")
        headers = [("ETag", asset.etag), ("Cache-Control", "public, max-age=86400")]
        if request.environ.get("HTTP_IF_NONE_MATCH") == asset.etag:
            return Response(b"", asset.content_type, HTTPStatus.NOT_MODIFIED, headers)
        return Response(asset.body, asset.content_type, HTTPStatus.OK, headers)

    def _error(self, error: HTTPError, is_api: bool) -> Response:
        if is_api:
            response = Response.json(error.document(), error.status)
        else:
            try:
                response = self.page("error.html", error.status, query="", error=error)
            except Exception:  # a page that cannot render must still answer
                log.exception("the error page failed")
                response = Response(f"{error.status.value} {error}\n".encode(), "text/plain; charset=utf-8",
                                    error.status)
        response.headers.extend(error.headers)
        return response


def create_app(index_path: str | os.PathLike[str], *, write_token: str | None = None,
               time_limit: float = TIME_LIMIT, allowed_hosts: frozenset[str] | None = None) -> Site:
    """The WSGI app serving the index at ``index_path`` (opened now, in this process)."""
    return Site(SearchIndex.open(Path(index_path)), write_token=write_token, time_limit=time_limit,
                allowed_hosts=allowed_hosts)
