"""searchidx: full-text search of news paragraphs with named-entity fields, on Whoosh.

The library API is :class:`SearchIndex` (open, create, add and delete articles, search,
explain, browse entities, stats, export), :class:`IndexWriter` (several changes in one
commit) and :func:`extract_entities` (NER on one text); :class:`SearchOptions` and
:class:`IndexingOptions` hold the tunables. Results are plain dataclasses with
``to_dict()`` for JSON. Each is imported on first use, so that searching never loads spaCy
nor what only indexing, checks or entity pages need. docs/api.md is the reference.
"""

from __future__ import annotations

import importlib
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

if TYPE_CHECKING:
    from .entities import ArticleMentions, EntityCount, EntityPage, NameCount
    from .explanations import Explanation, HitExplanation, TermScore
    from .index import SearchIndex
    from .indexing import IndexWriter
    from .models import ENTITY_FIELDS, Article, Entity, Hit, SearchResults
    from .ner.model import extract_entities
    from .reports import ExportReport, IndexCheck, IndexingReport, IndexStats
    from .settings import IndexingOptions, SearchOptions

#: Where each name exported here is defined: imported on first use, so that a search loads
#: neither spaCy (``extract_entities``) nor the indexing machinery nor the records it does not
#: return.
_EXPORTS = {
    "SearchIndex": "index", "IndexWriter": "indexing", "extract_entities": "ner.model",
    "IndexingOptions": "settings", "SearchOptions": "settings",
    **{name: "models" for name in ("ENTITY_FIELDS", "Article", "Entity", "Hit", "SearchResults")},
    **{name: "reports" for name in ("ExportReport", "IndexCheck", "IndexingReport", "IndexStats")},
    **{name: "entities" for name in ("ArticleMentions", "EntityCount", "EntityPage", "NameCount")},
    **{name: "explanations" for name in ("Explanation", "HitExplanation", "TermScore")},
}

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
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'searchidx' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
