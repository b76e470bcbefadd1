"""Indexing: articles in, analysed and written in batches, unchanged ones skipped.

An :class:`IndexingRun` is one run over many articles (``searchidx index``,
:meth:`SearchIndex.add_paths`): it keeps its own state (what the index holds, what is
pending, what was seen) and its counts in an :class:`~searchidx.models.IndexingReport`.
An :class:`IndexWriter` adds, replaces and deletes articles one at a time in one commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager
from itertools import islice
from typing import TYPE_CHECKING

from .articles import MAX_PARAGRAPH_CHARS, SKIPPED, limit_paragraphs, split_blocks
from .engine import ParagraphWriter
from .errors import InputError
from .models import Article, Entity
from .ner.corpus import Catalogue, Decision, settled
from .reports import IndexingReport
from .settings import IndexingOptions, default_workers

if TYPE_CHECKING:
    from .engine.evidence import Journal

log = logging.getLogger("searchidx")

#: Bumped when entity extraction changes, so that re-indexing re-analyses every article.
PIPELINE_VERSION = 3

Progress = Callable[[int, "int | None"], None]
Warn = Callable[[str], None]
#: Opens a writer: (report, known fingerprints) -> context manager of an IndexWriter.
OpenWriter = Callable[[IndexingReport, "MutableMapping[str, str]"], AbstractContextManager["IndexWriter"]]
#: Articles whose fingerprints a run asks of the index by id before it reads them all at
#: once: in an index of all of Reuters an id took about 0.1 ms (and a reader for each chunk
#: 2 ms), reading all 19,043 0.44 s; after 2,000 ids an unchanged Reuters took 0.5 s longer.
LOOKUPS = 500


def fingerprint(article: Article, model: str) -> str:
    """A digest of what an article's index documents are made from (text, title, date, model)."""
    digest = hashlib.blake2b(digest_size=12)
    for part in (str(PIPELINE_VERSION), model, article.title, article.date, *article.paragraphs):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


class Fingerprints(MutableMapping[str, str]):
    """Article id -> fingerprint of what the index holds (see :func:`fingerprint`), as a
    writing run sees it: the run's own writes and deletions over what the index held. The
    index is asked only about the articles the run meets (:meth:`ask`), so that adding a few
    articles to a large index reads no more of it than their own; after :data:`LOOKUPS`
    articles, or to list them all, it reads every fingerprint at once. An index ``empty``
    when the run began is never asked."""

    def __init__(self, read: Callable[[Iterable[str] | None], dict[str, str]], empty: bool = False) -> None:
        self._read = read  #: the index's fingerprints of some articles (None: of all)
        self.began_empty = empty
        self._held: dict[str, str] = {}  # what the index held of the articles asked
        self._asked: set[str] = set()
        self._whole = empty  # every article asked
        self._changes: dict[str, str | None] = {}  # the run's own (None: deleted)

    def ask(self, article_ids: Iterable[str]) -> None:
        """Ask the index about ``article_ids`` at once (one reader for them all)."""
        if self._whole:
            return
        new = {i for i in article_ids if i not in self._asked and i not in self._changes}
        if not new:
            return
        if len(self._asked) + len(new) > LOOKUPS:
            self._read_whole()
            return
        self._held.update(self._read(new))
        self._asked |= new

    def _read_whole(self) -> None:
        if not self._whole:
            self._held, self._whole = self._read(None), True

    def __getitem__(self, article_id: str) -> str:
        if article_id in self._changes:
            digest = self._changes[article_id]
            if digest is None:
                raise KeyError(article_id)
            return digest
        self.ask([article_id])
        return self._held[article_id]

    def __setitem__(self, article_id: str, digest: str) -> None:
        self._changes[article_id] = digest

    def __delitem__(self, article_id: str) -> None:
        if article_id not in self:
            raise KeyError(article_id)
        self._changes[article_id] = None

    def __iter__(self) -> Iterator[str]:
        self._read_whole()
        ids = self._held.keys() | self._changes.keys()
        return iter([i for i in ids if self._changes.get(i, self._held.get(i)) is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class IndexWriter:
    """Adds, replaces and deletes articles inside one commit (from :meth:`SearchIndex.writer`).

    Adding is idempotent as in :meth:`SearchIndex.add_paths`: an article already indexed
    with the same text is skipped, one with changed text replaces the old one. Entities
    are found in this process (the NER model loads once, at the first article added).
    ``report`` counts what the writer did.
    """

    def __init__(self, model: str, paragraphs: ParagraphWriter, known: MutableMapping[str, str],
                 report: IndexingReport, decisions: Mapping[str, Decision] | None = None) -> None:
        self._model = model
        self._paragraphs = paragraphs
        self._known = known
        self._decisions = decisions or {}
        self._touched: set[str] = set()
        self.report = report

    @property
    def changed(self) -> bool:
        """True once this writer added or deleted anything (else it will not commit)."""
        return self._paragraphs.changed

    @property
    def full(self) -> bool:
        """True once what this writer holds for its commit fills most of its memory."""
        return self._paragraphs.full

    @property
    def journal(self) -> Journal | None:
        """What this writer's commit adds to and takes from the corpus step's evidence."""
        return self._paragraphs.journal

    def add(self, article: Article) -> bool:
        """Add or replace ``article``; False when the index already holds it unchanged."""
        from .analysis import analyse

        if not article.paragraphs:
            raise InputError(f"article {article.id!r} has no text")
        article = limited(article, log.warning)
        digest = fingerprint(article, self._model)
        previous = self._known.get(article.id)
        if previous == digest:
            self.report.articles_unchanged += 1
            return False
        self._check_untouched(article.id)
        [(_, [mentions])] = analyse([[article]], self._model, 1)
        self.put(article, digest, mentions, previous is not None)
        return True

    def add_article(self, text: str, id: str, title: str = "", date: str = "") -> bool:
        """Add or replace an article given as text (paragraphs separated by blank lines)."""
        return self.add(Article(id=id, paragraphs=tuple(split_blocks(text)), title=title, date=date))

    def delete(self, article_id: str) -> bool:
        """Remove an article's paragraphs; False when the index does not hold it."""
        if article_id not in self._known:
            self.report.articles_missing += 1
            return False
        self._check_untouched(article_id)
        self._paragraphs.delete_article(article_id)
        del self._known[article_id]
        self.report.articles_deleted += 1
        return True

    def _check_untouched(self, article_id: str) -> None:
        # Whoosh cannot take back a document added before the commit: an id is written once per commit
        if article_id in self._touched:
            raise InputError(f"article {article_id!r} was already added or deleted in this commit")
        self._touched.add(article_id)

    def put(self, article: Article, digest: str, mentions: Sequence[Sequence[Entity]], replacing: bool) -> None:
        """Write an analysed article (replacing its old paragraphs when ``replacing``)."""
        if replacing:
            self._paragraphs.delete_article(article.id)
            self.report.articles_updated += 1
        else:
            self.report.articles_added += 1
        self._known[article.id] = digest
        if self._decisions:  # the names the corpus has decided already (see searchidx.ner.corpus)
            mentions = [[settled(m, self._decisions) or m for m in found] for found in mentions]
        self.report.paragraphs_written += self._paragraphs.add_article(article, digest, mentions)


class IndexingRun:
    """One run over many articles: new and changed ones are analysed (NER in worker
    processes for large runs) and written, committed every ``options.commit_every`` articles
    (sooner when the writer's memory fills); unchanged ones and ids seen before in the run
    are skipped.

    Commits come in batches, so that a run killed half-way keeps what it committed and the
    next run skips it (a rebuild runs into an index of its own, then swaps it in).

    A run into an index that was empty (``known.began_empty``) adds up the corpus step's
    evidence of what its writers wrote (their journals: :mod:`searchidx.engine.evidence`) in
    :attr:`evidence`, so that the step at the end decides without reading every paragraph's
    mentions back, or the journals' files.
    """

    def __init__(self, model: str, known: Fingerprints, report: IndexingReport, options: IndexingOptions,
                 warn: Warn, on_progress: Progress | None = None, total: int | None = None) -> None:
        if options.commit_every < 1:
            raise InputError(f"commit_every must be at least 1, not {options.commit_every}")
        self.model = model
        self.known = known  #: article id -> fingerprint, of what the index holds
        self.report = report
        self.options = options
        self.total = total
        self._warn = warn
        self._on_progress = on_progress
        self._pending: dict[str, tuple[str, bool]] = {}  # article id -> (fingerprint, replaces an older one)
        self._seen: set[str] = set()
        self._done = 0
        #: the corpus step's evidence of every paragraph written (a run into an empty index,
        #: whose articles are then those of ``known``)
        self.evidence: Catalogue | None = Catalogue() if known.began_empty else None

    def run(self, articles: Iterable[Article], open_writer: OpenWriter) -> IndexingReport:
        """Analyse and write ``articles`` through writers from ``open_writer``; the report."""
        from .analysis import analyse

        size = min(self.options.chunk_articles, self.options.commit_every)  # a batch ends with a chunk
        changed = self._changed(articles, size)
        chunks = iter(lambda: list(islice(changed, size)), [])
        workers = self.options.workers or default_workers(self.total)
        analysed = analyse(chunks, self.model, workers, self.options.cluster)
        finished = False
        while not finished:
            with open_writer(self.report, self.known) as writer:
                batch = 0
                for chunk, mentions in analysed:
                    for article, found in zip(chunk, mentions):
                        digest, replacing = self._pending.pop(article.id)
                        writer.put(article, digest, found, replacing)
                        self._progress()
                    batch += len(chunk)
                    if batch >= self.options.commit_every or writer.full:
                        break
                else:
                    finished = True
            if batch:  # (a writer that wrote nothing did not commit)
                self.report.commits += 1
                log.info("committed %d articles", batch)
                if self.evidence is not None and writer.journal is not None:
                    self._take(writer.journal)
        return self.report

    def _take(self, journal: Journal) -> None:
        """Add a commit's journal to :attr:`evidence` (the first as it is: no copy)."""
        assert self.evidence is not None
        if not (self.evidence.evidence or self.evidence.articles or journal.removed.evidence
                or journal.removed.articles):
            self.evidence = journal.added
        else:
            journal.apply(self.evidence)

    @property
    def seen(self) -> set[str]:
        """The ids of the articles the run has read so far."""
        return self._seen

    def _changed(self, articles: Iterable[Article], together: int) -> Iterator[Article]:
        """The articles to analyse: new or changed, each id once. The index is asked about
        ``together`` articles at a time (a chunk: read ahead no further than the chunks are)."""
        source = iter(articles)
        while group := list(islice(source, together)):
            self.known.ask(article.id for article in group)
            yield from self._fresh(group)

    def _fresh(self, articles: Iterable[Article]) -> Iterator[Article]:
        for article in articles:
            if article.id in self._seen:
                self._warn(f"{article.source or article.id}: article id {article.id!r} "
                           f"seen before in this run {SKIPPED}")
                self.report.skipped += 1
                continue
            self._seen.add(article.id)
            article = limited(article, self._warn)
            digest = fingerprint(article, self.model)
            previous = self.known.get(article.id)
            if previous == digest:
                self.report.articles_unchanged += 1
                self._progress()
                continue
            self._pending[article.id] = (digest, previous is not None)
            yield article

    def _progress(self) -> None:
        self._done += 1
        if self._on_progress:
            self._on_progress(self._done, self.total)


def limited(article: Article, warn: Warn) -> Article:
    """``article`` with paragraphs over :data:`~searchidx.articles.MAX_PARAGRAPH_CHARS` split
    (the files read are split already; articles given from code may not be)."""
    if all(len(paragraph) <= MAX_PARAGRAPH_CHARS for paragraph in article.paragraphs):
        return article
    paragraphs = limit_paragraphs(article.paragraphs, article.source or article.id, warn)
    return dataclasses.replace(article, paragraphs=paragraphs)
