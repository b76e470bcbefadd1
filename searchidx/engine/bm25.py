"""The top hits of plain word queries, scored a posting block at a time.

Whoosh ranks a query by stepping matchers one posting at a time in Python (about 50 µs
per matching paragraph on all of Reuters), which makes a two-word search of a large index
take tens of milliseconds. The queries users type most are plain words that must all match
(``oil prices``, which parses to an ``And`` of ``Term``\\ s): for those, :func:`scored` reads
each word's posting blocks whole (the rarest word first; the blocks of the others that
cannot hold one of its paragraphs are not even decoded), and scores the paragraphs holding
every word with Whoosh's own BM25F formula, statistics and field lengths, so that it finds
the hits, and the scores, that Whoosh's ranking finds (``tests/test_ranking.py`` compares
them); the same pass counts the matches, so their total is exact without a second read.
Anything else (phrases, OR, NOT, prefixes, another weighting), and a search whose time
limit runs out first, returns None and is ranked by Whoosh.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from whoosh import query, scoring

from . import compat
from .matching import Budget

#: Paragraphs a plain query may match for its hits to be scored here: past it, Whoosh's
#: block-quality skipping (which reads less) is left to rank them.
MAX_MATCHES = 200_000


class Ranked:
    """A hit found here, shaped as the part of Whoosh's ``Hit`` that searchidx reads."""

    __slots__ = ("docnum", "score", "_searcher")

    def __init__(self, docnum: int, score: float, searcher: Any) -> None:
        self.docnum, self.score, self._searcher = docnum, score, searcher

    def fields(self) -> dict[str, Any]:
        """The paragraph's stored fields."""
        return dict(self._searcher.stored_fields(self.docnum))


def plain_words(parsed: Any, searcher: Any) -> list[query.Term] | None:
    """The words of ``parsed`` when it is a word or an ``And`` of words (with any boosts) in
    fields that BM25F scores, and the searcher ranks by BM25F; otherwise None."""
    if not isinstance(searcher.weighting, scoring.BM25F):
        return None
    if type(parsed) is query.Term:
        words = [parsed]
    elif type(parsed) is query.And and parsed.boost == 1.0 and parsed.subqueries \
            and all(type(q) is query.Term for q in parsed.subqueries):
        words = list(parsed.subqueries)
    else:
        return None
    schema = searcher.schema
    if not all(w.fieldname in schema and schema[w.fieldname].scorable for w in words):
        return None
    return words


def scored(searcher: Any, words: Sequence[query.Term], budget: Budget | None = None,
           share: float = 1.0) -> list[tuple[float, int]] | None:
    """Every paragraph holding all of ``words``, as (score, -document number) pairs in no
    order, scored as Whoosh scores them; None when they are more than :data:`MAX_MATCHES`,
    or when ``share`` of the ``budget``'s time runs out before a posting list is read (then
    Whoosh ranks them, and its ranking stops in time)."""
    weighting = searcher.weighting
    reader = searcher.reader()
    if not searcher.doc_count():
        return []
    scorers = []
    for word in words:
        field = searcher.schema[word.fieldname]
        try:
            text = field.to_bytes(word.text)
        except ValueError:
            return []
        if (word.fieldname, text) not in reader:
            return []
        b = weighting._field_B.get(word.fieldname, weighting.B)
        scorers.append((word.fieldname, text, searcher.idf(word.fieldname, text),
                        searcher.avg_field_length(word.fieldname) or 1, b, weighting.K1, word.boost))
    found: list[tuple[float, int]] = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if not all((fieldname, text) in reader for fieldname, text, *_ in scorers):
            continue
        # the rarest word first: the others are read only where its paragraphs are
        order = sorted(scorers, key=lambda s: reader.doc_frequency(s[0], s[1]))
        weights: list[dict[int, float]] = []
        within: dict[int, float] | None = None
        for fieldname, text, *_ in order:
            if budget is not None and budget.spent(share):
                return None
            within = compat.posting_weights(reader.postings(fieldname, text), within)
            if not within:
                break
            weights.append(within)
        if not within:
            continue
        if len(found) + len(within) > MAX_MATCHES:
            return None
        parts = [(each, compat.field_lengths(reader, fieldname), idf, avgfl, b, k1, boost)
                 for each, (fieldname, _, idf, avgfl, b, k1, boost) in zip(weights, order)]
        for docnum in within:
            score = 0.0
            for each, length, idf, avgfl, b, k1, boost in parts:
                tf = each[docnum]
                part = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length(docnum) / avgfl)))
                score += part * boost if boost != 1.0 else part
            found.append((score, -(docnum + offset)))
    return found


def best(searcher: Any, found: list[tuple[float, int]], limit: int | None) -> list[Ranked]:
    """The best ``limit`` of :func:`scored`'s paragraphs (all when None), best first, ties
    in index order (as Whoosh orders them)."""
    chosen = heapq.nlargest(limit, found) if limit is not None else sorted(found, reverse=True)
    return [Ranked(-negated, score, searcher) for score, negated in chosen]
