"""The top hits of a query, scored a posting block at a time.

Whoosh ranks a query by stepping matchers one posting at a time in Python (about 50 µs
per matching paragraph on all of Reuters), which makes a two-word search of a large index
take tens of milliseconds. The queries users type most are plain words that must all match
(``oil prices``, which parses to an ``And`` of ``Term``\\ s), and descriptions, whose words
any may match (an ``Or``): for those, :func:`scored` reads each word's posting blocks whole
(for an AND the rarest word first, and the blocks of the others that cannot hold one of its
paragraphs are not even decoded), and scores the paragraphs with Whoosh's own BM25F formula,
statistics and field lengths (and the coordination bonus of an ``Or`` given a ``scale``,
which the parser's own ORs do not carry: Whoosh's query rewriting drops it), so that it
finds the hits, and the scores, that Whoosh finds when it ranks every match
(``tests/test_ranking.py`` compares them); the same pass counts the matches, so their
total is exact without a second read. (Whoosh's top-N ranking of an OR drops a word from
the bonus once its postings run out, so the paragraphs it reaches last were scored with
another bonus; here every paragraph gets the same.)

:func:`tree_scored` does the same for words and phrases joined by AND, OR and NOT
(``"interest rates" place:japan``, ``sugar NOT cuba``; a phrase's words are checked for
standing in order, within its slop, from their decoded positions, in the paragraphs
holding them all), and for the sets of paragraphs that date ranges and wide wildcards
become. Any other query (an OR inside it with a coordination bonus, another weighting),
and a search whose time limit runs out first, returns None and is ranked by Whoosh. ORs of
many postings are summed in numpy arrays (:func:`_dense_any`); the scores are Whoosh's all
the same.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Collection, Sequence
from typing import Any

from whoosh import query, scoring

from . import compat
from .matching import Budget, DocSet


class Weighting(scoring.BM25F):  # type: ignore[misc]  # Whoosh has no type hints
    """Whoosh's BM25F (k1 1.2, b 0.75) with BM25's own idf, Robertson and Spärck Jones's
    ``log(1 + (N - n + 0.5) / (n + 0.5))`` as Lucene computes it, in place of Whoosh's
    ``log(N / (n + 1)) + 1``, which gives common words more weight: the same ranking scored
    1% to 4% better MAP with it on each of the four IR collections (``bench/relevance.py``;
    on the half of their queries used for choosing)."""

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        """The idf of a word, from the top searcher's statistics (deleted paragraphs counted
        until merged away, as in Whoosh's own)."""
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        return math.log(1 + (parent.doc_count_all() - n + 0.5) / (n + 0.5))


#: Paragraphs a plain query may match for its hits to be scored here: past it, Whoosh's
#: block-quality skipping (which reads less) is left to rank them.
MAX_MATCHES = 200_000
#: An OR whose words hold this many postings in a segment is scored there with numpy arrays.
DENSE_POSTINGS = 2_000


class Ranked:
    """A hit found here, shaped as the part of Whoosh's ``Hit`` that searchidx reads."""

    __slots__ = ("docnum", "score", "_searcher")

    def __init__(self, docnum: int, score: float, searcher: Any) -> None:
        self.docnum, self.score, self._searcher = docnum, score, searcher

    def fields(self) -> dict[str, Any]:
        """The paragraph's stored fields."""
        return dict(self._searcher.stored_fields(self.docnum))


#: A plain query: its words, whether every word must match (AND) or any (OR), and the
#: coordination scale of an OR (Whoosh's ``Or(scale=...)``; None for none).
Plain = tuple[list[query.Term], bool, "float | None"]


def plain_query(parsed: Any, searcher: Any) -> Plain | None:
    """``parsed`` as a :data:`Plain` query when it is a word, or an ``And`` or an ``Or`` of
    words (with any boosts), in fields that BM25F scores, and the searcher ranks by BM25F;
    otherwise None."""
    if not isinstance(searcher.weighting, scoring.BM25F):
        return None
    if type(parsed) is query.Term:
        plain: Plain = ([parsed], True, None)
    elif type(parsed) in (query.And, query.Or) and parsed.boost == 1.0 and len(parsed.subqueries) > 1 \
            and all(type(q) is query.Term for q in parsed.subqueries) and not getattr(parsed, "minmatch", 0):
        every = type(parsed) is query.And
        plain = (list(parsed.subqueries), every, None if every else parsed.scale)
    else:
        return None
    schema = searcher.schema
    if not all(w.fieldname in schema and schema[w.fieldname].scorable for w in plain[0]):
        return None
    return plain


#: Posting lists already decoded in one search, by segment reader, field and word, for a
#: second pass over some of the same words (a description's feedback).
Decoded = dict[tuple[int, str, bytes], tuple[Any, Any]]


def scored(searcher: Any, plain: Plain, budget: Budget | None = None,
           share: float = 1.0, decoded: Decoded | None = None) -> list[tuple[float, int]] | None:
    """Every paragraph the :data:`Plain` query matches, as (score, -document number) pairs
    in no order, scored as Whoosh scores them (an OR's coordination bonus as Whoosh gives it
    when it ranks every match); None when they are more than :data:`MAX_MATCHES`, or when
    ``share`` of the ``budget``'s time runs out before a posting list is read (then Whoosh
    ranks them, and its ranking stops in time). The posting lists of a large OR are kept in
    ``decoded`` when given, and taken from it when there."""
    words, every, scale = plain
    reader = searcher.reader()
    if not searcher.doc_count():
        return []
    scorers = []
    for word in words:
        field = searcher.schema[word.fieldname]
        try:
            text = field.to_bytes(word.text)
        except ValueError:
            text = None
        if text is None or (word.fieldname, text) not in reader:
            if every:
                return []
            continue
        scorers.append((word.fieldname, text, *_statistics(searcher, word.fieldname, text), word.boost))
    found: list[tuple[float, int]] = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        present = [s for s in scorers if (s[0], s[1]) in reader]
        if not present or (every and len(present) < len(scorers)):
            continue
        if not every and sum(reader.doc_frequency(s[0], s[1]) for s in present) >= DENSE_POSTINGS:
            dense = _dense_any(reader, present, scale, budget, share, decoded)
            if dense is None:
                return None
            if len(found) + len(dense[0]) > MAX_MATCHES:
                return None
            found += zip(dense[1], [-(docnum + offset) for docnum in dense[0]])
            continue
        if every:  # the rarest word first: the others are read only where its paragraphs are
            present.sort(key=lambda s: reader.doc_frequency(s[0], s[1]))
        weights: list[dict[int, float]] = []
        within: dict[int, float] | None = None
        for fieldname, text, *_ in present:
            if budget is not None and budget.spent(share):
                return None
            postings = compat.posting_weights(reader.postings(fieldname, text), within if every else None)
            if every:
                within = postings
                if not within:
                    break
            weights.append(postings)
        if every and not within:
            continue
        if every:
            assert within is not None
            parts = [_term_scores({docnum: each[docnum] for docnum in within}, reader, fieldname, rest)
                     for each, (fieldname, _, *rest) in zip(weights, present)]
            scores = parts[0]
            for part in parts[1:]:
                scores = {docnum: score + part[docnum] for docnum, score in scores.items()}
        else:
            scores = _any_word([_term_scores(each, reader, fieldname, rest)
                                for each, (fieldname, _, *rest) in zip(weights, present)], scale)
        if len(found) + len(scores) > MAX_MATCHES:
            return None
        found += [(score, -(docnum + offset)) for docnum, score in scores.items()]
    return found


def _any_word(parts: list[dict[int, float]], scale: float | None) -> dict[int, float]:
    """Scores of the paragraphs holding any of the words whose scores ``parts`` are (in one
    segment): the sum of the words' scores, with Whoosh's coordination bonus when ``scale``
    is given (its ``CoordMatcher``: the "SQR" of V-Twin, by how many of the segment's words
    each paragraph holds)."""
    scores: dict[int, float] = {}
    for part in parts:
        get = scores.get
        scores.update({docnum: get(docnum, 0.0) + score for docnum, score in part.items()})
    if scale:
        words = len(parts)
        if words == scale:
            return dict.fromkeys(scores, 0.0)
        matched: dict[int, int] = {}
        for part in parts:
            for docnum in part:
                matched[docnum] = matched.get(docnum, 0) + 1
        gap, share = (words - scale) ** 2, (words - 1) / words
        scores = {docnum: (score + (matched[docnum] - 1) / gap) * share for docnum, score in scores.items()}
    return scores


def _dense_any(reader: Any, present: list[Any], scale: float | None, budget: Budget | None,
               share: float, decoded: Decoded | None = None) -> tuple[list[int], list[float]] | None:
    """Like :func:`_any_word` for one segment, with numpy arrays as long as the segment (for
    ORs of many postings, where Python's per-posting dictionaries cost most of the time):
    the live paragraphs that hold any of the words, and their scores, computed with the same
    floating-point operations in the same order as Whoosh; None when ``share`` of the
    ``budget``'s time runs out."""
    import numpy  # (only here: a one-shot search of a few words does not load it)

    size = reader.doc_count_all()
    total = numpy.zeros(size)
    held = numpy.zeros(size, dtype=numpy.int32)
    lengths = numpy.array(compat.LENGTHS, dtype=numpy.float64)
    for fieldname, text, idf, avgfl, b, k1, boost in present:
        if budget is not None and budget.spent(share):
            return None
        key = (id(reader), fieldname, text)
        if decoded is not None and key in decoded:
            docs, tf = decoded[key]
        else:
            ids, weights = compat.posting_lists(reader.postings(fieldname, text))
            docs = numpy.array(ids, dtype=numpy.int64)
            tf = numpy.array(weights, dtype=numpy.float64)
            if decoded is not None:
                decoded[key] = (docs, tf)
        codes = compat.length_codes(reader, fieldname)
        if codes is not None and len(codes) >= size:
            length = lengths[numpy.frombuffer(codes, dtype=numpy.uint8)[docs]]
        else:
            measure = compat.field_lengths(reader, fieldname)
            length = numpy.array([measure(docnum) for docnum in docs.tolist()], dtype=numpy.float64)
        part = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avgfl)))
        total[docs] += part * boost if boost != 1.0 else part  # (a word's documents are distinct)
        held[docs] += 1
    if reader.has_deletions():
        held[numpy.fromiter(reader.deleted_docs_set, dtype=numpy.int64)] = 0
    docnums = numpy.flatnonzero(held)
    scores = total[docnums]
    if scale:
        words = len(present)
        if words == scale:
            scores = numpy.zeros(len(docnums))
        else:
            scores = (scores + (held[docnums] - 1) / (words - scale) ** 2) * ((words - 1) / words)
    return docnums.tolist(), scores.tolist()


def _term_scores(weights: dict[int, float], reader: Any, fieldname: str,
                 statistics: Sequence[float]) -> dict[int, float]:
    """Document number -> BM25 score of one word in one segment's ``reader``, from its
    posting weights and :func:`_statistics` (and a boost, when given after them), computed
    as Whoosh computes it (``whoosh.scoring.bm25``) so that the scores are its own."""
    idf, avgfl, b, k1, *boosted = statistics
    top = k1 + 1
    codes = compat.length_codes(reader, fieldname)
    scores = None
    if codes is not None:  # the length part of the formula for each of the 256 stored lengths
        norms = [k1 * ((1 - b) + b * length / avgfl) for length in compat.LENGTHS]
        try:
            scores = {docnum: idf * ((tf * top) / (tf + norms[codes[docnum]])) for docnum, tf in weights.items()}
        except IndexError:  # (a document past the column: Whoosh takes its length as 1)
            scores = None
    if scores is None:
        length = compat.field_lengths(reader, fieldname)
        scores = {docnum: idf * ((tf * top) / (tf + k1 * ((1 - b) + b * length(docnum) / avgfl)))
                  for docnum, tf in weights.items()}
    boost = boosted[0] if boosted else 1.0
    return {docnum: score * boost for docnum, score in scores.items()} if boost != 1.0 else scores


def tree_scored(searcher: Any, parsed: Any, budget: Budget | None = None,
                share: float = 1.0) -> list[tuple[float, int]] | None:
    """Like :func:`scored`, for a query of words, exact phrases and sets of paragraphs
    joined by AND, OR (with no coordination bonus) and NOT (``"defence cooperation" navy``,
    a phrase with no field, which is the phrase in the text or the title; ``oil -opec``):
    every match as (score, -document number), each phrase scored as Whoosh scores it (the
    sum of its words' scores where the words stand in a row), a set as its boost, and a NOT
    inside an AND adding its boost as Whoosh's inverse matcher does; None for any other
    query (Whoosh ranks it)."""
    if not isinstance(searcher.weighting, scoring.BM25F) or not _in_tree(parsed, searcher.schema):
        return None
    if not searcher.doc_count():
        return []
    found: list[tuple[float, int]] = []
    statistics: dict[tuple[str, bytes], tuple[float, float, float, float]] = {}
    for leaf, offset in searcher.leaf_searchers():
        scores = _node(parsed, leaf.reader(), searcher, statistics, budget, share, offset)
        if scores is None:
            return None
        if len(found) + len(scores) > MAX_MATCHES:
            return None
        found += [(score, -(docnum + offset)) for docnum, score in scores.items()]
    return found


def _in_tree(node: Any, schema: Any) -> bool:
    """Whether :func:`tree_scored` scores ``node`` as Whoosh would."""
    kind = type(node)
    if kind is query.Term:
        return node.fieldname in schema and schema[node.fieldname].scorable
    if kind is query.Phrase:
        field = schema[node.fieldname] if node.fieldname in schema else None
        return field is not None and field.scorable and node.slop >= 1 and bool(node.words) \
            and field.format is not None and field.format.supports("positions")
    if kind is DocSet:  # (one whose reading the time limit cut short is left to the counting that says so)
        return bool(node.complete)
    if kind is query.Every:
        return node.fieldname in (None, "", "*")
    if kind is query.AndNot:
        return node.boost == 1.0 and _in_tree(node.a, schema) and _in_tree(node.b, schema)
    if kind is query.And:  # (NOT x inside an AND: the paragraphs matching x are left out)
        positive = [child for child in node.subqueries if type(child) is not query.Not]
        return node.boost == 1.0 and bool(positive) and all(_in_tree(child, schema) for child in positive) \
            and all(_in_tree(child.query, schema) for child in node.subqueries if type(child) is query.Not)
    if kind is query.Or:
        return node.boost == 1.0 and bool(node.subqueries) and not getattr(node, "scale", None) \
            and not getattr(node, "minmatch", 0) and all(_in_tree(child, schema) for child in node.subqueries)
    return False


def _node(node: Any, reader: Any, searcher: Any, statistics: dict[tuple[str, bytes], Any],
          budget: Budget | None, share: float, offset: int,
          among: Collection[int] | None = None) -> dict[int, float] | None:
    """Paragraph -> score of ``node`` (see :func:`_in_tree`) in one segment's ``reader``,
    among the paragraphs ``among`` only when given (the posting blocks that hold none of
    them are not decoded); None when ``share`` of the ``budget``'s time ran out."""
    kind = type(node)
    if kind is DocSet:  # a set of paragraphs (a date range, a wide wildcard): each scores its boost
        low = bisect.bisect_left(node.docnums, offset)
        high = bisect.bisect_left(node.docnums, offset + reader.doc_count_all())
        docnums = (docnum - offset for docnum in node.docnums[low:high])
        return dict.fromkeys(docnums if among is None else (d for d in docnums if d in among), node.boost)
    if kind is query.Every:  # every live paragraph, each scoring its boost
        docnums = reader.all_doc_ids()
        return dict.fromkeys(docnums if among is None else (d for d in docnums if d in among), node.boost)
    if kind is query.AndNot:
        positive = _node(node.a, reader, searcher, statistics, budget, share, offset, among)
        return _without(positive, [node.b], reader, searcher, statistics, budget, share, offset)
    if kind is query.Term or kind is query.Phrase:
        words = [node.text] if kind is query.Term else node.words
        field = searcher.schema[node.fieldname]
        try:
            texts = [field.to_bytes(word) for word in words]
        except ValueError:
            return {}
        if not all((node.fieldname, text) in reader for text in texts):
            return {}
        weights: list[dict[int, float]] = [{} for _ in texts]
        within: Collection[int] | None = among
        for i in sorted(range(len(texts)), key=lambda i: reader.doc_frequency(node.fieldname, texts[i])):
            if budget is not None and budget.spent(share):
                return None
            within = weights[i] = compat.posting_weights(reader.postings(node.fieldname, texts[i]), within)
            if not within:
                return {}
        assert isinstance(within, dict)
        if len(texts) > 1:  # a phrase: its words in order, each 1 to ``slop`` positions after the last
            positions = [compat.posting_values(reader.postings(node.fieldname, text), within) for text in texts]
            decode = field.format.decode_positions
            for docnum in list(within):
                if not _in_order([decode(each[docnum]) for each in positions], node.slop):
                    del within[docnum]
        scores: dict[int, float] = dict.fromkeys(within, 0.0)
        for text, each in zip(texts, weights):
            found = statistics.get((node.fieldname, text))
            if found is None:
                found = statistics[(node.fieldname, text)] = _statistics(searcher, node.fieldname, text)
            part = _term_scores({docnum: each[docnum] for docnum in within} if len(each) > len(within) else each,
                                reader, node.fieldname, found)
            scores = {docnum: score + part[docnum] for docnum, score in scores.items()}
        if node.boost != 1.0:
            scores = {docnum: score * node.boost for docnum, score in scores.items()}
        return scores
    children = []
    subqueries = node.subqueries
    if kind is query.And:  # the smallest first: the others are read only where its paragraphs are
        negative = [child.query for child in subqueries if type(child) is query.Not]
        if negative:
            positive = query.And([child for child in subqueries if type(child) is not query.Not])
            found = _node(positive if len(positive.subqueries) > 1 else positive.subqueries[0], reader, searcher,
                          statistics, budget, share, offset, among)
            found = _without(found, negative, reader, searcher, statistics, budget, share, offset)
            # Whoosh matches each NOT inside an AND with its inverse, which scores its boost
            bonus = sum(child.boost for child in subqueries if type(child) is query.Not)
            return {docnum: score + bonus for docnum, score in found.items()} if found else found
        subqueries = sorted(subqueries, key=lambda q: q.estimate_size(reader))
    for child in subqueries:
        result = _node(child, reader, searcher, statistics, budget, share, offset, among)
        if result is None:
            return None
        if kind is query.And:
            if not result:
                return {}
            among = result.keys()
        children.append(result)
    if kind is query.And:
        smallest = min(children, key=len)
        return {docnum: sum(each[docnum] for each in children) for docnum in smallest
                if all(docnum in each for each in children)}
    union: dict[int, float] = {}
    for each in children:
        for docnum, score in each.items():
            union[docnum] = union.get(docnum, 0.0) + score
    return union


def _in_order(positions: list[Any], slop: int) -> bool:
    """Whether some position of each word follows one of the word before by 1 to ``slop``
    positions (``slop`` 1: the words in a row), as Whoosh's ``SpanNear2`` matches a phrase."""
    ends = positions[0]
    for following in positions[1:]:
        if slop == 1:
            before = set(ends)
            ends = [at for at in following if at - 1 in before]
        else:
            ordered = sorted(ends)
            ends = [at for at in following
                    if bisect.bisect_left(ordered, at - slop) < bisect.bisect_left(ordered, at)]
        if not ends:
            return False
    return True


def _without(found: dict[int, float] | None, negative: list[Any], reader: Any, searcher: Any,
             statistics: dict[tuple[str, bytes], Any], budget: Budget | None, share: float,
             offset: int) -> dict[int, float] | None:
    """``found`` less the paragraphs that any of the ``negative`` queries match (read only
    where ``found``'s paragraphs are)."""
    for each in negative:
        if not found:
            return found
        excluded = _node(each, reader, searcher, statistics, budget, share, offset, found.keys())
        if excluded is None:
            return None
        found = {docnum: score for docnum, score in found.items() if docnum not in excluded}
    return found


def _statistics(searcher: Any, fieldname: str, text: bytes) -> tuple[float, float, float, float]:
    """What BM25F needs of a word beyond its postings, as Whoosh's scorer takes it from the
    top searcher: idf, the field's average length, and the weighting's B and K1."""
    weighting = searcher.weighting
    return (searcher.idf(fieldname, text), searcher.avg_field_length(fieldname) or 1,
            weighting._field_B.get(fieldname, weighting.B), weighting.K1)


def best(searcher: Any, found: list[tuple[float, int]], limit: int | None) -> list[Ranked]:
    """The best ``limit`` of :func:`scored`'s paragraphs (all when None), best first, ties
    in index order (as Whoosh orders them)."""
    chosen = heapq.nlargest(limit, found) if limit is not None else sorted(found, reverse=True)
    return [Ranked(-negated, score, searcher) for score, negated in chosen]
