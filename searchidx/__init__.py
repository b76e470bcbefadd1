"""searchidx: full-text search of news paragraphs with named-entity fields, on Whoosh.

The library API is :class:`SearchIndex` (open, create, add and delete articles, search,
explain, browse entities, stats, export), :class:`IndexWriter` (several changes in one
commit) and :func:`extract_entities` (NER on one text). Results are plain dataclasses with
``to_dict()`` for JSON. ``extract_entities`` is imported on first use, so that searching
never loads spaCy. docs/api.md is the reference.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .errors import (
    EntityNotFoundError,
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
from .export import ExportReport
from .index import IndexWriter, SearchIndex, SearchResults
from .models import (
    ENTITY_FIELDS,
    Article,
    ArticleMentions,
    Entity,
    EntityCount,
    EntityPage,
    Explanation,
    Hit,
    HitExplanation,
    IndexCheck,
    IndexingReport,
    IndexStats,
    NameCount,
    TermScore,
)

if TYPE_CHECKING:
    from .entities import extract_entities

__version__ = "0.1.0"

# A library never prints: its warnings reach the application only if it configures logging.
logging.getLogger("searchidx").addHandler(logging.NullHandler())

__all__ = [
    "ENTITY_FIELDS",
    "EntityNotFoundError",
    "Article",
    "ArticleMentions",
    "Entity",
    "EntityCount",
    "EntityPage",
    "Explanation",
    "ExportReport",
    "Hit",
    "HitExplanation",
    "IndexCheck",
    "IndexCorruptError",
    "IndexExistsError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexStats",
    "IndexVersionError",
    "IndexWriter",
    "IndexingReport",
    "InputError",
    "ModelError",
    "NameCount",
    "QueryError",
    "SearchIndex",
    "SearchResults",
    "SearchidxError",
    "TermScore",
    "extract_entities",
]


def __getattr__(name: str) -> Any:
    if name == "extract_entities":
        from .entities import extract_entities

        return extract_entities
    raise AttributeError(f"module 'searchidx' has no attribute {name!r}")
