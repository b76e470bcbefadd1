"""The JSON API: one function per endpoint, each taking the site and the request and
answering JSON-ready data. docs/web.md documents every endpoint, parameter and error."""

from __future__ import annotations

import hmac
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from ..errors import QueryError
from ..index import SORTS
from ..models import SearchResults
from ..syntax import tokenize
from .protocol import HTTPError, Request, bad_request, not_found
from .views import timeline

if TYPE_CHECKING:
    from .app import Site

#: Most hits of one page, deepest offset, most facet names per field.
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FACETS = 50
#: Seconds the as-you-type check may spend counting matches.
CHECK_TIME_LIMIT = 1.0


def search_params(request: Request, default_limit: int = 10) -> dict[str, Any]:
    """The search options of a request: ``limit``, ``offset`` (or ``page``), ``sort``,
    ``facets``, ``whole``, ``strict``; each bounded."""
    limit = request.number("limit", default_limit, 1, MAX_LIMIT)
    page = request.number("page", 0, 1, MAX_OFFSET // limit + 1) if request.text("page") else 0
    offset = (page - 1) * limit if page else request.number("offset", 0, 0, MAX_OFFSET)
    if offset > MAX_OFFSET:
        raise bad_request(f"results beyond the first {MAX_OFFSET:,} are not served; narrow the query")
    return {"limit": limit, "offset": offset, "sort": request.choice("sort", SORTS, "score"),
            "facets": request.number("facets", 0, 0, MAX_FACETS), "whole": request.flag("whole"),
            "strict": request.flag("strict")}


def results_document(results: SearchResults, limit: int) -> dict[str, Any]:
    """A search as JSON: the shape of ``searchidx search --format json`` with ``limit``,
    and ``suggestion`` and ``facets`` always present."""
    return {"suggestion": None, "facets": {}, **results.to_dict(), "limit": limit}


def search(site: Site, request: Request) -> Any:
    options = search_params(request)
    results = site.index.search(request.required("q"), time_limit=site.time_limit, **options)
    return results_document(results, options["limit"])


def check(site: Site, request: Request) -> Any:
    """The query's pieces (for colouring), the repairs it needs and how many paragraphs
    match it: what the search box shows as you type."""
    query = request.required("q")
    document: dict[str, Any] = {
        "query": query,
        "tokens": [{"kind": token.kind, "text": token.text, "start": token.start} for token in tokenize(query)],
    }
    try:
        results = site.index.search(query, limit=0, time_limit=CHECK_TIME_LIMIT)
    except QueryError as error:
        return {**document, "total": 0, "warnings": [], "error": str(error)}
    return {**document, "total": results.total, "warnings": results.warnings, "error": None}


def explain(site: Site, request: Request) -> Any:
    return site.index.explain(request.required("q"), limit=request.number("limit", 3, 1, 20)).to_dict()


def similar(site: Site, request: Request) -> Any:
    limit = request.number("limit", 10, 1, MAX_LIMIT)
    results = site.index.similar(request.required("article"), request.number("paragraph", 1, 1), limit=limit)
    return results_document(results, limit)


def entities(site: Site, request: Request, fieldname: str) -> Any:
    found = site.index.entities(fieldname, prefix=request.text("prefix"),
                                limit=request.number("limit", 20, 1, 1000))
    return [entity.to_dict() for entity in found]


def entity(site: Site, request: Request, fieldname: str, name: str) -> Any:
    page = site.index.entity(fieldname, name, query=request.text("q").strip() or None,
                             limit=request.number("limit", 10, 0, MAX_LIMIT),
                             related=request.number("related", 10, 0, 100))
    by = request.choice("by", ("auto", "month", "year"), "auto")
    return {**page.to_dict(), "timeline": timeline(page, None if by == "auto" else by).to_dict()}


def article(site: Site, request: Request, article_id: str) -> Any:
    paragraphs = site.index.article(article_id)
    if not paragraphs:
        raise not_found(f"no article {article_id!r} in the index")
    first = paragraphs[0]
    return {"article": article_id, "title": first.title, "published": first.published,
            "paragraphs": [hit.to_dict() for hit in paragraphs]}


def stats(site: Site, request: Request) -> Any:
    return site.index.stats().to_dict()


def health(site: Site, request: Request) -> Any:
    return {"status": "ok", "paragraphs": site.index.stats().paragraphs}


# -- writing (only with a token) ---------------------------------------------------------

def authorize(site: Site, request: Request) -> None:
    """Let the request write only when the server has a token and the request carries it."""
    if not site.write_token:
        raise HTTPError(HTTPStatus.FORBIDDEN, "writes_off",
                        "writing is off; start the server with $SEARCHIDX_WRITE_TOKEN set to enable it")
    given = request.environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), site.write_token.encode()):
        raise HTTPError(HTTPStatus.UNAUTHORIZED, "unauthorized",
                        "send the write token as 'Authorization: Bearer TOKEN'",
                        [("WWW-Authenticate", 'Bearer realm="searchidx"')])


def add_article(site: Site, request: Request) -> Any:
    authorize(site, request)
    article = request.json_body()
    if not isinstance(article, dict):
        raise bad_request('send {"id": str, "text": str, "title": str, "date": str}')
    fields = {key: article.get(key, "") for key in ("id", "text", "title", "date")}
    if not all(isinstance(value, str) for value in fields.values()) or not fields["id"].strip() \
            or not fields["text"].strip():
        raise bad_request('send {"id": str, "text": str, "title": str, "date": str} with an id and a text')
    report = site.index.add_article(fields.pop("text"), **fields)
    return report.to_dict()


def delete_article(site: Site, request: Request, article_id: str) -> Any:
    authorize(site, request)
    report = site.index.delete([article_id])
    if not report.articles_deleted:
        raise not_found(f"no article {article_id!r} in the index")
    return report.to_dict()
