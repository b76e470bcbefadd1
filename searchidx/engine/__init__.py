"""The search engine: everything that touches Whoosh, behind the small :class:`Engine` facade.

No module outside this package imports ``whoosh``, so the search library could be swapped
by rewriting the package. Its modules, one job each:

- :mod:`.compat`: every use of Whoosh internals (reading segments in place, posting blocks);
- :mod:`.schema`: the paragraph schema and the index's :class:`~.schema.Meta` record;
- :mod:`.storage`: the index folder: opening it while others commit, damage, digests;
- :mod:`.writing`: paragraphs in, by whole articles (:mod:`.pool`: their postings sorted for the commit);
- :mod:`.catalogue`: paragraphs settled to the entity decisions of the whole corpus;
- :mod:`.parsing`: query text to a Whoosh query (repairs, kinds, variants, bounds);
- :mod:`.matching`: matches as sets of paragraphs (totals, facets, ranges, wildcards);
- :mod:`.ranking`: top hits, the relaxed fallback, ``explain`` and ``similar``;
- :mod:`.highlight`: hits with their matched words marked;
- :mod:`.facets`, :mod:`.spelling` (did you mean) and :mod:`.browse` (entity lists and pages).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import lean  # noqa: F401  # (first: Whoosh without two modules a search never uses)

# isort: split

from whoosh.index import LockError

from ..errors import IndexLockedError, os_error
from ..models import ENTITY_FIELDS, Hit
from ..settings import SearchOptions
from . import bm25, catalogue, compat, evidence, ranking, storage
from .facets import FacetCounter
from .highlight import HitMaker, stored_hit
from .matching import Budget, live_terms
from .parsing import Parsed, QueryParser
from .ranking import SORTS, Found, SearchRequest
from .schema import Meta
from .writing import ParagraphWriter, discard, fingerprints, merge_all, merge_tiers

if TYPE_CHECKING:
    from ..entities import EntityCount, EntityPage
    from ..explanations import Explanation
    from ..ner.corpus import Catalogue, Decision
    from ..reports import IndexCheck
    from . import spelling

__all__ = ["SORTS", "Engine", "Found", "ParagraphWriter", "SearchRequest"]

log = logging.getLogger("searchidx")

#: Merge all segments after a write when deleted paragraphs make the index this much bigger.
MERGE_DELETED_RATIO = 1.3
#: Megabytes of postings a writer keeps in memory before it spills them to temporary files.
WRITER_MB = 256


class _Reading:
    """One searcher (a view of one commit) and what is cached for it."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.facets = FacetCounter(searcher)
        self._names: dict[str, spelling.NameList] = {}

    def names(self, field: str) -> spelling.NameList:
        """The whole names of an entity field, for respelling names (read once per searcher)."""
        from . import browse, spelling

        found = self._names.get(field)
        if found is None:
            found = self._names[field] = spelling.NameList(browse.entity_values(self.searcher.reader(), field))
        return found


class Engine:
    """A Whoosh index of paragraphs on disk, with one long-lived searcher for queries,
    safe to share between threads (reads take turns; a write in progress blocks no read)."""

    def __init__(self, path: Path, ix: Any, schema: Any, meta: Meta, options: SearchOptions | None = None) -> None:
        self.path = path
        self.meta = meta
        self.options = options or SearchOptions()
        self._ix = ix
        self._parser = QueryParser(schema, self.options, catalogue.Joined(path).names)
        self._hits = HitMaker(schema)
        self._reading: _Reading | None = None
        self._lock = threading.RLock()

    # -- opening -------------------------------------------------------------------------

    exists = staticmethod(storage.exists)
    owns_file = staticmethod(storage.owns_file)

    @classmethod
    def open(cls, path: Path, options: SearchOptions | None = None) -> Engine:
        """Open the index at ``path``, checking that this version of searchidx can read it;
        its segments are opened now, so that damage is found now, not at the first search."""
        ix, schema, meta = storage.open_folder(path)
        engine = cls(path, ix, schema, meta, options)
        with engine._read():
            pass
        return engine

    @classmethod
    def create(cls, path: Path, model: str, options: SearchOptions | None = None) -> Engine:
        """A new empty index at ``path`` (the folder is made when missing)."""
        ix, schema, meta = storage.create_folder(path, model)
        return cls(path, ix, schema, meta, options)

    def close(self) -> None:
        """Release the searcher's files; the engine can still be used (it reopens them)."""
        with self._lock:
            if self._reading is not None:
                self._reading.searcher.close()
                self._reading = None

    @contextmanager
    def _read(self) -> Iterator[_Reading]:
        """The searcher of the latest commit, held alone by this thread: one searcher serves
        every thread, and Whoosh's readers keep file positions that threads must not share
        at once. Read errors of damaged segments become :class:`IndexCorruptError`."""
        with self._lock:
            try:
                if self._reading is not None and not self._reading.searcher.up_to_date():
                    # Another commit: open a new searcher. Whoosh's ``refresh()`` must not be
                    # used: it adds the old searcher's segments to the new ones, so paragraphs of
                    # segments merged since are counted twice, and a reused segment misses its
                    # new deletions.
                    self.close()
                if self._reading is None:
                    self._reading = _Reading(storage.retry_if_committed(
                        self.path, functools.partial(self._ix.searcher, weighting=bm25.Weighting()),
                        self._ix.latest_generation))
                yield self._reading
            except storage.READ_ERRORS as error:  # damage found while reading a segment's contents
                raise storage.damaged(self.path, error) from error

    def _snapshot(self) -> Any:
        """A reader of its own on the latest commit (a context manager), opened again when a
        commit of another process replaced the files it was opening."""
        return storage.retry_if_committed(self.path, self._ix.reader, self._ix.latest_generation)

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _claiming(self, timeout: float) -> Iterator[None]:
        """Taking the writer lock: held by another process past ``timeout`` seconds, or
        refused by the machine (read-only, permissions), it fails with one clear error."""
        try:
            yield
        except LockError:
            raise IndexLockedError(
                f"{self.path} is locked: another process is indexing it (waited {timeout:g} s); "
                "try again when it has finished"
            ) from None
        except OSError as error:
            raise os_error(error, self.path, "write to the index at") from error

    @contextmanager
    def writer(self, timeout: float = 5.0) -> Iterator[ParagraphWriter]:
        """A writer that commits when the block ends and discards everything if it raises
        (a full disk, an I/O error: :class:`IndexAccessError`, and the index stays at its last
        commit). A writer that changed nothing does not commit: readers keep their searchers.
        """
        with self._claiming(timeout):
            writer = compat.open_writer(self._ix, timeout, WRITER_MB)
        paragraphs = ParagraphWriter(writer, evidence.Journal())
        try:
            yield paragraphs
            paragraphs.close()
            if not paragraphs.changed:
                discard(writer, self._ix)
                return
            writer.commit(mergetype=merge_tiers)
        except OSError as error:  # a full disk, an I/O error: the commit before stands
            paragraphs.close()
            discard(writer, self._ix)
            if error.filename and not os.path.abspath(error.filename).startswith(os.path.abspath(self.path)):
                raise os_error(error, error.filename, "read") from error  # (a file being indexed, the model)
            raise os_error(error, self.path, "write to the index at") from error
        except BaseException:
            paragraphs.close()
            discard(writer, self._ix)
            raise
        evidence.record_journal(self.path, writer.generation, paragraphs.journal)
        self.close()
        try:
            if self._ix.doc_count_all() > MERGE_DELETED_RATIO * self._ix.doc_count() + 1000:
                # replaced paragraphs stay on disk until their segments merge: reclaim the space
                self._merge_all(timeout)
            storage.record_sums(self.path, self._ix)
        except OSError as error:
            raise os_error(error, self.path, "write to the index at") from error

    def _merge_all(self, timeout: float) -> None:
        """Merge every segment into one (a failed merge leaves the commit before it)."""
        try:
            writer = compat.open_writer(self._ix, timeout, WRITER_MB)
        except LockError:
            return  # another writer took the index meanwhile: a later commit merges
        try:
            writer.commit(mergetype=merge_all)
        except BaseException:
            discard(writer, self._ix)
            raise
        evidence.record_journal(self.path, writer.generation, None)

    def settle_entities(self, timeout: float = 5.0, changed: int | None = None, counted: Catalogue | None = None,
                        articles: Collection[str] = ()) -> catalogue.Settled | None:
        """Decide the fields and names of the index's entities from the whole corpus and
        write again the paragraphs that changes (see :mod:`.catalogue`). With ``changed``
        (the paragraphs an indexing run wrote or deleted), only when
        :func:`.catalogue.needs_settling` says so; None when it did not settle. ``counted``
        (a run's evidence) and ``articles``: see :func:`.catalogue.settle`."""
        if changed is not None and not catalogue.needs_settling(
                self.path, self._ix.latest_generation(), changed, self._ix.doc_count()):
            return None
        with self.writer(timeout) as paragraphs:
            settled = catalogue.settle(paragraphs, counted, articles, self.path)
        try:
            catalogue.record(self.path, self._ix.latest_generation(), settled)
            if paragraphs.journal is None or paragraphs.journal.exact:  # (else the next settle counts)
                evidence.record(self.path, paragraphs.generation + paragraphs.changed, settled.evidence,
                                settled.decided)
        except OSError as error:
            raise os_error(error, self.path, "write to the index at") from error
        log.info("entities settled: %d names, %d paragraphs written again", settled.names, settled.rewritten)
        return settled

    def entity_decisions(self) -> dict[str, Decision]:
        """The decisions of the last :meth:`settle_entities` (see :func:`.catalogue.decisions`)."""
        return catalogue.decisions(self.path)

    @contextmanager
    def locked(self, timeout: float = 5.0) -> Iterator[None]:
        """This index's writer lock held for a block: no other process writes meanwhile."""
        with self._claiming(timeout):
            lock = compat.acquire_lock(self._ix, timeout)
        try:
            yield
        finally:
            lock.release()

    def replace_with(self, other: Engine) -> None:
        """Make the last commit of ``other`` (an index in a folder on the same disk, like
        the one ``--rebuild`` builds inside this one) this index's next commit, in one step
        (see :func:`storage.adopt`), with its entity catalogue. Call it inside :meth:`locked`."""
        try:
            storage.adopt(self.path, self._ix, other.path, other._ix)
            self.close()
            compat.remove_leftovers(self._ix)
            storage.record_sums(self.path, self._ix)
            catalogue.carry(other.path, self.path, self._ix.latest_generation())
            evidence.carry(other.path, other._ix.latest_generation(), self.path, self._ix.latest_generation())
        except OSError as error:
            raise os_error(error, self.path, "write to the index at") from error

    def fingerprints(self, articles: Iterable[str] | None = None) -> dict[str, str]:
        """Article id -> fingerprint of the text its live paragraphs were indexed from, for
        ``articles`` (None: every article)."""
        with self._lock:
            try:
                with self._snapshot() as reader:
                    return fingerprints(reader, articles)
            except storage.READ_ERRORS as error:
                raise storage.damaged(self.path, error) from error

    def empty(self) -> bool:
        """True when the index holds no paragraph."""
        with self._lock:
            try:
                with self._snapshot() as reader:
                    return bool(reader.doc_count() == 0)
            except storage.READ_ERRORS as error:
                raise storage.damaged(self.path, error) from error

    # -- the index as a whole ------------------------------------------------------------

    def counts(self) -> tuple[int, int, dict[str, int]]:
        """Articles, paragraphs, and distinct whole names per entity field."""
        with self._read() as reading:
            reader = reading.searcher.reader()
            articles = sum(1 for _ in live_terms(reader, "article"))
            names = {name: sum(1 for _ in live_terms(reader, f"{name}_exact")) for name in ENTITY_FIELDS}
            return articles, reading.searcher.doc_count(), names

    def size_bytes(self) -> int:
        """The size of the index folder's files (a file a commit removes meanwhile counts nothing)."""
        total = 0
        for entry in os.scandir(self.path):
            try:
                if entry.is_file():
                    total += entry.stat().st_size
            except FileNotFoundError:
                continue
        return total

    def verify(self) -> IndexCheck:
        """Read the whole index and compare its files with their digests (see :func:`storage.verify`)."""
        problems, checked, paragraphs = storage.verify(self.path, self._ix)
        from ..reports import IndexCheck

        return IndexCheck(path=str(self.path), problems=problems, files_verified=checked, paragraphs=paragraphs)

    def documents(self) -> Iterator[dict[str, Any]]:
        """The stored fields of every live paragraph (deleted ones left out), in index order,
        read from one snapshot of the index: later commits do not change what it yields."""
        with self._snapshot() as reader:
            yield from reader.all_stored_fields()

    # -- searching -----------------------------------------------------------------------

    def parse(self, text: str, strict: bool = False, any_word: bool = False) -> Parsed:
        """The Whoosh query for ``text`` (see :meth:`.parsing.QueryParser.parse`)."""
        with self._read() as reading:
            return self._parser.parse(text, reading.searcher, strict, any_word)

    def search(self, request: SearchRequest) -> Found:
        """Run one search (see :func:`.ranking.search`)."""
        with self._read() as reading:
            searcher = reading.searcher

            def parse(text: str, strict: bool, any_word: bool, budget: Budget | None) -> Parsed:
                return self._parser.parse(text, searcher, strict, any_word, budget)

            return ranking.search(request, searcher, parse, self._hits, reading.facets.count, self.options)

    def explain(self, text: str, limit: int = 3) -> Explanation:
        """The query as parsed after repairs, and the scoring terms of its top ``limit`` hits."""
        with self._read() as reading:
            searcher = reading.searcher
            return ranking.explain(text, limit, searcher,
                                   lambda t, strict, any_word, budget: self._parser.parse(t, searcher, strict,
                                                                                         any_word, budget),
                                   self.options)

    def similar(self, article_id: str, paragraph: int, limit: int = 10) -> tuple[list[Hit], float]:
        """Paragraphs like one paragraph, best first, and the seconds it took."""
        with self._read() as reading:
            return ranking.similar(article_id, paragraph, limit, reading.searcher, self._hits)

    def suggest(self, text: str) -> str | None:
        """``text`` with its unknown words respelt from the index; None when nothing is respelt."""
        from . import spelling

        with self._read() as reading:
            return spelling.suggest(text, reading.searcher.reader(), self._parser, reading.names)

    def article(self, article_id: str) -> list[Hit]:
        """Every paragraph of an article, in order (``rank`` is the paragraph number)."""
        with self._read() as reading:
            searcher = reading.searcher
            stored = [searcher.stored_fields(n) for n in searcher.document_numbers(article=article_id)]
        stored.sort(key=lambda fields: fields["paragraph"])
        return [stored_hit(fields["paragraph"], fields, 0.0, "") for fields in stored]

    # -- entities ------------------------------------------------------------------------

    def entity_values(self, field: str) -> list[tuple[str, int]]:
        """The whole names in an entity field with their paragraph counts, most first."""
        from . import browse

        with self._read() as reading:
            return browse.entity_values(reading.searcher.reader(), field)

    def entity_list(self, field: str, prefix: str = "", limit: int | None = 20) -> list[EntityCount]:
        """The entities of a field by canonical name, most paragraphs first (see :func:`.browse.entity_list`)."""
        from . import browse

        with self._read() as reading:
            return browse.entity_list(reading.searcher.reader(), field, prefix, limit)

    def entity_page(self, field: str, typed: str, within: str | None = None, limit: int = 10,
                    related: int = 10) -> EntityPage:
        """One entity's page, within the paragraphs matching the query ``within`` if given."""
        from . import browse

        with self._read() as reading:
            searcher = reading.searcher
            query = (lambda: self._parser.parse(within, searcher).query) if within else None
            page = browse.entity_page(searcher, field, typed, query, limit, related)
        return dataclasses.replace(page, query=within or "")
