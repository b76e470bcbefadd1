"""The library API: :class:`SearchIndex` opens an index, adds articles to it and searches it.

The CLI, the console and other programs are thin layers over this class. Writing loads the
NER model (once per process, on first use); searching never does, nor imports the readers
of files or the indexing machinery (:mod:`searchidx.indexing`).
"""

from __future__ import annotations

import enum
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence, Sized
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from . import export as exporting
from .engine import SORTS, Engine, SearchRequest
from .engine.storage import REBUILD_FOLDER
from .errors import (
    IndexAccessError,
    IndexExistsError,
    IndexNotFoundError,
    InputError,
    QueryError,
    SearchidxError,
    advice,
)
from .export import DEFAULT_MAX_BYTES, DEFAULT_NAME
from .models import ENTITY_FIELDS, Article, Hit, SearchResults
from .settings import IndexingOptions, SearchOptions, default_model
from .syntax import field_name

if TYPE_CHECKING:
    from .entities import EntityCount, EntityPage
    from .explanations import Explanation
    from .indexing import IndexingRun, IndexWriter
    from .reports import ExportReport, IndexCheck, IndexingReport, IndexStats

log = logging.getLogger("searchidx")

__all__ = ["SORTS", "SearchIndex"]

_DEFAULTS = IndexingOptions()
#: Seconds a search may spend ranking before it returns the best hits found so far.
TIME_LIMIT = SearchOptions().time_limit or 0.0
#: An indexing run commits after about this many new or changed articles.
COMMIT_EVERY = _DEFAULTS.commit_every
#: Seconds a writer waits for another process's writer to finish before giving up.
LOCK_TIMEOUT = _DEFAULTS.lock_timeout

Progress = Callable[[int, "int | None"], None]
Warn = Callable[[str], None]


class _Default(enum.Enum):
    """The value of an argument left to the index's :class:`~searchidx.settings.SearchOptions`."""

    OPTIONS = "from the index's options"


DEFAULT = _Default.OPTIONS


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
    def open(cls, path: str | os.PathLike[str] = "index", *, options: SearchOptions | None = None) -> SearchIndex:
        """Open an existing index; :class:`IndexNotFoundError` when there is none. ``options``
        tunes how searches behave (time limit, expansion limits; see :class:`SearchOptions`)."""
        return cls(Engine.open(Path(path), options))

    @classmethod
    def create(cls, path: str | os.PathLike[str] = "index", *, model: str | None = None,
               overwrite: bool = False, options: SearchOptions | None = None) -> SearchIndex:
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
        return cls(Engine.create(folder, model or default_model(), options))

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str] = "index", *, model: str | None = None,
                       options: SearchOptions | None = None) -> SearchIndex:
        """Open the index at ``path``, creating an empty one when there is none yet."""
        try:
            return cls.open(path, options=options)
        except IndexNotFoundError:
            return cls.create(path, model=model, options=options)

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
                  lock_timeout: float = LOCK_TIMEOUT, cluster: str | None = None) -> IndexingReport:
        """Index the articles in files and folders (``.txt``, ``.md``, ``.jsonl``).

        Unchanged articles are skipped, changed ones replace their old paragraphs. With
        ``rebuild``, the index afterwards holds exactly these articles. Unreadable files
        are reported through ``on_warning`` (default: the ``searchidx`` logger) and skipped.
        ``on_progress(done, total)`` is called as articles are processed. ``workers`` is the
        number of processes that run the NER model, this one included (default:
        :func:`~searchidx.settings.default_workers`; with more than one, worker processes are
        started, so a script calling this needs an ``if __name__ == "__main__":`` guard);
        ``cluster``, the address of a Dask scheduler (``tcp://host:8786``) whose workers run
        NER instead, while this process writes the index (``pip install 'searchidx[cluster]'``).

        New and changed articles are committed every ``commit_every`` articles (sooner when
        the writer's memory fills): a run that is interrupted keeps its commits, and running
        it again skips them. A ``rebuild`` is built beside the index (in its ``rebuild``
        folder) and swapped in with one commit, so that the old index serves until then;
        one cut short resumes where it stopped. The
        index lock is awaited up to ``lock_timeout`` seconds
        (:class:`~searchidx.errors.IndexLockedError`). A full disk, read-only media and other
        refusals of the system raise :class:`~searchidx.errors.IndexAccessError` saying what
        the index holds (its last commit) and what to do.
        """
        from .articles import Notices, count_articles, find_sources, read_articles
        from .reports import IndexingReport

        report = IndexingReport()
        notices = Notices(_collector(report, on_warning))
        sources = find_sources(paths, notices)
        if not sources:
            raise InputError(f"no .txt, .md or .jsonl files in {', '.join(map(str, paths))}")
        options = IndexingOptions(workers=workers, commit_every=commit_every, lock_timeout=lock_timeout,
                                  cluster=cluster)
        try:
            return _run(self, read_articles(sources, notices), report, count_articles(sources), rebuild,
                             on_progress, notices.on_warning, options)
        finally:
            report.skipped += notices.skipped

    def add_articles(self, articles: Iterable[Article], *, rebuild: bool = False,
                     on_progress: Progress | None = None, on_warning: Warn | None = None,
                     workers: int | None = None, commit_every: int = COMMIT_EVERY,
                     lock_timeout: float = LOCK_TIMEOUT, cluster: str | None = None) -> IndexingReport:
        """Index ``articles``, with the same idempotence and options as :meth:`add_paths`."""
        from .reports import IndexingReport

        report = IndexingReport()
        total = len(articles) if isinstance(articles, Sized) else None
        options = IndexingOptions(workers=workers, commit_every=commit_every, lock_timeout=lock_timeout,
                                  cluster=cluster)
        return _run(self, articles, report, total, rebuild, on_progress, _collector(report, on_warning), options)

    def add_article(self, text: str, id: str, title: str = "", date: str = "", *,
                    lock_timeout: float = LOCK_TIMEOUT) -> IndexingReport:
        """Index one article given as text (paragraphs separated by blank lines), replacing
        an article with the same id; unchanged text is skipped. One commit."""
        with self.writer(lock_timeout=lock_timeout) as writer:
            writer.add_article(text, id=id, title=title, date=date)
        return writer.report

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
        from .reports import IndexingReport

        report = IndexingReport()
        with self._write(report, lock_timeout) as writer:
            yield writer
        report.commits += writer.changed

    @contextmanager
    def _write(self, report: IndexingReport, lock_timeout: float,
               known: MutableMapping[str, str] | None = None) -> Iterator[IndexWriter]:
        try:
            with self._writing(report, lock_timeout, known) as writer:
                yield writer
        except IndexAccessError as error:
            raise _refused(self, error) from error

    @contextmanager
    def _writing(self, report: IndexingReport, lock_timeout: float,
                 known: MutableMapping[str, str] | None = None) -> Iterator[IndexWriter]:
        from .indexing import Fingerprints, IndexWriter

        with self._engine.writer(timeout=lock_timeout) as paragraphs:
            if known is None:
                known = Fingerprints(self._engine.fingerprints)
            yield IndexWriter(self.model, paragraphs, known, report, self._engine.entity_decisions())

    def delete(self, article_ids: Iterable[str], *, lock_timeout: float = LOCK_TIMEOUT) -> IndexingReport:
        """Remove articles (all their paragraphs) in one commit; ids the index does not hold
        are counted in ``report.articles_missing``."""
        with self.writer(lock_timeout=lock_timeout) as writer:
            for article_id in article_ids:
                writer.delete(article_id)
        return writer.report

    def settle(self, *, lock_timeout: float = LOCK_TIMEOUT) -> int:
        """Decide the fields and canonical names of the index's entities from all their
        mentions in the corpus, and write again the paragraphs that changes (from their
        stored mentions: no NER); returns how many. Indexing runs (:meth:`add_paths`,
        :meth:`add_articles`) do this when they end, once what was written or deleted since
        the last time reaches 5% of the index (smaller runs take the recorded decisions);
        articles added or deleted through a :meth:`writer` take the recorded decisions too,
        and their evidence counts at the next settle. This call always settles (see
        :mod:`searchidx.ner.corpus`)."""
        return self._settle(lock_timeout, None)

    def _settle(self, lock_timeout: float, changed: int | None, run: IndexingRun | None = None) -> int:
        """:meth:`settle` (with ``changed``, only when it is due), from ``run``'s evidence
        when it gathered the evidence of the whole index."""
        evidence, articles = (run.evidence, run.known.keys()) if run else (None, set())
        try:
            settled = self._engine.settle_entities(lock_timeout, changed, evidence, articles)
        except IndexAccessError as error:
            raise _refused(self, error) from error
        return settled.rewritten if settled else 0

    def fingerprints(self) -> dict[str, str]:
        """Article id -> the fingerprint of what its paragraphs were indexed from (text,
        title, date and model; see :func:`searchidx.indexing.fingerprint`): an article whose
        source gives another fingerprint has changed and would be indexed again."""
        return self._engine.fingerprints()

    # -- reading -------------------------------------------------------------------------

    def search(self, query: str, limit: int | None = 10, offset: int = 0, *, strict: bool = False,
               sort: str = "score", whole: bool = False, facets: int = 0, highlight: bool = True,
               time_limit: float | None | _Default = DEFAULT) -> SearchResults:
        """The best ``limit`` paragraphs for ``query`` after the first ``offset`` (all with
        ``limit=None``, none but the total with ``limit=0``). The query language is described in the README.

        ``sort`` is ``"score"`` (relevance), ``"newest"`` or ``"oldest"`` (by publication
        date). Each hit's ``highlights`` is its best fragment, or the whole paragraph with
        ``whole``. When fewer than ``SearchOptions.suggest_below`` paragraphs match,
        ``results.suggestion`` may hold the query with misspelt words respelt ("did you
        mean"). ``highlight=False`` leaves ``highlights`` empty, which is faster for deep
        result lists. With ``facets`` > 0, ``results.facets`` holds for each entity field its
        ``facets`` most frequent names among all matching paragraphs, with their counts.
        ``results.total`` is exact unless ``results.total_exact`` is False: when the term
        dictionary shows at least ``SearchOptions.total_floor`` matches, that lower bound is
        the total (facets always count every match).

        Bad syntax (an unclosed quote, an unmatched bracket, a stray operator, an unknown
        field) is repaired and described in ``results.warnings``; with ``strict`` it raises
        :class:`~searchidx.errors.QueryError` instead. An empty query always raises it.

        Expensive queries are bounded: a wildcard or fuzzy word standing for thousands of
        words keeps the most frequent (with a warning), and ranking stops after
        ``time_limit`` seconds (default: the index's ``SearchOptions.time_limit``, 10 s;
        ``None``: no limit) with the best hits found by then and a warning; the total is then
        exact when it could be counted in time, else a lower bound (``results.total_exact``).
        The whole call takes about the limit.
        """
        if (limit is not None and limit < 0) or offset < 0:
            raise QueryError(f"limit and offset must be 0 or more (limit={limit}, offset={offset})")
        limit_seconds = self._engine.options.time_limit if time_limit is DEFAULT else time_limit
        request = SearchRequest(query, limit=limit, offset=offset, strict=strict, sort=sort, whole=whole,
                                facets=facets, highlight=highlight, time_limit=limit_seconds)
        found = self._engine.search(request)
        suggest = found.total_exact and found.every_word < self._engine.options.suggest_below
        suggestion = self._engine.suggest(query) if suggest else None
        return SearchResults(query=query, hits=found.hits, total=found.total, seconds=found.seconds,
                             offset=offset, warnings=found.warnings, facets=found.facets, suggestion=suggestion,
                             total_exact=found.total_exact)

    def explain(self, query: str, limit: int = 3) -> Explanation:
        """How ``query`` runs: the parsed query after repairs, the default operator, the
        warnings, and for the top ``limit`` hits each matched term's part of the score."""
        return self._engine.explain(query, limit)

    def similar(self, article: str, paragraph: int, limit: int = 10) -> SearchResults:
        """Paragraphs related to one paragraph, found by its most distinctive words."""
        hits, seconds = self._engine.similar(article, paragraph, limit)
        return SearchResults(query=f"like {article} ¶{paragraph}", hits=hits, total=len(hits), seconds=seconds)

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
        from .reports import IndexStats

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
        return self._engine.verify()

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


# -- the parts of writing that the class delegates (a rebuild beside the index, refusals) --


def _run(target: SearchIndex, articles: Iterable[Article], report: IndexingReport, total: int | None, rebuild: bool,
         on_progress: Progress | None, warn: Warn, options: IndexingOptions) -> IndexingReport:
    """An indexing run into ``target``: in place, or a rebuild beside it (the model's objects
    kept out of the garbage collector's passes until its corpus step is done)."""
    from .indexing import Fingerprints, IndexingRun
    from .workers import frozen_until_done

    with frozen_until_done():
        if rebuild:
            return _rebuild(target, articles, report, total, on_progress, warn, options)
        known = Fingerprints(target._engine.fingerprints, target._engine.empty())
        run = IndexingRun(target.model, known, report, options, warn, on_progress, total)
        run.run(articles, lambda report, known: target._write(report, options.lock_timeout, known))
        report.paragraphs_settled = target._settle(options.lock_timeout, _changed(report), run)
        return report


def _rebuild(target: SearchIndex, articles: Iterable[Article], report: IndexingReport, total: int | None,
             on_progress: Progress | None, warn: Warn, options: IndexingOptions) -> IndexingReport:
    """Build the index anew beside the old one (in its ``rebuild`` folder, committed in
    batches, so that a rebuild cut short resumes where it stopped), then swap it in with
    one commit. The old index serves searches until then; no other writer runs meanwhile."""
    from .indexing import Fingerprints, IndexingRun
    from .reports import IndexingReport

    side_path = target.path / REBUILD_FOLDER
    try:
        with target._engine.locked(options.lock_timeout):
            with _side(target, side_path) as side:
                known = Fingerprints(side._engine.fingerprints, side._engine.empty())
                run = IndexingRun(target.model, known, report, options, warn, on_progress, total)
                run.run(articles, lambda report, known: side._writing(report, options.lock_timeout, known))
                stale = set(run.known) - run.seen  # left by a rebuild of other files cut short
                if stale:
                    with side._writing(IndexingReport(), options.lock_timeout) as writer:
                        for article_id in stale:
                            writer.delete(article_id)
                report.paragraphs_settled = side._settle(options.lock_timeout, None, run)
                target._engine.replace_with(side._engine)
            shutil.rmtree(side_path, ignore_errors=True)
    except IndexAccessError as error:
        raise _refused(target, error, rebuilding=side_path if Engine.exists(side_path) else None) from error
    report.commits = 1  # (the commits of the index: the batches went to the folder beside)
    return report


def _changed(report: IndexingReport) -> int:
    """About how many paragraphs a run wrote or deleted (a deleted article counts as one)."""
    return report.paragraphs_written + report.articles_deleted


def _side(target: SearchIndex, path: Path) -> SearchIndex:
    """The index being rebuilt in ``path``: the one a rebuild cut short left, or a new one."""
    try:
        side = SearchIndex.open(path)
        if side.model == target.model:
            return side
        side.close()
    except IndexNotFoundError:
        pass
    except SearchidxError:  # damaged, or from another version of searchidx: start again
        pass
    if path.exists():
        shutil.rmtree(path)
    return SearchIndex.create(path, model=target.model)


def _refused(target: SearchIndex, error: IndexAccessError, rebuilding: Path | None = None) -> IndexAccessError:
    """``error`` told with what the index holds now (its last commit), what a rebuild
    cut short keeps, and what to do."""
    try:
        articles, paragraphs, _ = target._engine.counts()
        state = f"the index is at its last commit ({articles} articles, {paragraphs} paragraphs)"
    except SearchidxError:
        state = "the index is at its last commit"
    if rebuilding is not None:
        state = (f"{state.replace('at its last commit', 'unchanged')}; the rebuild keeps what it built in "
                 f"{rebuilding} and resumes there when run again")
    told = type(error)("; ".join(part for part in (str(error), state, advice(error)) if part))
    told.errno = error.errno
    return told


def _collector(report: IndexingReport, on_warning: Warn | None) -> Warn:
    """A warning callback that records each message in ``report`` and passes it on."""

    def collect(message: str) -> None:
        report.warnings.append(message)
        (on_warning or log.warning)(message)

    return collect


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

