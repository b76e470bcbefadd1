"""A writer's postings, held for its commit and sorted for the flush.

Whoosh's writer puts each posting into a sorting pool as a tuple ``(field, term bytes,
document, weight, value)`` and sorts them all when it commits, comparing whole tuples; the
codec's flush then groups them by term (:meth:`.codec.CompactFieldWriter.add_postings`).
That sort runs on one core at the end of an indexing run, while the NER workers wait.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from whoosh.writing import PostingPool

_FIELD, _TERM = itemgetter(0), itemgetter(1)


class FlushPool(PostingPool):  # type: ignore[misc]  # Whoosh has no type hints
    """Whoosh's pool, its postings sorted for the flush by two stable sorts, by term bytes
    and then by field, instead of by whole tuples: a term's postings keep the order they
    were added in, which is their documents' (a writer numbers documents as it adds them,
    and a merged segment's postings come in order after them), so the order is Whoosh's.
    A third of the time (the postings of 300 news articles: 0.15 -> 0.05 s)."""

    def iter_postings(self) -> Any:
        if self.runs:  # (past its memory it spilled sorted runs to disk: Whoosh merges them)
            return super().iter_postings()
        postings = self.current
        postings.sort(key=_TERM)
        postings.sort(key=_FIELD)
        return postings
