"""searchidx: full-text search of news paragraphs with named-entity fields, on Whoosh.

The library API is :class:`SearchIndex` (open, create, add articles, search, stats)
and :func:`extract_entities` (NER on one text). ``extract_entities`` is imported on
first use, so that searching never loads spaCy.
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
from .index import SearchIndex, SearchResults
from .models import (
    ENTITY_FIELDS,
    Article,
    ArticleMentions,
    Entity,
    EntityCount,
    EntityPage,
    Explanation,
    Hit,
    IndexingReport,
    IndexStats,
    NameCount,
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
    "Hit",
    "IndexCorruptError",
    "IndexExistsError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexStats",
    "IndexVersionError",
    "IndexingReport",
    "InputError",
    "ModelError",
    "NameCount",
    "QueryError",
    "SearchIndex",
    "SearchResults",
    "SearchidxError",
    "extract_entities",
]


def __getattr__(name: str) -> Any:
    if name == "extract_entities":
        from .entities import extract_entities

        return extract_entities
    raise AttributeError(f"module 'searchidx' has no attribute {name!r}")
