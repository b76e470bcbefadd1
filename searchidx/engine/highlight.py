"""Hits as the fronts show them: the stored paragraph, its entities by canonical name, and
the fragment with the words the query matched marked (in the text and in entity mentions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from whoosh import query

from ..models import ENTITY_FIELDS, Entity, Hit
from ..ner import forms as names
from ..snippets import MAX_CHARS, best_fragment
from .matching import existing_terms
from .schema import CATCH_ALL

#: Fields whose matches are marked in a hit's fragment (the catch-all's, as the text's).
HIGHLIGHTED_FIELDS = frozenset(("text", *ENTITY_FIELDS))


class Marks(NamedTuple):
    """What to mark in a hit: words per field, and phrases as word sequences."""

    words: dict[str, set[str]]
    phrases: list[tuple[str, tuple[str, ...], int]]  # field, words, slop

    @classmethod
    def of(cls, parsed: Any, reader: Any) -> Marks:
        """The words and phrases of a parsed query that the index holds."""
        words: dict[str, set[str]] = {}
        for fieldname, term in existing_terms(parsed, reader):
            fieldname = "text" if fieldname == CATCH_ALL else fieldname
            if fieldname in HIGHLIGHTED_FIELDS:
                words.setdefault(fieldname, set()).add(term.decode("utf-8") if isinstance(term, bytes) else term)
        phrases = [("text" if leaf.fieldname == CATCH_ALL else leaf.fieldname, tuple(leaf.words), max(1, leaf.slop))
                   for leaf in parsed.leaves() if isinstance(leaf, query.Phrase)
                   and leaf.fieldname in HIGHLIGHTED_FIELDS | {CATCH_ALL}]
        return cls(words, phrases)

    def fields(self) -> set[str]:
        """The fields with something to mark."""
        return set(self.words) | {fieldname for fieldname, _, _ in self.phrases}

    def spans(self, fieldname: str, tokens: list[tuple[int, str, int, int]], shift: int) -> list[tuple[int, int]]:
        """Spans (moved by ``shift``) of the tokens (position, word, start, end) to mark."""
        wanted = self.words.get(fieldname, set())
        found = [(start + shift, end + shift) for _, word, start, end in tokens if word in wanted]
        for phrase_field, words, slop in self.phrases:
            if phrase_field != fieldname:
                continue
            for i, (position, word, _, _) in enumerate(tokens):
                if word != words[0]:
                    continue
                chain, last = [tokens[i]], position
                for next_word in words[1:]:
                    step = next((t for t in tokens if t[1] == next_word and 0 < t[0] - last <= slop), None)
                    if step is None:
                        break
                    chain.append(step)
                    last = step[0]
                if len(chain) == len(words):
                    found += [(start + shift, end + shift) for _, _, start, end in chain]
        return found


class HitMaker:
    """Builds :class:`~searchidx.models.Hit` records from stored paragraphs with one
    schema's analyzers (the text's and the names')."""

    def __init__(self, schema: Any) -> None:
        self._text = schema["text"].analyzer
        self._name = schema["person"].analyzer

    def hit(self, rank: int, found: Any, marks: Marks | None, whole: bool) -> Hit:
        """A search hit (Whoosh's ``Hit``), its matches marked when ``marks`` are given."""
        stored = found.fields()
        fragment = ""
        if marks is not None:
            text = stored.get("text", "")
            mentions = [Entity.from_stored(item) for item in stored.get("entities", ())]
            spans = self.match_spans(text, mentions, marks)
            fragment = best_fragment(text, spans, maxchars=len(text) if whole else MAX_CHARS)
        return stored_hit(rank, stored, float(found.score or 0.0), fragment)

    def match_spans(self, text: str, mentions: Sequence[Entity], marks: Marks) -> list[tuple[int, int]]:
        """Character spans of ``text`` that the query matched, in the text and in entity
        mentions. A phrase's words are marked only where they stand as the phrase."""
        spans: list[tuple[int, int]] = []
        if "text" in marks.fields():
            tokens = [(t.pos, t.text, t.startchar, t.endchar)
                      for t in self._text(text, chars=True, positions=True, mode="query")]
            spans += marks.spans("text", tokens, 0)
        for mention in mentions:
            if "text" in marks.fields() and mention.name and mention.name != mention.text:
                # an unfielded word matched by the canonical name ("haluk" for "Gorgun"): mark it all
                tokens = [(t.pos, t.text, 0, 0) for t in self._text(mention.name, positions=True, mode="query")]
                if marks.spans("text", tokens, 0):
                    spans.append((mention.start, mention.end))
            if mention.field in marks.fields():
                tokens = [(t.pos, t.text, t.startchar, t.endchar)
                          for t in self._name(mention.text, chars=True, positions=True)]
                spans += marks.spans(mention.field, tokens, mention.start)
                if mention.name and mention.name != mention.text:
                    # matched by its canonical name ("Haluk Gorgun" for "Gorgun"): mark it all
                    tokens = [(t.pos, t.text, 0, 0) for t in self._name(mention.name, positions=True)]
                    if marks.spans(mention.field, tokens, 0):
                        spans.append((mention.start, mention.end))
        return sorted(set(spans))


def entity_hit(rank: int, stored: dict[str, Any], fieldname: str, wanted: str) -> Hit:
    """A paragraph of an entity page, its mentions of the entity (by name key) marked."""
    text = stored.get("text", "")
    spans = [(m.start, m.end) for m in (Entity.from_stored(item) for item in stored.get("entities", ()))
             if m.field == fieldname and names.key(m.canonical) == wanted]
    return stored_hit(rank, stored, 0.0, best_fragment(text, spans, maxchars=MAX_CHARS))


def stored_hit(rank: int, stored: dict[str, Any], score: float, highlights: str) -> Hit:
    """A hit from a paragraph's stored fields, its entities by canonical name."""
    mentions = [Entity.from_stored(item) for item in stored.get("entities", ())]
    by_field: dict[str, dict[str, str]] = {name: {} for name in ENTITY_FIELDS}
    for mention in mentions:
        by_field[mention.field].setdefault(names.key(mention.canonical), mention.canonical)
    return Hit(
        rank=rank,
        article=stored["article"],
        paragraph=stored["paragraph"],
        score=round(score, 4),
        text=stored.get("text", ""),
        title=stored.get("title", ""),
        published=stored.get("date_text", ""),
        entities={name: list(values.values()) for name, values in by_field.items() if values},
        highlights=highlights,
    )
