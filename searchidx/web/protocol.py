"""The HTTP side of the web app: requests as the handlers see them, responses, errors
with a status and a machine-readable code, and the bounded parsing of parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

#: Most bytes of a request's query string, and of a POSTed article.
MAX_QUERY_STRING = 4096
MAX_BODY = 2 * 1024 * 1024
#: Most query-string parameters read from one request.
MAX_PARAMS = 32


class HTTPError(Exception):
    """A failure answered with ``status``: ``{"error": {"status", "code", "message"}}`` in
    JSON, or an error page."""

    def __init__(self, status: HTTPStatus, code: str, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or []

    def document(self) -> dict[str, Any]:
        return {"error": {"status": int(self.status), "code": self.code, "message": str(self)}}


def bad_request(message: str) -> HTTPError:
    return HTTPError(HTTPStatus.BAD_REQUEST, "bad_request", message)


def not_found(message: str) -> HTTPError:
    return HTTPError(HTTPStatus.NOT_FOUND, "not_found", message)


@dataclass
class Request:
    """One request: its method, its path (decoded as UTF-8), its parameters (the last value
    of each) and the WSGI environ it came from."""

    method: str
    path: str
    params: dict[str, str]
    environ: dict[str, Any] = field(repr=False)

    @classmethod
    def of(cls, environ: dict[str, Any]) -> Request:
        raw_path = environ.get("PATH_INFO", "") or "/"
        query = environ.get("QUERY_STRING", "")
        try:
            # WSGI gives the path's bytes as latin-1 text
            path = raw_path.encode("latin-1").decode("utf-8")
            query = query.encode("latin-1").decode("utf-8")
        except UnicodeError:
            raise bad_request("the address is not UTF-8") from None
        if len(query) > MAX_QUERY_STRING:
            raise HTTPError(HTTPStatus.REQUEST_URI_TOO_LONG, "too_long",
                            f"the query string is over {MAX_QUERY_STRING} characters")
        try:
            parsed = parse_qs(query, keep_blank_values=True, max_num_fields=MAX_PARAMS)
        except ValueError:
            raise bad_request(f"more than {MAX_PARAMS} parameters") from None
        params = {key: values[-1] for key, values in parsed.items()}
        if any("\x00" in value for value in params.values()):
            raise bad_request("a parameter holds a NUL character")
        return cls(environ.get("REQUEST_METHOD", "GET").upper(), path, params, environ)

    # -- parameters ----------------------------------------------------------------------

    def text(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def required(self, name: str) -> str:
        value = self.params.get(name, "")
        if not value.strip():
            raise bad_request(f"missing parameter {name!r}")
        return value

    def number(self, name: str, default: int, least: int = 0, most: int = 10**6) -> int:
        """The whole-number parameter ``name`` (``default`` when absent or empty), from
        ``least`` to ``most``."""
        written = self.params.get(name, "").strip()
        if not written:
            return default
        try:
            value = int(written)
        except ValueError:
            raise bad_request(f"{name} must be a whole number, not {written[:40]!r}") from None
        if not least <= value <= most:
            raise bad_request(f"{name} must be from {least} to {most}")
        return value

    def flag(self, name: str) -> bool:
        return self.params.get(name, "").lower() in ("1", "true", "yes", "on")

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.params.get(name, "") or default
        if value not in choices:
            raise bad_request(f"{name} must be one of {', '.join(choices)}")
        return value

    # -- body ----------------------------------------------------------------------------

    def json_body(self) -> Any:
        """The request's JSON body, at most :data:`MAX_BODY` bytes."""
        kind = self.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                            "send the body as application/json")
        length = self.environ.get("CONTENT_LENGTH", "") or ""
        if not length.isdigit():
            raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "length_required", "send a Content-Length")
        size = int(length)
        if size > MAX_BODY:
            raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                            f"the body is over {MAX_BODY:,} bytes")
        body = self.environ["wsgi.input"].read(size)
        try:
            return json.loads(body)
        except ValueError as error:
            raise bad_request(f"the body is not JSON: {error}") from None


@dataclass
class Response:
    """What a handler answers: a status, a body and its type, and more headers."""

    body: bytes
    content_type: str
    status: HTTPStatus = HTTPStatus.OK
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, document: Any, status: HTTPStatus = HTTPStatus.OK) -> Response:
        data = json.dumps(document, ensure_ascii=False).encode("utf-8") + b"\n"
        return cls(data, "application/json; charset=utf-8", status)

    @classmethod
    def html(cls, page: str, status: HTTPStatus = HTTPStatus.OK) -> Response:
        return cls(page.encode("utf-8"), "text/html; charset=utf-8", status)
