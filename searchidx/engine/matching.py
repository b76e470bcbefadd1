"""Which paragraphs a query matches, as sets: faster than Whoosh's matchers for counting.

Whoosh's ``docs_for_query`` steps a tree of matchers one document at a time (for a word
over seven fields, a union of seven); reading each term's postings a block at a time and
combining sets is several times faster. :class:`DocSet` is a precomputed set of
paragraphs that a query can hold (what a wildcard standing for thousands of words
becomes).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator
from typing import Any

from whoosh import matching, query

from . import compat


class DocSet(query.Query):  # type: ignore[misc]  # Whoosh has no type hints
    """A precomputed set of paragraphs, matched with a constant score: what a wildcard
    that stands for many words becomes. It still lists its words, for highlighting."""

    def __init__(self, fieldname: str, words: list[bytes], docnums: list[int], label: str,
                 complete: bool = True) -> None:
        self.fieldname, self.words, self.docnums, self.label = fieldname, words, docnums, label
        self.complete = complete  #: False when the time limit stopped the reading of its words
        self.boost = 1.0

    def __str__(self) -> str:
        return f"{self.label} ({len(self.words):,} words, unranked)"

    def __repr__(self) -> str:
        return f"DocSet({self.label!r}, {len(self.docnums)} docs)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocSet) and (self.label, self.docnums) == (other.label, other.docnums)

    def __hash__(self) -> int:
        return hash((self.label, len(self.docnums)))

    def is_leaf(self) -> bool:
        return True

    def field(self) -> str:
        return self.fieldname

    def expanded_terms(self, ixreader: Any, phrases: bool = True) -> Iterator[tuple[str, bytes]]:
        return ((self.fieldname, word) for word in self.words)

    def estimate_size(self, ixreader: Any) -> int:
        return len(self.docnums)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        # Whoosh asks each segment's searcher in turn, in that segment's own numbers
        offset = compat.segment_offset(searcher)
        low = bisect.bisect_left(self.docnums, offset)
        high = bisect.bisect_left(self.docnums, offset + searcher.doc_count_all())
        docnums = [docnum - offset for docnum in self.docnums[low:high]]
        return UnrankedMatcher(docnums, all_weights=self.boost) if docnums else matching.NullMatcher()


class UnrankedMatcher(matching.ListMatcher):  # type: ignore[misc]
    """A list of documents that Whoosh's top-N pruning must never drop: its true weight is
    small, but dropping it would lose matches from the total."""

    def max_quality(self) -> float:
        return float("inf")

    def block_quality(self) -> float:
        return float("inf")


class Budget:
    """The time one search may take, shared by its steps (expanding wildcards, ranking,
    counting): a step that runs out stops early and says so in :attr:`cut`. Early steps
    may take a share of the time only, so that later ones have some left."""

    def __init__(self, seconds: float | None = None) -> None:
        self.started = time.perf_counter()
        self.seconds = seconds  #: None: no limit
        self.skipped = 0  #: the steps skipped or stopped early

    @property
    def cut(self) -> bool:
        """True once a step was skipped or stopped early for want of time."""
        return self.skipped > 0

    def spent(self, share: float = 1.0) -> bool:
        """True once ``share`` of the time has passed (the caller then skips a step)."""
        if self.seconds is not None and time.perf_counter() > self.started + share * self.seconds:
            self.skipped += 1
            return True
        return False


def matching_docs(parsed: Any, searcher: Any, budget: Budget | None = None, share: float = 1.0) -> set[int]:
    """The live paragraphs a query matches, as set algebra over the postings of its terms.
    Ranges and wildcards become the terms they stand for; phrases are left to Whoosh.

    With a ``budget`` that runs out (``share`` of its time), the terms not read yet count as
    matching nothing, so that the set is a subset of the matches (``budget.cut`` says so)."""
    reader = searcher.reader()
    budget = budget or Budget()

    def docs(node: Any) -> set[int]:
        if isinstance(node, DocSet):  # (read already)
            return set(node.docnums)
        if isinstance(node, query.Term):
            return set() if budget.spent(share) else term_docs(reader, node.fieldname, node.text)
        if isinstance(node, query.Every) and not node.fieldname:
            return set(reader.all_doc_ids())
        if isinstance(node, query.And | query.Require):
            parts = sorted((docs(child) for child in node.children()), key=len)
            return set.intersection(*parts) if parts else set()
        if isinstance(node, query.Or):
            return set().union(*(docs(child) for child in node.children()))
        if isinstance(node, query.AndNot | query.Not):
            kept = docs(node.a) if isinstance(node, query.AndNot) else set(reader.all_doc_ids())
            dropped, partial = exactly(node.b if isinstance(node, query.AndNot) else node.query)
            return set() if partial else kept - dropped  # (removing too few would keep too many)
        if isinstance(node, query.AndMaybe):
            return docs(node.a)
        if isinstance(node, query.ConstantScoreQuery):
            return docs(node.child)
        if isinstance(node, query.MultiTerm):  # prefix, wildcard, fuzzy, ranges: the union of its words
            field = node.field()
            return set().union(*(term_docs(reader, field, word) for word in compat.expanded_words(node, reader)
                                 if not budget.spent(share)))
        if isinstance(node, query.NumericRange):  # dates and numbers: an OR of indexed terms
            simpler = node.simplify(reader)
            if simpler is not node and not isinstance(simpler, query.NumericRange):
                return docs(simpler)
        return set() if budget.spent(share) else set(searcher.docs_for_query(node))

    def exactly(node: Any) -> tuple[set[int], bool]:
        """``docs(node)``, and True when the time limit left out some of them."""
        skipped = budget.skipped
        found = docs(node)
        partial = budget.skipped > skipped or any(isinstance(leaf, DocSet) and not leaf.complete
                                                  for leaf in node.leaves())
        return found, partial

    return docs(parsed)


def lower_bound(parsed: Any, reader: Any) -> int | None:
    """A number of paragraphs the query surely matches, read from the term dictionary alone
    (no posting is read): a word's paragraph count, the largest of an OR's. None when the
    dictionary cannot tell (an AND, a NOT, a phrase, an index with deletions)."""
    if reader.has_deletions():
        return None

    def bound(node: Any) -> int | None:
        if isinstance(node, query.Term):
            try:
                return int(reader.doc_frequency(node.fieldname, node.text))
            except ValueError:
                return 0
        if isinstance(node, DocSet):
            return len(node.docnums)
        if isinstance(node, query.Every) and not node.fieldname:
            return int(reader.doc_count())
        if isinstance(node, query.Or):
            found = [bound(child) for child in node.children()]
            return max((b for b in found if b is not None), default=None)
        if isinstance(node, query.AndMaybe):
            return bound(node.a)
        return None

    return bound(parsed)


def term_docs(reader: Any, fieldname: str, text: Any) -> set[int]:
    """The live documents holding one term, read a posting block at a time."""
    schema = reader.schema
    if fieldname not in schema:
        return set()
    try:
        term = schema[fieldname].to_bytes(text) if not isinstance(text, bytes) else text
    except ValueError:
        return set()
    found: set[int] = set()
    for leaf, offset in reader.leaf_readers():
        if (fieldname, term) not in leaf:
            continue
        ids, deleted = compat.posting_ids(leaf.postings(fieldname, term))
        found.update(docnum + offset for docnum in ids - deleted) if offset else found.update(ids - deleted)
    return found


def live_terms(reader: Any, fieldname: str) -> Iterator[tuple[bytes, int]]:
    """A field's terms with the number of live paragraphs holding each. Whoosh keeps the
    terms and counts of deleted paragraphs until their segment is merged: skip those."""
    if not reader.has_deletions():
        for term, info in reader.iter_field(fieldname):
            yield term, info.doc_frequency()
        return
    for term, _ in reader.iter_field(fieldname):
        count = sum(1 for _ in reader.postings(fieldname, term).all_ids())
        if count:
            yield term, count


def existing_terms(parsed: Any, reader: Any, phrases: bool = False) -> set[tuple[str, bytes]]:
    """The (field, term) pairs of a query that occur in the index, wildcards expanded.

    Whoosh's own ``Query.existing_terms`` skips every field but the first one it meets
    (a loop variable shadows its ``fieldname`` argument), so it cannot be used.
    """
    schema = reader.schema
    found = set()
    for leaf in parsed.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=phrases):
            if fieldname not in schema:
                continue
            try:
                term = schema[fieldname].to_bytes(text)
            except ValueError:
                continue
            if (fieldname, term) in reader:
                found.add((fieldname, term))
    return found
