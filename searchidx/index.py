"""The library API: :class:`SearchIndex` opens an index, adds articles to it and searches it.

The CLI and the REPL are thin layers over this class. Writing loads the NER model
(once per process, on first use); searching never does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any

from . import export as exporting
from .engine import SORTS, Engine, ParagraphWriter
from .errors import IndexExistsError, IndexNotFoundError, InputError, QueryError
from .export import DEFAULT_MAX_BYTES, DEFAULT_NAME, ExportReport
from .models import (
    ENTITY_FIELDS,
    Article,
    Entity,
    EntityCount,
    EntityPage,
    Explanation,
    Hit,
    IndexCheck,
    IndexingReport,
    IndexStats,
)
from .settings import default_model
from .syntax import field_name

log = logging.getLogger("searchidx")

__all__ = ["SORTS", "IndexWriter", "SearchIndex", "SearchResults"]

#: Bumped when entity extraction changes, so that re-indexing re-analyses every article.
PIPELINE_VERSION = 3
#: A search with fewer hits than this looks for a respelt query ("did you mean").
SUGGEST_BELOW = 3
#: Articles analysed together: their paragraphs go to the NER model in one stream.
CHUNK_ARTICLES = 64
#: An indexing run commits after about this many new or changed articles (a chunk ends a batch).
COMMIT_EVERY = 500
#: Seconds a search may spend ranking before it returns the best hits found so far.
TIME_LIMIT = 10.0
#: Seconds a writer waits for another process's writer to finish before giving up.
LOCK_TIMEOUT = 10.0

Progress = Callable[[int, "int | None"], None]
Warn = Callable[[str], None]


@dataclass(frozen=True)
class SearchResults:
    """The hits of one search (iterable), with the total number of matching paragraphs."""

    query: str
    hits: list[Hit]
    total: int
    seconds: float
    offset: int = 0
    warnings: list[str] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def to_dict(self) -> dict[str, Any]:
        """The results as JSON-ready data (the shape of ``searchidx search --format json``):
        the query, the total, the offset, the time, the warnings and the hits, with the
        suggestion and the facets when there are any."""
        document: dict[str, Any] = {"query": self.query, "total": self.total, "offset": self.offset,
                                    "seconds": round(self.seconds, 4), "warnings": self.warnings,
                                    "hits": [hit.to_dict() for hit in self.hits]}
        if self.suggestion:
            document["suggestion"] = self.suggestion
        if self.facets:
            document["facets"] = {name: [{"name": value, "count": count} for value, count in values]
                                  for name, values in self.facets.items()}
        return document


def fingerprint(article: Article, model: str) -> str:
    """A digest of what an article's index documents are made from (text, title, date, model)."""
    digest = hashlib.blake2b(digest_size=12)
    for part in (str(PIPELINE_VERSION), model, article.title, article.date, *article.paragraphs):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _collector(report: IndexingReport, on_warning: Warn | None) -> Warn:
    """A warning callback that records each message in ``report`` and passes it on."""

    from .articles import SKIPPED

    def collect(message: str) -> None:
        report.warnings.append(message)
        if message.endswith(SKIPPED):
            report.skipped += 1
        (on_warning or log.warning)(message)

    return collect


class SearchIndex:
    """A searchidx index on disk: paragraphs of news articles with their entity fields.

    Use :meth:`open` or :meth:`create`, preferably as a context manager::

        with SearchIndex.open("index") as idx:
            for hit in idx.search("person:yunus", limit=5):
                print(hit.article, hit.paragraph, hit.text)
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str] = "index") -> SearchIndex:
        """Open an existing index; :class:`IndexNotFoundError` when there is none."""
        return cls(Engine.open(Path(path)))

    @classmethod
    def create(cls, path: str | os.PathLike[str] = "index", *, model: str | None = None,
               overwrite: bool = False) -> SearchIndex:
        """Create an empty index at ``path``.

        ``model`` is the spaCy model used to find entities (default: :func:`default_model`).
        An index already there raises :class:`IndexExistsError` unless ``overwrite`` is
        true; other files in the folder are always left alone.
        """
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} is a file, not a folder for an index")
        if Engine.exists(folder):
            if not overwrite:
                raise IndexExistsError(f"{folder} already holds an index")
            _remove_index_files(folder)
        return cls(Engine.create(folder, model or default_model()))

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str] = "index", *, model: str | None = None) -> SearchIndex:
        """Open the index at ``path``, creating an empty one when there is none yet."""
        try:
            return cls.open(path)
        except IndexNotFoundError:
            return cls.create(path, model=model)

    @property
    def path(self) -> Path:
        """The index folder."""
        return self._engine.path

    @property
    def model(self) -> str:
        """The spaCy model this index finds entities with."""
        return self._engine.meta.model

    def close(self) -> None:
        """Release open files. Searching again reopens them."""
        self._engine.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def add_paths(self, paths: Sequence[str | os.PathLike[str]], *, rebuild: bool = False,
                  on_progress: Progress | None = None, on_warning: Warn | None = None,
                  workers: int | None = None, commit_every: int = COMMIT_EVERY,
                  lock_timeout: float = LOCK_TIMEOUT) -> IndexingReport:
        """Index the articles in files and folders (``.txt``, ``.md``, ``.jsonl``).

        Unchanged articles are skipped, changed ones replace their old paragraphs. With
        ``rebuild``, the index afterwards holds exactly these articles. Unreadable files
        are reported through ``on_warning`` (default: the ``searchidx`` logger) and skipped.
        ``on_progress(done, total)`` is called as articles are processed. ``workers`` is the
        number of NER processes (default: :func:`~searchidx.analysis.default_workers`).

        New and changed articles are committed every ``commit_every`` articles: a run that
        is interrupted keeps its commits, and running it again skips them. A ``rebuild`` is
        one commit, so that the old index stays whole until the new one replaces it. The
        index lock is awaited up to ``lock_timeout`` seconds
        (:class:`~searchidx.errors.IndexLockedError`).
        """
        from . import articles as reading  # the readers of files are needed only to index

        report = IndexingReport()
        collect = _collector(report, on_warning)
        sources = reading.find_sources(paths, collect)
        if not sources:
            raise InputError(f"no .txt, .md or .jsonl files in {', '.join(map(str, paths))}")
        total = reading.count_articles(sources)
        return self._add(reading.read_articles(sources, collect), report, total, rebuild, on_progress, collect,
                         workers, commit_every, lock_timeout)

    def add_articles(self, articles: Iterable[Article], *, rebuild: bool = False,
                     on_progress: Progress | None = None, on_warning: Warn | None = None,
                     workers: int | None = None, commit_every: int = COMMIT_EVERY,
                     lock_timeout: float = LOCK_TIMEOUT) -> IndexingReport:
        """Index ``articles``, with the same idempotence and options as :meth:`add_paths`."""
        report = IndexingReport()
        total = len(articles) if isinstance(articles, Sized) else None
        return self._add(articles, report, total, rebuild, on_progress, _collector(report, on_warning), workers,
                         commit_every, lock_timeout)

    def add_article(self, text: str, id: str, title: str = "", date: str = "", *,
                    lock_timeout: float = LOCK_TIMEOUT) -> IndexingReport:
        """Index one article given as text (paragraphs separated by blank lines), replacing
        an article with the same id; unchanged text is skipped. One commit."""
        with self.writer(lock_timeout=lock_timeout) as writer:
            writer.add_article(text, id=id, title=title, date=date)
        return writer.report

    def _add(self, articles: Iterable[Article], report: IndexingReport, total: int | None,
             rebuild: bool, on_progress: Progress | None, warn: Warn, workers: int | None,
             commit_every: int, lock_timeout: float) -> IndexingReport:
        from .analysis import analyse, default_workers
        from .articles import SKIPPED

        if commit_every < 1:
            raise InputError(f"commit_every must be at least 1, not {commit_every}")
        model = self.model
        known = {} if rebuild else self._engine.fingerprints()
        todo: dict[str, tuple[str, bool]] = {}  # article id -> (fingerprint, replaces an older version)
        seen: set[str] = set()
        done = 0

        def progress() -> None:
            nonlocal done
            done += 1
            if on_progress:
                on_progress(done, total)

        def changed() -> Iterator[Article]:
            for article in articles:
                if article.id in seen:
                    warn(f"{article.source or article.id}: article id {article.id!r} "
                         f"seen before in this run {SKIPPED}")
                    continue
                seen.add(article.id)
                article = _limited(article, warn)
                digest = fingerprint(article, model)
                previous = known.get(article.id)
                if previous == digest:
                    report.articles_unchanged += 1
                    progress()
                    continue
                todo[article.id] = (digest, previous is not None)
                yield article

        pending = changed()
        size = min(CHUNK_ARTICLES, commit_every)  # a batch ends with a chunk
        chunks = iter(lambda: list(islice(pending, size)), [])
        analysed = analyse(chunks, model, workers or default_workers(total))
        finished = False
        while not finished:
            # A rebuild replaces the index in one commit, so that a failed one leaves the old
            # index whole; other runs commit every ``commit_every`` articles, so that a run
            # killed half-way keeps what it committed and the next run skips it.
            with self._write(report, lock_timeout, clear=rebuild, known=known) as writer:
                batch = 0
                for chunk, mentions in analysed:
                    for article, found in zip(chunk, mentions):
                        digest, replacing = todo.pop(article.id)
                        writer._put(article, digest, found, replacing)
                        progress()
                    batch += len(chunk)
                    if not rebuild and batch >= commit_every:
                        break
                else:
                    finished = True
            if batch or rebuild:  # (a writer that wrote nothing did not commit)
                report.commits += 1
                log.info("committed %d articles to %s", batch, self.path)
        return report

    @contextmanager
    def writer(self, *, lock_timeout: float = LOCK_TIMEOUT) -> Iterator[IndexWriter]:
        """An :class:`IndexWriter` for adding, replacing and deleting articles one at a time,
        all committed together when the ``with`` block ends, or none if it raises::

            with idx.writer() as writer:
                writer.add_article("Text of the article.", id="a1", title="A headline")
                writer.delete("old-article")
            print(writer.report.articles_added)

        Only one writer (of any process) can hold an index: this waits up to
        ``lock_timeout`` seconds for another to finish, then raises
        :class:`~searchidx.errors.IndexLockedError`.
        """
        report = IndexingReport()
        with self._write(report, lock_timeout) as writer:
            yield writer
        report.commits += writer.changed

    @contextmanager
    def _write(self, report: IndexingReport, lock_timeout: float, clear: bool = False,
               known: dict[str, str] | None = None) -> Iterator[IndexWriter]:
        with self._engine.writer(timeout=lock_timeout, clear=clear) as paragraphs:
            if known is None:
                known = {} if clear else self._engine.fingerprints()
            yield IndexWriter(self.model, paragraphs, known, report)

    def delete(self, article_ids: Iterable[str], *, lock_timeout: float = LOCK_TIMEOUT) -> IndexingReport:
        """Remove articles (all their paragraphs) in one commit; ids the index does not hold
        are counted in ``report.articles_missing``."""
        with self.writer(lock_timeout=lock_timeout) as writer:
            for article_id in article_ids:
                writer.delete(article_id)
        return writer.report

    # -- reading -------------------------------------------------------------------------

    def search(self, query: str, limit: int | None = 10, offset: int = 0, *, strict: bool = False,
               sort: str = "score", whole: bool = False, facets: int = 0, highlight: bool = True,
               time_limit: float | None = TIME_LIMIT) -> SearchResults:
        """The best ``limit`` paragraphs for ``query`` after the first ``offset`` (all with
        ``limit=None``, none but the total with ``limit=0``). The query language is described in the README.

        ``sort`` is ``"score"`` (relevance), ``"newest"`` or ``"oldest"`` (by publication
        date). Each hit's ``highlights`` is its best fragment, or the whole paragraph with
        ``whole``. When fewer than :data:`SUGGEST_BELOW` paragraphs match,
        ``results.suggestion`` may hold the query with misspelt words respelt ("did you
        mean"). ``highlight=False`` leaves ``highlights`` empty, which is faster for deep
        result lists. With ``facets`` > 0, ``results.facets`` holds for each entity field its
        ``facets`` most frequent names among all matching paragraphs, with their counts.

        Bad syntax (an unclosed quote, an unmatched bracket, a stray operator, an unknown
        field) is repaired and described in ``results.warnings``; with ``strict`` it raises
        :class:`~searchidx.errors.QueryError` instead. An empty query always raises it.

        Expensive queries are bounded: a wildcard or fuzzy word standing for thousands of
        words keeps the most frequent (with a warning), and ranking stops after
        ``time_limit`` seconds (``None``: no limit) with the best hits found by then, a
        complete total, and a warning.
        """
        if (limit is not None and limit < 0) or offset < 0:
            raise QueryError(f"limit and offset must be 0 or more (limit={limit}, offset={offset})")
        found = self._engine.search(query, limit=limit, offset=offset, strict=strict, sort=sort, whole=whole,
                                    facets=facets, highlight=highlight, time_limit=time_limit)
        suggestion = self._engine.suggest(query) if found.every_word < SUGGEST_BELOW else None
        return SearchResults(query=query, hits=found.hits, total=found.total, seconds=found.seconds,
                             offset=offset, warnings=found.warnings, facets=found.facets, suggestion=suggestion)

    def explain(self, query: str, limit: int = 3) -> Explanation:
        """How ``query`` runs: the parsed query after repairs, the default operator, the
        warnings, and for the top ``limit`` hits each matched term's part of the score."""
        return self._engine.explain(query, limit)

    def similar(self, article: str, paragraph: int, limit: int = 10) -> SearchResults:
        """Paragraphs related to one paragraph, found by its most distinctive words."""
        hits, total, seconds = self._engine.similar(article, paragraph, limit)
        return SearchResults(query=f"like {article} ¶{paragraph}", hits=hits, total=total, seconds=seconds)

    def article(self, article_id: str) -> list[Hit]:
        """All paragraphs of one article in order; empty when the index does not hold it."""
        return self._engine.article(article_id)

    def entity_values(self, field: str) -> list[tuple[str, int]]:
        """Canonical names in an entity field (``person``, ``org``, ...) with how many
        paragraphs name each, most frequent first (what completion offers)."""
        return self._engine.entity_values(_entity_field(field))

    def entities(self, field: str, prefix: str = "", limit: int | None = 20) -> list[EntityCount]:
        """The ``limit`` entities of a field named in most paragraphs, by canonical name, with
        their paragraph and article counts. ``prefix`` keeps the names that have a word
        starting with it, case and accents ignored (``"yun"`` finds "Muhammad Yunus")."""
        return self._engine.entity_list(_entity_field(field), prefix, limit)

    def entity(self, field: str, name: str, *, query: str | None = None, limit: int = 10,
               related: int = 10) -> EntityPage:
        """One entity's page: its canonical name, the names it is written as, its roles, the
        articles and paragraphs naming it (the first ``limit`` paragraphs as hits, the entity
        marked), and the ``related`` entities named most often beside it.

        ``name`` may be any spelling, an alias or part of the name ("gorgun" finds "Haluk
        Gorgun"; ``page.also`` lists other entities it could have meant). With ``query``,
        only the paragraphs that match it count. :class:`~searchidx.errors.EntityNotFoundError`
        when no entity of the field has that name.
        """
        if not name.strip():
            raise QueryError("which entity? give a name")
        return self._engine.entity_page(_entity_field(field), name.strip(), query, limit, related)

    def stats(self) -> IndexStats:
        """Article, paragraph and entity counts, and the size on disk."""
        articles, paragraphs, names = self._engine.counts()
        return IndexStats(
            path=str(self.path),
            articles=articles,
            paragraphs=paragraphs,
            entities={name: names[name] for name in ENTITY_FIELDS},
            size_bytes=self._engine.size_bytes(),
            model=self.model,
            schema_version=self._engine.meta.schema_version,
        )

    def check(self) -> IndexCheck:
        """Read the whole index, as ``searchidx check`` does: every file of the last commit
        against the digest recorded when it was written, and every term, posting, length and
        stored paragraph. Damage that searches would not notice (a changed byte in a length
        table alters scores silently) shows up here; the index is never written to."""
        problems, verified, paragraphs = self._engine.verify()
        return IndexCheck(path=str(self.path), problems=problems, files_verified=verified, paragraphs=paragraphs)

    def export(self, folder: str | os.PathLike[str], *, name: str = DEFAULT_NAME,
               max_bytes: int = DEFAULT_MAX_BYTES, overwrite: bool = False) -> ExportReport:
        """Write every paragraph for OpenSearch or Elasticsearch into ``folder``: the index
        mapping (``mapping.json``) and bulk request bodies of at most ``max_bytes`` each
        (``bulk-0001.ndjson``, ...) for the index ``name``; see :mod:`searchidx.export`.

        A folder that is not empty raises :class:`InputError` unless ``overwrite``, which
        replaces only the files an export writes. The index itself is never written to.
        """
        if Path(folder).resolve() == self.path.resolve():
            raise InputError(f"{folder} is the index folder; export into another folder")
        return exporting.export(self._engine.documents(), folder, name=name, max_bytes=max_bytes,
                                overwrite=overwrite)


class IndexWriter:
    """Adds, replaces and deletes articles inside one commit (from :meth:`SearchIndex.writer`).

    Adding is idempotent as in :meth:`SearchIndex.add_paths`: an article already indexed
    with the same text is skipped, one with changed text replaces the old one. Entities
    are found in this process (the NER model loads once, at the first article added).
    ``report`` counts what the writer did.
    """

    def __init__(self, model: str, paragraphs: ParagraphWriter, known: dict[str, str],
                 report: IndexingReport) -> None:
        self._model = model
        self._paragraphs = paragraphs
        self._known = known
        self._touched: set[str] = set()
        self.report = report

    @property
    def changed(self) -> bool:
        """True once this writer added or deleted anything (else it will not commit)."""
        return self._paragraphs.changed

    def add(self, article: Article) -> bool:
        """Add or replace ``article``; False when the index already holds it unchanged."""
        from .analysis import analyse

        if not article.paragraphs:
            raise InputError(f"article {article.id!r} has no text")
        article = _limited(article, log.warning)
        digest = fingerprint(article, self._model)
        previous = self._known.get(article.id)
        if previous == digest:
            self.report.articles_unchanged += 1
            return False
        self._check_untouched(article.id)
        [(_, [mentions])] = analyse([[article]], self._model, 1)
        self._put(article, digest, mentions, previous is not None)
        return True

    def add_article(self, text: str, id: str, title: str = "", date: str = "") -> bool:
        """Add or replace an article given as text (paragraphs separated by blank lines)."""
        from .articles import split_blocks

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

    def _put(self, article: Article, digest: str, mentions: Sequence[Sequence[Entity]], replacing: bool) -> None:
        if replacing:
            self._paragraphs.delete_article(article.id)
            self.report.articles_updated += 1
        else:
            self.report.articles_added += 1
        self._known[article.id] = digest
        self.report.paragraphs_written += self._paragraphs.add_article(article, digest, mentions)


def _limited(article: Article, warn: Warn) -> Article:
    """``article`` with paragraphs over :data:`~searchidx.articles.MAX_PARAGRAPH_CHARS` split
    (the files read are split already; articles given from code may not be)."""
    from .articles import MAX_PARAGRAPH_CHARS, limit_paragraphs

    if all(len(paragraph) <= MAX_PARAGRAPH_CHARS for paragraph in article.paragraphs):
        return article
    paragraphs = limit_paragraphs(article.paragraphs, article.source or article.id, warn)
    return dataclasses.replace(article, paragraphs=paragraphs)


def _entity_field(field: str) -> str:
    """``field`` if it is an entity field (or an alias of one, like ``people``), else InputError."""
    name = field_name(field.strip().rstrip(":").lower())
    if name not in ENTITY_FIELDS:
        raise InputError(f"not an entity field: {field!r} (fields: {', '.join(ENTITY_FIELDS)})")
    return name


def _remove_index_files(folder: Path) -> None:
    """Delete an old index's files from ``folder`` (used before creating a new one)."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if Engine.owns_file(entry.name):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()

