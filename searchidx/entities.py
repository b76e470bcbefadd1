"""What an index knows about its entities: the lists of names by field and the page of
one entity (how it is written, where it is named, what is named beside it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .models import Hit


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
