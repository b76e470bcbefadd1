"""Plain data records that flow through searchidx: articles in, entities and hits out.

They hold no behaviour beyond serialisation, so every front (CLI, REPL, library users)
can print, store or send them without importing the search engine. What other operations
report lives beside them, each where a search does not import it (creating a data class
costs about a millisecond of start-up): :mod:`.reports` (indexing, stats, checks,
exports), :mod:`.entities` (entity lists and pages), :mod:`.explanations` (``explain``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The entity fields of every paragraph, in display order.
ENTITY_FIELDS: tuple[str, ...] = ("person", "org", "place", "date", "group", "misc")


@dataclass(frozen=True)
class Article:
    """One news article as read from a file or a JSON Lines record.

    ``paragraphs`` never holds the title; ``date`` is the publication date as written
    (ISO 8601 when the source gives one), ``source`` says where the article came from.
    """

    id: str
    paragraphs: tuple[str, ...]
    title: str = ""
    date: str = ""
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Entity:
    """A named entity found in a text: its words as written, its field, its character
    offsets, and once the indexer has resolved it, its canonical ``name`` ("Haluk Gorgun"
    for a later "Gorgun") and a person's ``role`` (a title written before the name)."""

    text: str
    field: str
    start: int
    end: int
    name: str = ""
    role: str = ""

    #: The field and canonical name its article gave it, when the corpus decided others
    #: (see :mod:`searchidx.ner.corpus`); empty otherwise.
    found_as: tuple[str, ...] = ()

    @property
    def canonical(self) -> str:
        """The canonical name, or the text as written when there is none."""
        return self.name or self.text

    @property
    def own(self) -> tuple[str, str]:
        """The field and canonical name its article gave it (before the corpus decided)."""
        return (self.found_as[0], self.found_as[1]) if self.found_as else (self.field, self.canonical)

    def stored(self) -> tuple[Any, ...]:
        """The mention as an index stores it (read back with :meth:`from_stored`)."""
        return (self.text, self.field, self.start, self.end, self.canonical, self.role, *self.found_as)

    @classmethod
    def from_stored(cls, item: Sequence[Any]) -> Entity:
        """A mention from its stored tuple (older indexes store six items, newer up to eight)."""
        text, field, start, end, *rest = item
        name, role = (*rest[:2], "", "")[:2]
        return cls(text, field, start, end, name, role, tuple(rest[2:4]))


@dataclass(frozen=True)
class Hit:
    """One matching paragraph of a search, ready to print or serialise."""

    rank: int
    article: str
    paragraph: int
    score: float
    text: str
    title: str = ""
    published: str = ""
    entities: dict[str, list[str]] = field(default_factory=dict)
    highlights: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The hit as JSON-ready data (the shape of one ``--format jsonl`` line)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SearchResults:
    """The hits of one search (iterable), with the total number of matching paragraphs:
    exact, or a lower bound (``total_exact`` False; shown as ``10,000+``) when counting them
    all would cost more than the search, or the time limit cut the count short."""

    query: str
    hits: list[Hit]
    total: int
    seconds: float
    offset: int = 0
    warnings: list[str] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    total_exact: bool = True

    @property
    def total_text(self) -> str:
        """The total as shown: ``17``, or ``10,000+`` for a lower bound."""
        return f"{self.total}" if self.total_exact else f"{self.total:,}+"

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def to_dict(self) -> dict[str, Any]:
        """The results as JSON-ready data (the shape of ``searchidx search --format json``):
        the query, the total, the offset, the time, the warnings and the hits, with the
        suggestion and the facets when there are any."""
        document: dict[str, Any] = {"query": self.query, "total": self.total, "total_exact": self.total_exact,
                                    "offset": self.offset,
                                    "seconds": round(self.seconds, 4), "warnings": self.warnings,
                                    "hits": [hit.to_dict() for hit in self.hits]}
        if not self.total_exact:
            document["total_exact"] = False
        if self.suggestion:
            document["suggestion"] = self.suggestion
        if self.facets:
            document["facets"] = {name: [{"name": value, "count": count} for value, count in values]
                                  for name, values in self.facets.items()}
        return document
