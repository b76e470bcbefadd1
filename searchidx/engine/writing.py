"""Writing paragraphs: one document per paragraph of an article, added and removed by
whole articles inside one Whoosh write."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..dates import parse_date
from ..models import ENTITY_FIELDS, Article, Entity
from . import compat


class ParagraphWriter:
    """Adds and removes the paragraphs of whole articles inside one Whoosh write."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer
        #: True once anything was added or deleted
        self.changed = False

    def delete_article(self, article_id: str) -> None:
        """Remove every paragraph of an article."""
        self._writer.delete_by_term("article", article_id)
        self.changed = True

    def add_article(self, article: Article, fingerprint: str, entities: Iterable[Sequence[Entity]]) -> int:
        """Write one document per paragraph of ``article``; returns how many were written."""
        published = parse_date(article.date)
        written = 0
        for number, (paragraph, mentions) in enumerate(zip(article.paragraphs, entities), start=1):
            doc: dict[str, Any] = {
                "id": f"{article.id}#{number}",
                "article": article.id,
                "fingerprint": f"{article.id}\x1f{fingerprint}",
                "title": article.title,
                "paragraph": number,
                "text": paragraph,
                "entities": [(m.text, m.field, m.start, m.end, m.canonical, m.role) for m in mentions],
                "date_text": article.date,
            }
            if published is not None:
                doc["published"] = published
            for name in ENTITY_FIELDS:
                canonical = list(dict.fromkeys(m.canonical for m in mentions if m.field == name))
                if canonical:
                    as_written = [m.text for m in mentions if m.field == name]
                    doc[name] = "\n".join(dict.fromkeys([*canonical, *as_written]))
                    doc[f"{name}_exact"] = ",".join(v.replace(",", " ") for v in canonical)
            self._writer.add_document(**doc)
            self.changed = True
            written += 1
        return written


def discard(writer: Any, ix: Any) -> None:
    """Cancel a Whoosh writer and remove the files it had begun (Whoosh leaves them until a
    later commit cleans up). Works when the writer failed half-way through a commit (a
    full disk): unless its table of contents was written, the index stays at its last
    commit."""
    compat.cancel_writer(writer, ix)


def fingerprints(reader: Any) -> dict[str, str]:
    """Article id -> fingerprint of the text its live paragraphs were indexed from."""
    found: dict[str, list[str]] = {}
    for term in reader.lexicon("fingerprint"):
        article, _, fingerprint = term.decode("utf-8").rpartition("\x1f")
        found.setdefault(article, []).append(fingerprint)
    out = {}
    deletions = reader.has_deletions()
    for article, prints in found.items():
        if deletions:
            # a replaced or deleted article's term stays in the lexicon until its
            # segment is merged away; only a term with live (undeleted) documents counts
            prints = [f for f in prints if reader.postings("fingerprint", f"{article}\x1f{f}").is_active()]
        if prints:
            out[article] = prints[0]
    return out
