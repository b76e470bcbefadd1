"""Plain data records that flow through searchidx: articles in, entities and hits out.

They hold no behaviour beyond serialisation, so every front (CLI, REPL, library users)
can print, store or send them without importing the search engine.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
class IndexStats:
    """Counts that describe an index on disk."""

    path: str
    articles: int
    paragraphs: int
    entities: dict[str, int]
    size_bytes: int
    model: str
    schema_version: int

    def to_dict(self) -> dict[str, Any]:
        """The statistics as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass
class IndexingReport:
    """What one indexing run or writer did. ``skipped`` counts files and records passed
    over, ``articles_missing`` the deletions of articles the index did not hold, and
    ``commits`` the commits made (a long run commits in batches)."""

    articles_added: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_deleted: int = 0
    articles_missing: int = 0
    paragraphs_written: int = 0
    #: paragraphs written again with the fields and names the whole corpus decided
    paragraphs_settled: int = 0
    skipped: int = 0
    commits: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class IndexCheck:
    """What reading a whole index found: ``problems`` (empty when it is sound), the files
    whose digests matched those recorded when they were written, and the paragraphs read."""

    path: str
    problems: list[str]
    files_verified: int
    paragraphs: int

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data."""
        return {**dataclasses.asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class EntityCount:
    """An entity of one field by its canonical name, with the paragraphs and articles naming it."""

    field: str
    name: str
    paragraphs: int
    articles: int

    def to_dict(self) -> dict[str, Any]:
        """The count as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class NameCount:
    """A name as written (or a role) and how many mentions use it."""

    name: str
    count: int


@dataclass(frozen=True)
class ArticleMentions:
    """An article that names an entity, and the numbers of the paragraphs that do."""

    article: str
    title: str
    published: str
    paragraphs: list[int]


@dataclass(frozen=True)
class EntityPage:
    """All an index knows about one entity: how it is written, where it is named, and the
    entities named most often in the same paragraphs (``related``, counted in paragraphs and
    articles shared). With a ``query``, only the paragraphs matching it count. ``also`` holds
    other names that what was asked for could have meant."""

    field: str
    name: str
    query: str
    paragraphs: int
    articles: int
    written: list[NameCount]
    roles: list[NameCount]
    mentions: list[ArticleMentions]
    hits: list[Hit]
    related: list[EntityCount]
    also: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The page as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TermScore:
    """One query term found in a hit, and the part of the hit's score it gave (BM25F)."""

    field: str
    term: str
    score: float


@dataclass(frozen=True)
class HitExplanation:
    """Why one paragraph matched: its score and the terms that made it."""

    article: str
    paragraph: int
    score: float
    terms: list[TermScore]


@dataclass(frozen=True)
class Explanation:
    """A query as the engine runs it, and, for its top hits, how their scores came about."""

    query: str
    parsed: str
    operator: str
    warnings: list[str]
    hits: list[HitExplanation]

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data."""
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


@dataclass(frozen=True)
class ExportReport:
    """What an export (:meth:`SearchIndex.export`) wrote: the folder, the index name, the mapping file, the bulk
    files in load order, the number of documents and the bytes of the bulk files."""

    folder: Path
    name: str
    mapping: Path
    files: list[Path] = field(default_factory=list)
    documents: int = 0
    size_bytes: int = 0

    def curl_commands(self, host: str = "http://localhost:9200") -> list[str]:
        """Shell commands that create the index and load the files into a cluster at ``host``."""
        base = host.rstrip("/")
        commands = [f"curl -XPUT {shlex.quote(f'{base}/{self.name}')} -H 'Content-Type: application/json' "
                    f"--data-binary {shlex.quote('@' + str(self.mapping))}"]
        commands += [f"curl -XPOST {shlex.quote(f'{base}/_bulk')} -H 'Content-Type: application/x-ndjson' "
                     f"--data-binary {shlex.quote('@' + str(path))}" for path in self.files]
        return commands

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (paths as text)."""
        data = dataclasses.asdict(self)
        data.update(folder=str(self.folder), mapping=str(self.mapping), files=[str(p) for p in self.files])
        return data
