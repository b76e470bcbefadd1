"""The words of an index's fields, listed once per reader, and the words near a given one:
what fuzzy terms (``petroleom~2``) and "did you mean" look for.

Whoosh's ``terms_within`` lists a field's words and compares each with the typed one in
Python on every call: about 50 ms a word on all of Reuters, most of a fuzzy search. Here a
field's words that share a prefix are listed once per reader (a new commit brings a new
reader) and compared in C with rapidfuzz's Damerau-Levenshtein distance, as Whoosh counts
edits, so the words found are Whoosh's, in its order.
"""

from __future__ import annotations

import weakref
from typing import Any

#: Readers' words by field and prefix.
_LISTED: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], list[str]]] = weakref.WeakKeyDictionary()


def words_within(reader: Any, fieldname: str, word: str, maxdist: int, prefix: int = 1) -> list[str]:
    """The words of ``fieldname`` that start with ``word``'s first ``prefix`` letters and are
    within ``maxdist`` edits of it (insertions, deletions, substitutions and swaps of
    neighbours), in the index's order: Whoosh's ``terms_within(..., prefix=prefix)``."""
    if len(word) < prefix or (not word and not prefix):
        return []
    from rapidfuzz import process  # loaded when first needed: one-shot searches start faster
    from rapidfuzz.distance import DamerauLevenshtein

    lists = _LISTED.setdefault(reader, {})
    key = (fieldname, word[:prefix])
    words = lists.get(key)
    if words is None:
        words = lists[key] = [term if isinstance(term, str) else term.decode("utf-8", "replace")
                              for term in reader.expand_prefix(fieldname, word[:prefix])]
    found = process.extract(word, words, scorer=DamerauLevenshtein.distance, processor=None,
                            score_cutoff=maxdist, limit=None)
    return [words[i] for i in sorted(i for _, _, i in found)]
