"""Writing paragraphs: one document per paragraph of an article, added and removed by
whole articles inside one Whoosh write."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..dates import parse_date
from ..models import ENTITY_FIELDS, Article, Entity
from ..variants import fold
from . import compat
from .codec import CompactCodec
from .schema import CATCH_ALL, DEFAULT_FIELDS

if TYPE_CHECKING:
    from .evidence import Journal

_WORD = re.compile(r"\w+")
#: The merge policy's tiers: segments of up to BASE paragraphs are tier 0, each tier FANOUT
#: times larger than the one below; FANOUT segments of a tier are merged into one of the next.
MERGE_BASE = 4000
MERGE_FANOUT = 4


#: A batch of a long run is committed once the writer's buffer of postings is this full,
#: before Whoosh starts writing it to temporary files (see :func:`.compat.buffer_share`).
FULL_BUFFER = 0.75


class ParagraphWriter:
    """Adds and removes the paragraphs of whole articles inside one Whoosh write, keeping
    their evidence for the corpus step in :attr:`journal` when given one."""

    def __init__(self, writer: Any, journal: Journal | None = None) -> None:
        self._writer = writer
        #: what this write adds to and takes from the corpus's evidence (see :mod:`.evidence`)
        self.journal = journal
        self._base: Any = None  # a reader of the commit this write started from (deleted paragraphs)
        #: True once anything was added or deleted
        self.changed = False

    @property
    def generation(self) -> int:
        """The number of the commit this write started from."""
        return int(self._writer.generation) - 1

    @property
    def full(self) -> bool:
        """True once the postings held for the commit fill :data:`FULL_BUFFER` of the
        writer's memory: a long run should commit now rather than write more."""
        return compat.buffer_share(self._writer) >= FULL_BUFFER

    def delete_article(self, article_id: str) -> None:
        """Remove every paragraph of an article."""
        if self.journal is not None:
            for text, mentions in self._stored(article_id):
                self.journal.removed.observe(text, mentions, article_id)
        self._writer.delete_by_term("article", article_id)
        self.changed = True

    def add_article(self, article: Article, fingerprint: str, entities: Iterable[Sequence[Entity]]) -> int:
        """Write one document per paragraph of ``article``; returns how many were written."""
        written = 0
        for number, (paragraph, mentions) in enumerate(zip(article.paragraphs, entities), start=1):
            self._add(article.id, number, article.title, article.date, paragraph, fingerprint, mentions)
            if self.journal is not None and mentions:
                self.journal.added.observe(paragraph, mentions, article.id)
            written += 1
        return written

    def _stored(self, article_id: str) -> Iterator[tuple[str, list[Entity]]]:
        """The text and stored mentions of an article's live paragraphs with any, in the
        commit this write started from."""
        if self._base is None:
            self._base = self._writer.reader()
        reader = self._base
        for docnum in paragraphs_of(reader, article_id):
            stored = reader.stored_fields(docnum)
            mentions = [Entity.from_stored(item) for item in stored.get("entities", ())]
            if mentions:
                yield stored["text"], mentions

    def close(self) -> None:
        """Close what this writer opened to read (before its commit)."""
        if self._base is not None:
            self._base.close()
            self._base = None

    def reader(self) -> Any:
        """A reader of the commit this write started from (a context manager): its document
        numbers are those :meth:`rewrite` takes."""
        return self._writer.reader()

    def rewrite(self, docnum: int, stored: Mapping[str, Any], fingerprint: str, mentions: Sequence[Entity]) -> None:
        """Write paragraph ``docnum`` (of :meth:`reader`) again from its stored fields, with
        ``mentions`` for its entities (their fields or names decided anew; the NER model is
        not run again)."""
        if self.journal is not None:
            self.journal.settled = True
            if len(mentions) != len(stored.get("entities", ())):
                self.journal.exact = False  # (mentions that are no names dropped: see corpus.settled)
        self._writer.delete_document(docnum)  # (by number: deleting by term opens a searcher each time)
        self._add(stored["article"], stored["paragraph"], stored.get("title", ""), stored.get("date_text", ""),
                  stored["text"], fingerprint, mentions)

    def _add(self, article_id: str, number: int, title: str, date: str, paragraph: str, fingerprint: str,
             mentions: Sequence[Entity]) -> None:
        doc: dict[str, Any] = {
            "article": article_id,
            "fingerprint": f"{article_id}\x1f{fingerprint}",
            "title": title,
            "paragraph": number,
            "text": paragraph,
            "entities": [m.stored() for m in mentions],
            "date_text": date,
        }
        published = parse_date(date)
        if published is not None:
            doc["published"] = published
        doc[CATCH_ALL] = catch_all(title, paragraph, mentions)
        for name in ENTITY_FIELDS:
            canonical = list(dict.fromkeys(m.canonical for m in mentions if m.field == name))
            if canonical:
                as_written = [m.text for m in mentions if m.field == name]
                doc[name] = "\n".join(dict.fromkeys([*canonical, *as_written]))
                doc[f"{name}_exact"] = ",".join(v.replace(",", " ") for v in canonical)
        self._writer.add_document(**doc)
        self.changed = True


def catch_all(title: str, text: str, mentions: Sequence[Entity]) -> str:
    """What the catch-all field holds (see :mod:`.schema`): the title, the text, and the
    words of the entities' canonical names that the text does not write, each once."""
    written = set(_WORD.findall(fold(text)))
    extra = []
    for mention in mentions:
        if mention.field in DEFAULT_FIELDS and mention.name:
            for word in _WORD.findall(fold(mention.name)):
                if word not in written:
                    written.add(word)
                    extra.append(word)
    return "\n".join(part for part in (title, text, " ".join(extra)) if part)


def tier(paragraphs: int) -> int:
    """The size tier of a segment of ``paragraphs`` documents (see :func:`merge_tiers`)."""
    return max(0, math.floor(math.log(max(paragraphs, 1) / MERGE_BASE, MERGE_FANOUT)) + 1) \
        if paragraphs > MERGE_BASE else 0


def to_merge(sizes: Sequence[int], writing: int = 0) -> list[int]:
    """Which segments (by position in ``sizes``, their document counts) a commit merges into
    the segment it writes (``writing`` documents): those of every tier up to the lowest that
    holds ``MERGE_FANOUT`` segments counting the new one, so that each paragraph is rewritten
    about once per tier (log of the index size) and an index holds fewer than
    ``MERGE_FANOUT`` segments per tier: a few, where Whoosh's own policy leaves one per commit
    of a long run (18 for Reuters), each searched in turn. The new segment counts, so that
    the commit that fills a tier merges it: a large write (a run's settle) pays for its own
    merge instead of leaving it to the next small run."""
    tiers = [tier(size) for size in sizes]
    every = tiers + [tier(writing)] if writing else tiers
    full = [t for t in sorted(set(every)) if every.count(t) >= MERGE_FANOUT]
    if not full:
        return []
    return [i for i, t in enumerate(tiers) if t <= full[0]]


def merge_tiers(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy (``writer.commit(mergetype=merge_tiers)``): merge the segments
    :func:`to_merge` picks into the segment being written, and those written by another
    codec than searchidx's (an index built before it: twice its size), so that the first
    commit after an upgrade rewrites them; returns the segments kept."""

    chosen = set(to_merge([segment.doc_count_all() for segment in segments], writer.doc_count()))
    chosen.update(i for i, segment in enumerate(segments) if type(segment.codec()) is not CompactCodec)
    merge_all(writer, [segments[i] for i in sorted(chosen)])
    return [segment for i, segment in enumerate(segments) if i not in chosen]


def merge_all(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge policy that merges every segment into the one being written (see
    :func:`.compat.merge_segment`)."""
    from whoosh.reading import SegmentReader

    for segment in segments:
        compat.merge_segment(writer, SegmentReader(writer.storage, writer.schema, segment))
    return []


def discard(writer: Any, ix: Any) -> None:
    """Cancel a Whoosh writer and remove the files it had begun (Whoosh leaves them until a
    later commit cleans up). Works when the writer failed half-way through a commit (a
    full disk): unless its table of contents was written, the index stays at its last
    commit."""
    compat.cancel_writer(writer, ix)


#: Asked for more articles than the index's paragraphs over this, :func:`fingerprints` reads
#: every article's (an article has five or six paragraphs in BBC and Reuters).
WHOLE_FINGERPRINTS = 20


def paragraphs_of(reader: Any, article_id: str) -> list[int]:
    """The live paragraphs of an article (Whoosh's postings leave out deleted documents)."""
    if ("article", article_id) not in reader:
        return []
    return list(reader.postings("article", article_id).all_ids())


def fingerprints(reader: Any, articles: Iterable[str] | None = None) -> dict[str, str]:
    """Article id -> fingerprint of the text its live paragraphs were indexed from, for
    ``articles`` (None: every article). Read a segment at a time: a replaced or deleted
    article's term stays in its segment's lexicon until the segment is merged away, so in
    a segment with deletions a term counts only when one of its documents is live (looked
    up in that segment alone: through Whoosh's reader of all segments it took four times as
    long on all of Reuters). Many articles are read as every one is: each asked for costs
    about as much as reading five or six others (all of Reuters: 8,000 asked for 1.1 s, all
    21,268 read 0.53 s)."""
    if articles is not None:
        articles = set(articles)
        if len(articles) > reader.doc_count() // WHOLE_FINGERPRINTS:
            return {article: print_ for article, print_ in fingerprints(reader).items() if article in articles}
    out: dict[str, str] = {}
    wanted = None if articles is None else [f"{article}\x1f" for article in articles]
    for leaf, _ in reader.leaf_readers():
        deletions = leaf.has_deletions()
        terms = leaf.lexicon("fingerprint") if wanted is None else (
            term for prefix in wanted for term in leaf.expand_prefix("fingerprint", prefix))
        for term in terms:
            if deletions:
                ids, deleted = compat.posting_ids(leaf.postings("fingerprint", term))
                if ids <= deleted:
                    continue
            article, _, fingerprint = term.decode("utf-8").rpartition("\x1f")
            out.setdefault(article, fingerprint)
    return out
