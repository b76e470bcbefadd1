"""searchidx: full-text search of news paragraphs with named-entity fields, on Whoosh.

The library API is :class:`SearchIndex` (open, create, add and delete articles, search,
explain, browse entities, stats, export), :class:`IndexWriter` (several changes in one
commit) and :func:`extract_entities` (NER on one text); :class:`SearchOptions` and
:class:`IndexingOptions` hold the tunables. Results are plain dataclasses with
``to_dict()`` for JSON. ``extract_entities`` and ``IndexWriter`` are imported on first use,
so that searching never loads spaCy. docs/api.md is the reference.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .errors import (
    DiskFullError,
    EntityNotFoundError,
    IndexAccessError,
    IndexCorruptError,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    InputError,
    ModelError,
    QueryError,
    SearchidxError,
)
from .index import SearchIndex
from .models import (
    ENTITY_FIELDS,
    Article,
    ArticleMentions,
    Entity,
    EntityCount,
    EntityPage,
    Explanation,
    ExportReport,
    Hit,
    HitExplanation,
    IndexCheck,
    IndexingReport,
    IndexStats,
    NameCount,
    SearchResults,
    TermScore,
)
from .settings import IndexingOptions, SearchOptions

if TYPE_CHECKING:
    from .indexing import IndexWriter
    from .ner.model import extract_entities

__version__ = "0.1.0"

# A library never prints: its warnings reach the application only if it configures logging.
logging.getLogger("searchidx").addHandler(logging.NullHandler())

__all__ = [
    "ENTITY_FIELDS",
    "Article",
    "ArticleMentions",
    "DiskFullError",
    "Entity",
    "EntityCount",
    "EntityNotFoundError",
    "EntityPage",
    "Explanation",
    "ExportReport",
    "Hit",
    "HitExplanation",
    "IndexAccessError",
    "IndexCheck",
    "IndexCorruptError",
    "IndexExistsError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexStats",
    "IndexVersionError",
    "IndexWriter",
    "IndexingOptions",
    "IndexingReport",
    "InputError",
    "ModelError",
    "NameCount",
    "QueryError",
    "SearchIndex",
    "SearchOptions",
    "SearchResults",
    "SearchidxError",
    "TermScore",
    "extract_entities",
]


def __getattr__(name: str) -> Any:
    # imported on first use: searching needs neither spaCy nor the indexing machinery
    if name == "extract_entities":
        from .ner.model import extract_entities

        return extract_entities
    if name == "IndexWriter":
        from .indexing import IndexWriter

        return IndexWriter
    raise AttributeError(f"module 'searchidx' has no attribute {name!r}")
