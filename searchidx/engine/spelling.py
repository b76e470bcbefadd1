"""Did you mean: the words of a query that no paragraph holds, respelt from the index."""

from __future__ import annotations

from itertools import islice
from typing import Any

from .. import syntax
from ..models import ENTITY_FIELDS
from .parsing import VARIANT_FIELDS, QueryParser, field_before

#: Longest word "did you mean" respells: no word is longer, and the search for near words
#: grows with the length (7 s for a word of 10,000 letters).
MAX_SUGGESTED_WORD = 40


def suggest(text: str, reader: Any, parser: QueryParser) -> str | None:
    """``text`` with each word that no paragraph holds replaced by the most frequent word
    of the index within one or two edits of it; None when there is nothing to respell."""
    tokens = syntax.tokenize(syntax.repair(text)[0])
    out, changed = [], False
    for i, token in enumerate(tokens):
        fieldname = field_before(tokens, i)
        better = None
        if (token.kind == "word" and token.text.isalpha() and 3 <= len(token.text) <= MAX_SUGGESTED_WORD
                and fieldname in VARIANT_FIELDS):
            better = _nearest(token.text, fieldname, reader, parser)
        out.append(better or token.text)
        changed = changed or better is not None
    return "".join(out) if changed else None


def _nearest(word: str, fieldname: str | None, reader: Any, parser: QueryParser) -> str | None:
    """The word of the index closest to ``word`` (within one or two edits), as a paragraph
    writes it; among equally close words, the most frequent. None if ``word`` is known."""
    lowered = word.lower()
    maxdist = 1 if len(lowered) <= 4 else 2
    fields = [fieldname] if fieldname in ENTITY_FIELDS else ["person", "org", "place", "group"]
    if any((name, lowered.encode("utf-8")) in reader for name in fields):
        return None
    candidates: list[tuple[str, int]] = []
    if fieldname not in ENTITY_FIELDS:
        analyzer = parser.schema["text"].analyzer
        stems = [t.text for t in analyzer(word, mode="query")]
        if not stems or parser.holds(word, fieldname, reader):
            return None
        for stem in reader.terms_within("text", stems[0], maxdist, prefix=1):
            surface = _surface(stem, lowered, reader, analyzer)
            if surface:
                candidates.append((surface, reader.doc_frequency("text", stem)))
    for name in fields:
        candidates += [(term, reader.doc_frequency(name, term))
                       for term in reader.terms_within(name, lowered, maxdist, prefix=1)]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (edit_distance(lowered, c[0]), -c[1]))[0]


def _surface(stem: str, typed: str, reader: Any, analyzer: Any) -> str | None:
    """How paragraphs write a stem ("economi": "economy"), the form nearest ``typed``."""
    forms: set[str] = set()
    for docnum in islice(reader.postings("text", stem).all_ids(), 5):
        paragraph = reader.stored_fields(docnum).get("text", "")
        forms.update(paragraph[t.startchar:t.endchar].lower()
                     for t in analyzer(paragraph, chars=True, mode="query") if t.text == stem)
    return min(forms, key=lambda form: edit_distance(typed, form)) if forms else None


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]
