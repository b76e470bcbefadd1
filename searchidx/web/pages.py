"""The HTML pages: one function per page, each running the library call behind it and
rendering its template. Every state of a page is in its address (query, sort, page,
filters), so that any view can be shared or bookmarked."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from ..errors import QueryError
from ..models import ENTITY_FIELDS
from .api import MAX_OFFSET, search_params
from .protocol import Request, Response, not_found
from .views import Pager, chart, timeline

if TYPE_CHECKING:
    from .app import Site

#: Names of each entity field counted beside the hits, and listed on the home page.
FACETS = 8
HOME_NAMES = 8


def home(site: Site, request: Request) -> Response:
    """The search box, the index's counts and its most named entities of each field."""
    query = request.text("q").strip()
    if query:
        return search_page(site, request, query)
    stats = site.index.stats()
    top = {name: site.index.entities(name, limit=HOME_NAMES) for name in ENTITY_FIELDS if name != "date"}
    return site.page("home.html", query="", stats=stats, top=top)


def search_page(site: Site, request: Request, query: str) -> Response:
    options = search_params(request)
    options["facets"] = request.number("facets", FACETS, 0, 50)
    try:
        results = site.index.search(query, time_limit=site.time_limit, **options)
    except QueryError as error:
        return site.page("search.html", HTTPStatus.BAD_REQUEST, query=query, error=str(error), results=None,
                         options=options, pager=None)
    pager = Pager.of(min(results.total, MAX_OFFSET + options["limit"]), options["offset"], options["limit"])
    return site.page("search.html", query=query, results=results, options=options, pager=pager, error=None)


def entity_page(site: Site, request: Request, fieldname: str, name: str) -> Response:
    within = request.text("q").strip()
    page = site.index.entity(fieldname, name, query=within or None, limit=request.number("limit", 10, 0, 100),
                             related=request.number("related", 15, 0, 100))
    by = request.choice("by", ("auto", "month", "year"), "auto")
    line = timeline(page, None if by == "auto" else by)
    top_related = max((entity.paragraphs for entity in page.related), default=0)
    return site.page("entity.html", query=within, page=page, timeline=line, chart=chart(line), by=by,
                     top_related=top_related)


def entities_page(site: Site, request: Request, fieldname: str) -> Response:
    prefix = request.text("prefix").strip()
    found = site.index.entities(fieldname, prefix=prefix, limit=request.number("limit", 100, 1, 1000))
    return site.page("entities.html", query="", fieldname=fieldname, prefix=prefix, found=found)


def article_page(site: Site, request: Request, article_id: str) -> Response:
    paragraphs = site.index.article(article_id)
    if not paragraphs:
        raise not_found(f"The index holds no article {article_id!r}.")
    marked = request.number("p", 0, 0, 100_000)
    return site.page("article.html", query=request.text("q"), article=article_id, paragraphs=paragraphs,
                     marked=marked, title=paragraphs[0].title, published=paragraphs[0].published)


def similar_page(site: Site, request: Request) -> Response:
    article_id = request.required("article")
    number = request.number("paragraph", 1, 1, 100_000)
    source = next((hit for hit in site.index.article(article_id) if hit.paragraph == number), None)
    if source is None:
        raise not_found(f"The index holds no paragraph {number} of article {article_id!r}.")
    results = site.index.similar(article_id, number, limit=request.number("limit", 10, 1, 100))
    return site.page("similar.html", query="", source=source, results=results)
