"""Running a parsed query: the top hits in score or date order within a deadline, the
exact total, the relaxed fallback of short keyword queries, ``explain`` and ``similar``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from whoosh import collectors, query, sorting

from ..errors import QueryError
from ..models import Hit
from ..settings import SearchOptions
from . import bm25
from .highlight import HitMaker, Marks
from .matching import Budget, existing_terms, lower_bound, matching_docs
from .parsing import DEFAULT_OPERATOR, Parsed, long_query_operator

if TYPE_CHECKING:
    from ..explanations import Explanation

#: Orders of search results: relevance, or the article's publication date.
SORTS = ("score", "newest", "oldest")
#: The sort key Whoosh gives a paragraph with no publication date (the largest there is).
_UNDATED = 2**64 - 1


def _undated_last(key: int) -> int:
    return -1 if key == _UNDATED else key


#: Whoosh's sort arguments for each of :data:`SORTS`; paragraphs without a date come last in both orders.
_ORDERS: dict[str, dict[str, Any]] = {
    "score": {},
    "oldest": {"sortedby": "published"},
    "newest": {"sortedby": sorting.TranslateFacet(_undated_last, sorting.FieldFacet("published")), "reverse": True},
}

#: The share of a search's time limit that counting the matches may take: ranking needs some.
COUNTING = 0.85

Parse = Callable[[str, bool, bool, "Budget | None"], Parsed]  # text, strict, any_word, budget -> Parsed
Facets = Callable[[set[int], int], dict[str, list[tuple[str, int]]]]  # matches, top -> names per field


class Found(NamedTuple):
    """What a search found: the page of hits, how many paragraphs match, how many of them
    hold every word (fewer when a keyword query was relaxed), the time, the warnings about
    the query, the top entity names per field among all matches, and whether the total is
    exact (else the time limit cut the count short and it is a lower bound)."""

    hits: list[Hit]
    total: int
    every_word: int
    seconds: float
    warnings: list[str]
    facets: dict[str, list[tuple[str, int]]]
    #: False when ``total`` is a lower bound (see ``SearchOptions.total_floor``)
    total_exact: bool = True


class SearchRequest(NamedTuple):
    """One search: the query and how to run and show it (see :meth:`SearchIndex.search`)."""

    text: str
    limit: int | None = 10
    offset: int = 0
    strict: bool = False
    sort: str = "score"
    whole: bool = False
    facets: int = 0
    highlight: bool = True
    time_limit: float | None = None


def search(request: SearchRequest, searcher: Any, parse: Parse, hits: HitMaker, facets: Facets,
           options: SearchOptions) -> Found:
    """The best paragraphs for the request's query after the first ``offset``, at most
    ``limit`` of them, with the counts, warnings and facets (see :class:`Found`)."""
    if request.sort not in SORTS:
        raise QueryError(f"unknown sort order {request.sort!r}; choose one of: {', '.join(SORTS)}")
    started = time.perf_counter()
    budget = Budget(request.time_limit)
    first = parse(request.text, request.strict, False, budget)
    parsed, warnings = first.query, first.warnings
    marked = parsed  # what the hits' fragments mark: the words asked for, not those added
    fed = None
    if first.kind == "description" and request.sort == "score":
        from . import feedback  # (descriptions only: a one-shot keyword search does not load it)

        fed = feedback.expanded(parsed, searcher, options, budget, COUNTING)
    if fed is not None:
        parsed = fed.query
    order = _ORDERS[request.sort]
    wanted = None if request.limit is None else request.offset + request.limit
    # When the term dictionary already shows ``total_floor`` matches, that floor is the total:
    # counting every match of a common word costs more than finding the top hits. Facets need
    # them all, and a date order needs every match to sort (and says how many have no date).
    floor = lower_bound(parsed, searcher.reader()) \
        if fed is None and not request.facets and request.sort == "score" else None
    if floor is not None and floor >= options.total_floor:
        ranked = [] if wanted == 0 else _top(searcher, parsed, wanted, order, budget)
        if budget.cut:
            warnings.append(f"the search ran out of time ({request.time_limit:g} s) and was stopped: the hits "
                            "are the best found until then")
        return Found(_page(request, ranked, marked, searcher, hits), options.total_floor, options.total_floor,
                     time.perf_counter() - started, warnings, {}, False)
    # The total is counted apart: Whoosh's count of a top-N search drops the matches of
    # sub-queries it pruned, and still calls itself exact (7,655 for 7,664 here). It is
    # counted first: counting is fast where ranking may not be, and ranking stops in time.
    plain = bm25.plain_query(parsed, searcher) if not order and fed is None else None
    found = fed.found if fed is not None else bm25.scored(searcher, plain, budget, COUNTING) \
        if plain is not None else bm25.tree_scored(searcher, parsed, budget, COUNTING) if not order else None
    matched: set[int] | None
    if found is not None:  # plain words: every match scored at once, a posting block at a time
        every_word, counted_whole = len(found), not budget.cut  # (one entry a paragraph; a cut set is partial)
        matched = None  # the set of them: made only when needed (a search of 60,000 matches spends 10 ms on it)
        ranked = [] if wanted == 0 else bm25.best(searcher, found, wanted)
    else:
        matched = matching_docs(parsed, searcher, budget, COUNTING)
        every_word, counted_whole = len(matched), not budget.cut
        ranked = [] if wanted == 0 else _top(searcher, parsed, wanted, order, budget)

    def holding_every_word() -> set[int]:
        return matched if matched is not None else {-negated for _, negated in found or ()}

    # what facets count: the paragraphs holding every word, never the fallback's
    real = holding_every_word() if request.facets else set()
    total = every_word
    if every_word < options.relax_below and first.kind == "keywords" and not budget.cut:
        # Too few paragraphs hold every word: after them come those holding some
        # of the words, most first (the "last" matching strategy of Meilisearch).
        # The threshold does not depend on the page, so that paging is consistent.
        relaxed = parse(request.text, request.strict, True, budget).query
        everything = matching_docs(relaxed, searcher, budget, COUNTING)
        counted_whole = not budget.cut
        if wanted != 0:
            held = holding_every_word()
            more = _ranked(searcher, relaxed, wanted, order, budget)
            ranked += [hit for hit in more if hit.docnum not in held][: None if wanted is None
                                                                        else wanted - len(ranked)]
        if len(everything) > every_word:
            warnings.append(f"{every_word:,} paragraph{'s' * (every_word != 1)} hold every word; "
                            "after them come paragraphs holding some of the words")
        matched, marked, total = everything, relaxed, len(everything)
    exact = counted_whole
    if not exact:
        total = max(total, len(ranked))  # (the hits ranked match too)
    if budget.cut:
        warnings.append(f"the search ran out of time ({request.time_limit:g} s) and was stopped: the hits are "
                        "the best found until then, and " + ("the total is complete" if exact else
                                                             f"{total:,} is a lower bound of the total"))
    page = _page(request, ranked, marked, searcher, hits)
    counted = facets(real, request.facets) if request.facets else {}
    if request.sort != "score" and total:
        warnings += _undated(searcher, holding_every_word(), request.sort)
    return Found(page, total, every_word, time.perf_counter() - started, warnings, counted, exact)


def _top(searcher: Any, parsed: Any, wanted: int | None, order: dict[str, Any], budget: Budget) -> list[Any]:
    results = _ranked(searcher, parsed, wanted, order, budget)
    return [results[i] for i in range(results.scored_length())]


def _page(request: SearchRequest, ranked: list[Any], parsed: Any, searcher: Any, hits: HitMaker) -> list[Hit]:
    """The hits shown (those after ``request.offset``), with their fragments when asked for:
    fragments are made for these alone."""
    marks = Marks.of(parsed, searcher.reader()) if request.highlight else None
    return [hits.hit(rank, ranked[rank - 1], marks, request.whole)
            for rank in range(request.offset + 1, len(ranked) + 1)]


def _undated(searcher: Any, matched: set[int], sort: str) -> list[str]:
    """A warning when some or all of the matching paragraphs have no publication date that
    a date order can place (an index of files without dates, or dates it could not read)."""
    column = searcher.reader().column_reader("published", translate=False)
    undated = sum(1 for docnum in matched if column[docnum] in (None, _UNDATED))
    if undated == len(matched):
        return [f"no matching paragraph has a publication date that can be read: the {sort} order "
                "leaves them in the index's order"]
    if undated:
        return [f"{undated:,} of {len(matched):,} matching paragraphs have no publication date that can be "
                f"read; they come last"]
    return []


def _ranked(searcher: Any, parsed: Any, limit: int | None, order: dict[str, Any], budget: Budget) -> Any:
    """Whoosh's results for ``parsed``; ranking stops when the ``budget`` runs out, with the
    best hits found by then (the first ``limit`` matches are collected whatever the time,
    so that a search whose query took the time to read still shows hits)."""
    collector = searcher.collector(limit=limit, **order)
    if budget.seconds is None:
        searcher.search_with_collector(parsed, collector)
        return collector.results()
    try:
        searcher.search_with_collector(parsed, _Deadline(collector, budget, limit or 10))
    except collectors.TimeLimit:
        pass
    return collector.results()


class _Deadline(collectors.WrappingCollector):  # type: ignore[misc]  # Whoosh has no type hints
    """A collector that stops when a :class:`Budget` runs out, keeping what it collected
    (and at least its first ``at_least`` matches): unlike Whoosh's ``TimeLimitCollector``
    it needs no timer thread and no signal, so it works in any thread."""

    def __init__(self, child: Any, budget: Budget, at_least: int) -> None:
        super().__init__(child)
        self.budget, self.at_least, self.collected = budget, at_least, 0

    def collect_matches(self) -> None:
        child = self.child
        for docnum in child.matches():
            if self.collected % 64 == 0 and self.collected >= self.at_least and self.budget.spent():
                raise collectors.TimeLimit
            child.collect(docnum)
            self.collected += 1


def explain(text: str, limit: int, searcher: Any, parse: Parse, options: SearchOptions) -> Explanation:
    """The query as parsed after repairs, and the scoring terms of its top ``limit`` hits."""
    from ..explanations import Explanation, HitExplanation, TermScore

    first = parse(text, False, False, None)
    parsed = first.query
    if first.kind == "description":
        from . import feedback

        fed = feedback.expanded(parsed, searcher, options)
        parsed = fed.query if fed is not None else parsed
    results = searcher.search(parsed, limit=limit)
    terms = sorted(existing_terms(parsed, searcher.reader(), phrases=True))
    boosts: dict[tuple[str, Any], float] = {}  # a word's weight in the query (its words added by feedback)
    for leaf in parsed.leaves():
        if type(leaf) is query.Term and leaf.fieldname in searcher.schema:
            try:
                key = (leaf.fieldname, searcher.schema[leaf.fieldname].to_bytes(leaf.text))
            except ValueError:  # (a number field given a word: it matches nothing)
                continue
            boosts[key] = boosts.get(key, 0.0) + leaf.boost
    explained = []
    for hit in results:
        found = []
        for fieldname, term in terms:
            postings = searcher.postings(fieldname, term)
            postings.skip_to(hit.docnum)
            if postings.is_active() and postings.id() == hit.docnum:
                scorer = searcher.weighting.scorer(searcher, fieldname, term)
                word = str(searcher.schema[fieldname].from_bytes(term)) if isinstance(term, bytes) else str(term)
                boost = boosts.get((fieldname, term), 1.0)
                found.append(TermScore(fieldname, word, round(float(scorer.score(postings)) * boost, 4)))
        found.sort(key=lambda t: -t.score)
        explained.append(HitExplanation(hit["article"], hit["paragraph"], round(float(hit.score), 4), found))
    operator = long_query_operator(options) if first.kind == "description" else DEFAULT_OPERATOR
    return Explanation(text, str(parsed), operator, first.warnings, explained)


def similar(article_id: str, paragraph: int, limit: int, searcher: Any, hits: HitMaker) -> tuple[list[Hit], float]:
    """Paragraphs like one paragraph (by its most telling words), best first, itself left
    out; and the seconds it took."""
    started = time.perf_counter()
    docnum = next((d for d in searcher.document_numbers(article=article_id)
                   if searcher.stored_fields(d).get("paragraph") == paragraph), None)
    if docnum is None:
        raise QueryError(f"no paragraph {paragraph} of article {article_id!r} in the index")
    text = searcher.stored_fields(docnum).get("text", "")
    words = [word for word, _ in searcher.key_terms_from_text("text", text, numterms=12)]
    results = searcher.more_like(docnum, "text", text=text, top=limit, numterms=12)
    marks = Marks({"text": set(words)}, [])
    found = [hits.hit(rank, hit, marks, False) for rank, hit in enumerate(results, start=1)]
    return found, time.perf_counter() - started
