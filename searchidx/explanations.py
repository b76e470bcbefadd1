"""How a query ran and how its top hits' scores came about (``explain``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


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
