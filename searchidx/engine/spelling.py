"""Did you mean: the words of a query that no paragraph holds, respelt from the index."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from .. import syntax
from ..models import ENTITY_FIELDS
from ..ner import forms as names
from .parsing import VARIANT_FIELDS, QueryParser, field_before
from .vocabulary import words_within

#: Longest word "did you mean" respells: no word is longer, and the search for near words
#: grows with the length (7 s for a word of 10,000 letters).
MAX_SUGGESTED_WORD = 40


def max_edits(typed: str) -> int:
    """How many edits a typed name may be from the name meant: 1 up to 5 letters, 2 up to
    12, 3 beyond (a typo a word, about)."""
    return 1 if len(typed) <= 5 else 2 if len(typed) <= 12 else 3


class NameList:
    """One entity field's whole names with their paragraph counts (most first), ready for
    finding the names nearest a misspelt one (``"arsene wengr"``: Arsene Wenger)."""

    def __init__(self, values: Sequence[tuple[str, int]]) -> None:
        self.values = list(values)
        self.keys = [names.key(name) for name, _ in self.values]
        self._words = "\n" + "\n".join(" " + " ".join(re.split(r"[^\w]+", key)) + " " for key in self.keys) + "\n"

    def names_words(self, typed: str) -> bool:
        """True when some name holds the words of ``typed`` in a row ("baker" in "James Baker")."""
        words = " ".join(word for word in re.split(r"[^\w]+", names.key(typed)) if word)
        return bool(words) and f" {words} " in self._words

    def nearest(self, typed: str, limit: int = 5) -> list[str]:
        """The names within :func:`max_edits` of ``typed`` (case and accents ignored), the
        closest first and, among equally close, the most frequent; ``typed`` itself left out."""
        wanted = names.key(typed)
        if len(wanted) < 3 or len(wanted) > 4 * MAX_SUGGESTED_WORD:
            return []
        from rapidfuzz import process  # loaded when first needed: one-shot searches start faster
        from rapidfuzz.distance import DamerauLevenshtein

        found = process.extract(wanted, self.keys, scorer=DamerauLevenshtein.distance, processor=None,
                                score_cutoff=max_edits(wanted), limit=None)
        ranked = sorted((distance, -self.values[i][1], i) for _, distance, i in found if distance > 0)
        chosen: dict[str, str] = {}
        for _, _, i in ranked:
            chosen.setdefault(self.keys[i], self.values[i][0])
        return list(chosen.values())[:limit]


def suggest(text: str, reader: Any, parser: QueryParser,
            name_list: Callable[[str], NameList] | None = None) -> str | None:
    """``text`` with each word that no paragraph holds replaced by the most frequent word
    of the index within one or two edits of it, and each quoted name of an entity field
    that no paragraph names (``person:"arsene wengr"``) by the nearest whole name of that
    field (from ``name_list(field)``); None when there is nothing to respell."""
    tokens = syntax.tokenize(syntax.repair(text)[0])
    out, changed = [], False
    for i, token in enumerate(tokens):
        fieldname = field_before(tokens, i)
        better = None
        if (token.kind == "word" and token.text.isalpha() and 3 <= len(token.text) <= MAX_SUGGESTED_WORD
                and fieldname in VARIANT_FIELDS):
            better = _nearest(token.text, fieldname, reader, parser)
        elif (token.kind == "phrase" and token.text.endswith('"') and fieldname in ENTITY_FIELDS
              and name_list is not None):
            better = _nearest_name(token.text[1:-1], fieldname, reader, name_list)
        out.append(better or token.text)
        changed = changed or better is not None
    return "".join(out) if changed else None


def _nearest_name(phrase: str, fieldname: str, reader: Any, name_list: Callable[[str], NameList]) -> str | None:
    """The quoted whole name nearest ``phrase`` in ``fieldname`` when no name of that field
    holds its words in a row; None when one does."""
    known = name_list(fieldname)
    if known.names_words(phrase):
        return None
    nearest = known.nearest(phrase, limit=1)
    return f'"{nearest[0]}"' if nearest else None


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
        for stem in words_within(reader, "text", stems[0], maxdist):
            surface = _surface(stem, lowered, reader, analyzer)
            if surface:
                candidates.append((surface, reader.doc_frequency("text", stem)))
    for name in fields:
        candidates += [(term, reader.doc_frequency(name, term))
                       for term in words_within(reader, name, lowered, maxdist)]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (edit_distance(lowered, c[0]), -c[1]))[0]


def _surface(stem: str, typed: str, reader: Any, analyzer: Any) -> str | None:
    """How paragraphs write a stem ("economi": "economy"), the form nearest ``typed``. Only
    the words that start as the stem does are analysed: a stem keeps its word's first
    letters, and analysing whole paragraphs for each candidate stem took most of a search's
    time."""
    starting = re.compile(rf"(?<!\w){re.escape(stem[:2])}\w*(?:\.?\w+)*", re.IGNORECASE)
    forms: set[str] = set()
    for docnum in islice(reader.postings("text", stem).all_ids(), 5):
        paragraph = reader.stored_fields(docnum).get("text", "")
        forms.update(word.lower() for word in starting.findall(paragraph)
                     if [t.text for t in analyzer(word, mode="query")] == [stem])
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
