"""Everything that touches Whoosh: the schema, the on-disk index, writing, parsing and searching.

No other module imports ``whoosh``, so the search library could be swapped by
rewriting this one. One Whoosh document is one paragraph; its entity fields are
indexed twice: as words of both the names as written and the canonical names
(``person``: unstemmed, lower-cased, accent-folded, so ``person:gorgun`` and
``person:"haluk gorgun"`` match a paragraph that writes only "Gorgun") and as whole
canonical names (``person_exact``, for counting, browsing and completion). The stored
``entities`` field keeps each mention as written, with its offsets, canonical name and
role, for display and highlighting.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import pickle
import re
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from whoosh import collectors, matching, qparser, query, sorting
from whoosh import index as whoosh_index
from whoosh.analysis import STOP_WORDS, CharsetFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb import structfile
from whoosh.lang.porter2 import stem as porter2_stem
from whoosh.matching.wrappers import FilterMatcher
from whoosh.support.charset import accent_map
from whoosh.writing import CLEAR, SegmentWriter

from . import names, syntax, variants
from .dates import parse_date
from .errors import (
    EntityNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
)
from .models import (
    ENTITY_FIELDS,
    Article,
    ArticleMentions,
    Entity,
    EntityCount,
    EntityPage,
    Explanation,
    Hit,
    HitExplanation,
    NameCount,
    TermScore,
)
from .snippets import MAX_CHARS, best_fragment

#: Bumped whenever the schema changes in a way an old index cannot serve.
SCHEMA_VERSION = 3
META_FILE = "searchidx.json"
#: Digests of the files of the last commit, so that ``check`` can tell damage from a change.
SUMS_FILE = "searchidx-sums.json"
#: Merge all segments after a write when deleted paragraphs make the index this much bigger.
MERGE_DELETED_RATIO = 1.3

#: Fields a query searches when it names none; AND between terms (see :data:`DEFAULT_OPERATOR`).
DEFAULT_FIELDS: tuple[str, ...] = ("text", "title", "person", "org", "place", "group", "misc")
#: The default operator between query terms. AND: every word must match, as in web search,
#: so that adding a word narrows the results (write OR for the alternative).
DEFAULT_OPERATOR = "AND"
#: A keyword query (2 to LONG_QUERY_WORDS - 1 plain words) that fewer paragraphs than this
#: match with every word also lists the paragraphs holding some of its words, after them.
RELAX_BELOW = 10
#: Queries of this many plain words or more (no field names or operators) are
#: questions or descriptions rather than keyword lists: their words are joined with OR, and
#: paragraphs that hold more of them rank first.
LONG_QUERY_WORDS = 5
LONG_QUERY_OPERATOR = f"OR (a query of {LONG_QUERY_WORDS} or more plain words; more words matched rank higher)"
#: Most words one wildcard, prefix or fuzzy term may stand for; more are cut (with a warning).
MAX_EXPANSIONS = 5000
#: Beyond this many words, such a term matches without adding to the score.
MAX_SCORED_EXPANSIONS = 64
#: Longest word "did you mean" respells: no word is longer, and the search for near words
#: grows with the length (7 s for a word of 10,000 letters).
MAX_SUGGESTED_WORD = 40
#: Letters at the start of a fuzzy term (``word~``) that must match as written (at least).
FUZZY_PREFIX = 1
#: Fields whose values get other names and spellings (None: no field named).
VARIANT_FIELDS = frozenset({None, "text", "title", *ENTITY_FIELDS} - {"date"})
#: Orders of search results: relevance, or the article's publication date.
SORTS = ("score", "newest", "oldest")
#: Fields whose matches are marked in a hit's fragment.
HIGHLIGHTED_FIELDS = frozenset(("text", *ENTITY_FIELDS))


class _MemoryFile:
    """A read-only file over a memoryview, copying only what is read."""

    def __init__(self, view: memoryview) -> None:
        self._view, self._pos, self._size = view, 0, len(view)

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        self._pos = self._size if size is None or size < 0 else min(self._size, start + size)
        return bytes(self._view[start:self._pos])

    def readline(self, size: int | None = -1) -> bytes:
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        rest = bytes(self._view[self._pos:end])
        newline = rest.find(b"\n")
        line = rest if newline < 0 else rest[:newline + 1]
        self._pos += len(line)
        return line

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset if whence == 0 else self._pos + offset if whence == 1 else self._size + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


def _buffer_file_init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    """Whoosh's ``BufferFile.__init__`` without its copy: the stock one wraps the memory-mapped
    segment in ``BytesIO(buf)``, which copies every file of the segment it opens into memory
    (about 100 ms and 100 MB to open the Reuters index, for each new searcher)."""
    self._buf, self._name, self.onclose = buf, name, onclose
    self.file = _MemoryFile(memoryview(buf))
    self.is_real, self.is_closed = False, False


structfile.BufferFile.__init__ = _buffer_file_init


def _text_analyzer() -> Any:
    return StemmingAnalyzer(stemfn=porter2_stem) | CharsetFilter(accent_map)


def _name_analyzer() -> Any:
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def build_schema() -> Schema:
    """The paragraph schema of :data:`SCHEMA_VERSION`."""
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "article": ID(stored=True, sortable=True),
        "fingerprint": ID(),
        "title": TEXT(stored=True, analyzer=_text_analyzer(), field_boost=1.5),
        "paragraph": NUMERIC(int, stored=True, sortable=True),
        "published": DATETIME(sortable=True),
        "date_text": STORED(),
        "text": TEXT(stored=True, analyzer=_text_analyzer()),
        "entities": STORED(),
    }
    for name in ENTITY_FIELDS:
        fields[name] = TEXT(analyzer=_name_analyzer())
        fields[f"{name}_exact"] = KEYWORD(commas=True, lowercase=False, scorable=False)
    return Schema(**fields)


@dataclass(frozen=True)
class Meta:
    """What searchidx records about an index beside Whoosh's files."""

    schema_version: int
    model: str

    @classmethod
    def read(cls, path: Path) -> Meta:
        try:
            data = json.loads((path / META_FILE).read_text(encoding="utf-8"))
            return cls(int(data["schema_version"]), str(data.get("model", "")))
        except FileNotFoundError:
            raise IndexCorruptError(
                f"{path} is a Whoosh index but not a searchidx one (no {META_FILE}); "
                f"rebuild it with `searchidx index --rebuild --index {path}`"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexCorruptError(f"{path / META_FILE} is unreadable ({error}); "
                                    f"rebuild the index with `searchidx index --rebuild --index {path}`") from error

    def write(self, path: Path) -> None:
        tmp = path / (META_FILE + ".tmp")
        tmp.write_text(json.dumps({"schema_version": self.schema_version, "model": self.model}) + "\n",
                       encoding="utf-8")
        tmp.replace(path / META_FILE)


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` holding the engine's lock: one searcher serves every thread, and
    Whoosh's readers keep file positions that threads must not share at once."""

    @functools.wraps(method)
    def locked(self: Engine, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except _READ_ERRORS as error:  # damage found while reading a segment's contents
                raise _damaged(self.path, error) from error

    return locked


_TOC_NAME = re.compile(r"_MAIN_(\d+)\.toc")
#: Tries at opening an index or a searcher while other processes commit to it.
OPEN_ATTEMPTS = 5
#: What Whoosh raises when a segment's bytes are damaged under it.
_READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)


def _retry_if_committed(path: Path, opening: Callable[[], Any], generation: Callable[[], int]) -> Any:
    """``opening()``, tried again when it failed because a commit of another process replaced
    the files it was opening (a merge deletes the segments it merged); an error without a
    new commit is damage."""
    attempt = 0
    while True:
        before = generation()
        try:
            return opening()
        except Exception as error:  # Whoosh raises many kinds for missing or damaged files
            attempt += 1
            if attempt == OPEN_ATTEMPTS or generation() == before:
                raise _damaged(path, error) from error
        time.sleep(0.01 * attempt)


def _digest(file: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with file.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read_sums(path: Path) -> dict[str, list[Any]]:
    """The recorded digests (file name -> [size, digest]); none when there are none or they are unreadable."""
    try:
        sums = json.loads((path / SUMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return sums if isinstance(sums, dict) else {}


def _latest_generation(path: Path) -> int:
    """The number of an index folder's latest commit: Whoosh names its tables of contents by it."""
    found = (_TOC_NAME.fullmatch(entry.name) for entry in path.glob("_MAIN_*.toc"))
    return max((int(match.group(1)) for match in found if match), default=-1)


def _damaged(path: Path, error: BaseException) -> IndexCorruptError:
    return IndexCorruptError(f"{path}: the index is damaged ({type(error).__name__}: {error}); "
                             f"rebuild it with `searchidx index --rebuild --index {path}`")


class Engine:
    """A Whoosh index of paragraphs on disk, with one long-lived searcher for queries,
    safe to share between threads (reads take turns; a write in progress blocks no read)."""

    def __init__(self, path: Path, ix: Any, meta: Meta) -> None:
        self.path = path
        self.meta = meta
        self._ix = ix
        self._schema = ix.schema  # Whoosh re-reads the table of contents for each ix.schema
        self._searcher: Any = None
        self._lock = threading.RLock()
        #: per paragraph, its (field, key, canonical name) entries: facets read each paragraph once
        self._entities_of: dict[int, tuple[tuple[str, str, str], ...]] = {}
        self._parser = self._make_parser(ix.schema, qparser.AndGroup)
        self._any_parser = self._make_parser(ix.schema, qparser.OrGroup.factory(0.9))

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def exists(cls, path: Path) -> bool:
        """True when ``path`` holds a Whoosh index (a table of contents of one; opening it
        reads the table, so it is not read twice to tell)."""
        return path.is_dir() and any(path.glob("_MAIN_*.toc"))

    @classmethod
    def open(cls, path: Path) -> Engine:
        """Open the index at ``path``, checking that this version of searchidx can read it."""
        if not path.exists():
            raise IndexNotFoundError(f"no index at {path}; build one with `searchidx index --index {path}`")
        if not path.is_dir():
            raise IndexNotFoundError(f"{path} is a file, not an index folder; give the folder of an index")
        if not cls.exists(path):
            if any(path.glob("MAIN_*.seg")):  # segments without their table of contents
                raise IndexCorruptError(f"{path}: the index is damaged (its table of contents, _MAIN_*.toc, is "
                                        f"missing); rebuild it with `searchidx index --rebuild --index {path}`")
            raise IndexNotFoundError(
                f"{path} holds no index; build one with `searchidx index --index {path}`"
            )
        meta = Meta.read(path)
        if meta.schema_version != SCHEMA_VERSION:
            raise IndexVersionError(
                f"{path} was built by another version of searchidx (schema {meta.schema_version}, "
                f"this one reads {SCHEMA_VERSION}); rebuild it with `searchidx index --rebuild --index {path}`"
            )
        ix = _retry_if_committed(path, lambda: whoosh_index.open_dir(str(path)),
                                 lambda: _latest_generation(path))
        engine = cls(path, ix, meta)
        engine._searcher_now()  # opens the segments: damage there is found now, not at the first search
        return engine

    @classmethod
    def create(cls, path: Path, model: str) -> Engine:
        """A new empty index at ``path`` (the folder is made when missing)."""
        path.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(path), build_schema())
        meta = Meta(SCHEMA_VERSION, model)
        meta.write(path)
        return cls(path, ix, meta)

    @_serialized
    def close(self) -> None:
        """Release the searcher's files; the engine can still be used (it reopens them)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._entities_of = {}

    # -- writing -------------------------------------------------------------------------

    @_serialized
    def fingerprints(self) -> dict[str, str]:
        """Article id -> fingerprint of the text its live paragraphs were indexed from."""
        found: dict[str, list[str]] = {}
        with self._ix.reader() as reader:
            for term in reader.lexicon("fingerprint"):
                article, _, fingerprint = term.decode("utf-8").rpartition("\x1f")
                found.setdefault(article, []).append(fingerprint)
            out = {}
            deletions = reader.has_deletions()
            for article, fingerprints in found.items():
                if deletions:
                    # a replaced or deleted article's term stays in the lexicon until its
                    # segment is merged away; only a term with live (undeleted) documents counts
                    fingerprints = [f for f in fingerprints
                                    if reader.postings("fingerprint", f"{article}\x1f{f}").is_active()]
                if fingerprints:
                    out[article] = fingerprints[0]
        return out

    @staticmethod
    def owns_file(name: str) -> bool:
        """True for the names of files an index keeps in its folder."""
        return name in (META_FILE, SUMS_FILE) or name.startswith(("_MAIN_", "MAIN_"))

    @contextmanager
    def writer(self, timeout: float = 5.0, clear: bool = False) -> Iterator[ParagraphWriter]:
        """A writer that commits when the block ends and discards everything if it raises.

        With ``clear``, the commit replaces the whole index with what was written, in one step.
        A writer that changed nothing does not commit: readers keep their searchers.
        """
        try:
            writer = self._ix.writer(timeout=timeout, delay=0.1, limitmb=256)
        except whoosh_index.LockError:
            raise IndexLockedError(
                f"{self.path} is locked: another process is indexing it (waited {timeout:g} s); "
                "try again when it has finished"
            ) from None
        paragraphs = ParagraphWriter(writer)
        try:
            yield paragraphs
        except BaseException:
            self._discard(writer)
            raise
        if not (clear or paragraphs.changed):
            self._discard(writer)
            return
        writer.commit(mergetype=CLEAR) if clear else writer.commit()
        self.close()
        if self._ix.doc_count_all() > MERGE_DELETED_RATIO * self._ix.doc_count() + 1000:
            # replaced paragraphs stay on disk until their segments merge: reclaim the space
            self._ix.optimize()
        self._record_sums()

    def _discard(self, writer: SegmentWriter) -> None:
        """Cancel ``writer`` and remove the files of the segment it had begun (Whoosh leaves
        them until a later commit cleans up)."""
        writer.cancel()
        for file in self.path.glob(f"{writer.newsegment.segment_id()}*"):
            file.unlink(missing_ok=True)

    # -- integrity -----------------------------------------------------------------------

    def _committed_files(self) -> list[Path]:
        """The files the latest commit consists of: its table of contents and its segments'."""
        generation = _latest_generation(self.path)
        names = [f"_MAIN_{generation}.toc"]
        for segment in self._ix._segments():  # Whoosh keeps no public list of a commit's files
            names += sorted(entry.name for entry in self.path.glob(f"{segment.segment_id()}.*"))
        return [self.path / name for name in names]

    def _record_sums(self) -> None:
        """Write the digests of the latest commit's files (segment files never change once
        written, so only new ones are read)."""
        old = _read_sums(self.path)
        sums = {}
        for file in self._committed_files():
            size = file.stat().st_size
            known = old.get(file.name)
            keep = known and known[0] == size and not file.name.endswith(".toc")
            sums[file.name] = known if keep else [size, _digest(file)]
        tmp = self.path / (SUMS_FILE + ".tmp")
        tmp.write_text(json.dumps(sums, indent=0) + "\n", encoding="utf-8")
        tmp.replace(self.path / SUMS_FILE)

    def verify(self) -> tuple[list[str], int, int]:
        """Problems found by reading the whole index: files whose digests differ from those
        recorded at their commit, and read errors in any term, posting list, length or stored
        paragraph. Also the number of files checked against digests, and of paragraphs read.

        It reads through a reader of its own, so searches of other threads go on meanwhile."""
        problems: list[str] = []
        sums = _read_sums(self.path)
        checked = 0
        for file in self._committed_files():
            recorded = sums.get(file.name)
            if not file.exists():
                problems.append(f"{file.name} is missing")
            elif recorded is None:
                continue  # written by a searchidx that kept no digests, or a commit cut short
            elif file.stat().st_size != recorded[0] or _digest(file) != recorded[1]:
                problems.append(f"{file.name} has changed since it was written (its digest differs)")
            else:
                checked += 1
        paragraphs = 0
        try:
            with self._ix.reader() as reader:
                self._read_everything(reader)
                paragraphs = sum(1 for _ in reader.all_stored_fields())
        except Exception as error:  # any read error of damaged contents
            problems.append(f"reading the index failed ({type(error).__name__}: {error})")
        return problems, checked, paragraphs

    def _read_everything(self, reader: Any) -> None:
        """Every term's postings and every paragraph's field lengths (what searches read)."""
        for fieldname in self._schema.names():
            if self._schema[fieldname].indexed:
                for term in reader.lexicon(fieldname):
                    for _ in reader.postings(fieldname, term).all_ids():
                        pass
            if self._schema[fieldname].scorable:
                for docnum in reader.all_doc_ids():
                    reader.doc_field_length(docnum, fieldname)

    # -- reading -------------------------------------------------------------------------

    def _searcher_now(self) -> Any:
        if self._searcher is not None and not self._searcher.up_to_date():
            # Another commit: open a new searcher. Whoosh's ``refresh()`` must not be used: it
            # adds the old searcher's segments to the new ones, so paragraphs of segments merged
            # since are counted twice, and a segment it reuses misses its new deletions.
            self.close()
        if self._searcher is None:
            self._searcher = _retry_if_committed(self.path, self._ix.searcher, self._ix.latest_generation)
        return self._searcher

    @_serialized
    def counts(self) -> tuple[int, int, dict[str, int]]:
        """Articles, paragraphs, and distinct whole names per entity field."""
        searcher = self._searcher_now()
        reader = searcher.reader()
        articles = sum(1 for _ in _live_terms(reader, "article"))
        names = {name: sum(1 for _ in _live_terms(reader, f"{name}_exact")) for name in ENTITY_FIELDS}
        return articles, searcher.doc_count(), names

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())

    @staticmethod
    def _make_parser(schema: Schema, group: Any) -> qparser.QueryParser:
        parser = qparser.MultifieldParser(list(DEFAULT_FIELDS), schema, group=group)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(qparser.GtLtPlugin())
        # +must and -exclude only at the start of a word: "1987-04" is a date, not "1987 NOT 04"
        parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
        return parser

    @_serialized
    def parse(self, text: str, strict: bool = False, any_word: bool = False) -> Parsed:
        """The Whoosh query for ``text``, warnings about what was changed to make it run, and
        the query's kind (see :func:`query_kind`); ``any_word`` joins the words with OR.

        Bad syntax is repaired (see :func:`searchidx.syntax.repair`) unless ``strict``, when
        the first mistake raises :class:`QueryError`. A query with nothing left to search
        raises :class:`QueryError` either way.
        """
        if not text.strip():
            raise QueryError("empty query")
        repaired, warnings = syntax.repair(text)
        if strict and warnings:
            raise QueryError(warnings[0])
        if is_shouted(repaired):  # caps lock on: AND, OR and NOT are words, not operators
            repaired = repaired.lower()
        kind = query_kind(repaired)
        long_plain = kind == "description"
        if long_plain:  # a description: "?" is punctuation, and stop words say nothing
            repaired = re.sub(r"\?+(?=\s|$)", " ", repaired)
            repaired = "".join(t.text for t in syntax.tokenize(repaired)
                               if not (t.kind == "word" and t.text.lower() in STOP_WORDS))
        normalized = self._with_variants(syntax.normalize(repaired))
        parser = self._any_parser if long_plain or any_word else self._parser
        try:
            parsed = parser.parse(normalized)
        except Exception as error:  # Whoosh raises ValueErrors on ranges it cannot read
            without_ranges = syntax.without_ranges(normalized)
            try:
                parsed = parser.parse(without_ranges)
            except Exception:
                raise QueryError(f"cannot read the query: {error}") from error
            if strict:
                raise QueryError(f"cannot read a range in the query: {error}") from error
            warnings.append(f"ignored a range that cannot be read ({error})")
        if parsed is query.NullQuery or isinstance(parsed, type(query.NullQuery)):
            raise QueryError("nothing to search: " + ("; ".join(warnings) or "the query has only stop words"))
        return Parsed(self._bounded(parsed, warnings), warnings, kind)

    def _bounded(self, parsed: Any, warnings: list[str]) -> Any:
        """``parsed`` with every wildcard, prefix or fuzzy term expanded once into the words it
        stands for; one that stands for more than :data:`MAX_SCORED_EXPANSIONS` words made a
        plain set of matching paragraphs (all matches kept, no ranking by it): Whoosh would
        score a union of thousands of terms for minutes. Beyond :data:`MAX_EXPANSIONS` words,
        only the most frequent count. Date and number ranges become sets of paragraphs too."""
        searcher = self._searcher_now()
        reader = searcher.reader()

        def bound(node: Any) -> Any:
            if isinstance(node, query.Or) and node.subqueries and all(
                    isinstance(q, query.Every) for q in node.subqueries):
                return query.Every()  # a bare * over every default field: all paragraphs, fast
            if isinstance(node, query.NumericRange):
                # a date range: Whoosh would list every paragraph in it for each matcher it
                # builds; the set of them, found once from the terms, serves every step
                docnums = matching_docs(node, searcher)
                return _DocSet(node.fieldname, [], sorted(docnums), str(node))
            if not isinstance(node, query.MultiTerm) or isinstance(node, query.TermRange):
                return node
            if isinstance(node, query.FuzzyTerm) and node.prefixlength < FUZZY_PREFIX:
                # typos seldom hit the first letter, and keeping it spares comparing the word
                # with the whole vocabulary (7 s instead of 0.1 s at 300,000 paragraphs)
                node = node.copy()
                node.prefixlength = FUZZY_PREFIX
            words = list(node._btexts(reader))
            fieldname = node.field()
            if len(words) <= MAX_SCORED_EXPANSIONS:
                # the words it stands for, found once: Whoosh would search the vocabulary
                # again for each step of a search (a dozen times for a fuzzy term)
                field = self._schema[fieldname]
                return query.Or([query.Term(fieldname, word if isinstance(word, str) else field.from_bytes(word),
                                            boost=node.boost) for word in words]) if words else query.NullQuery
            label = f"{fieldname}:{node.text}{'*' if isinstance(node, query.Prefix) else ''}"
            if len(words) > MAX_EXPANSIONS:
                words.sort(key=lambda word: -reader.doc_frequency(fieldname, word))
                warnings.append(f"{label} matches {len(words):,} words; searched the {MAX_EXPANSIONS:,} "
                                "most frequent")
                words = words[:MAX_EXPANSIONS]
            docnums: set[int] = set()
            for word in words:
                docnums.update(reader.postings(fieldname, word).all_ids())
            return _DocSet(fieldname, words, sorted(docnums), label)

        return parsed.accept(bound)

    def _with_variants(self, text: str) -> str:
        """``text`` with each name or word that has other names or spellings in the index
        replaced by an OR of them: ``place:turkey`` -> ``place:(turkey OR Türkiye OR ...)``."""
        reader = self._searcher_now().reader()
        tokens = syntax.tokenize(text)
        out = []
        for i, token in enumerate(tokens):
            before = tokens[i - 1] if i else None
            fieldname = syntax.field_name(before.text.lstrip("+-")[:-1]) if before and before.kind == "field" else None
            if token.kind in ("word", "phrase") and fieldname in VARIANT_FIELDS:
                out.append(self._alternatives(token, fieldname, reader))
            else:
                out.append(token.text)
        return "".join(out)

    def _alternatives(self, token: syntax.Token, fieldname: str | None, reader: Any) -> str:
        written = token.text
        if token.kind == "phrase":
            if not written.endswith('"'):
                return written  # a phrase with a slop keeps its meaning only as written
            written = written[1:-1]
        elif any(c in written for c in "*?~^[]{}") or any(c.isdigit() for c in written):
            return token.text
        table = variants.aliases()
        others = table.names(written, any_case=fieldname in ENTITY_FIELDS)
        if fieldname == "place" and not others:
            others = table.place_of(written)
        elif fieldname == "group":
            others = table.demonyms_of(written) or table.demonyms_of((table.place_of(written) or [""])[0])
        if token.kind == "word":
            others += [v for v in variants.spellings(written) if self._exists(v, fieldname, reader)]
        else:  # the phrase with every word that has another spelling in the index respelt
            respelt = [next((v for v in variants.spellings(word) if self._exists(v, fieldname, reader)), word)
                       for word in written.split()]
            others.append(" ".join(respelt))
        alternatives = [token.text] + [
            f'"{name}"' if re.search(r"[^\w]", name) else name
            for name in dict.fromkeys(others) if variants.fold(name) != variants.fold(written)
        ]
        if len(alternatives) == 1:
            return token.text
        return "(" + " OR ".join(alternatives) + ")"

    def _exists(self, word: str, fieldname: str | None, reader: Any) -> bool:
        """True when the index holds ``word`` (as its field's analyzer writes it)."""
        target = fieldname or "text"
        return any((target, token.text.encode("utf-8")) in reader
                   for token in self._schema[target].analyzer(word, mode="query"))

    @_serialized
    def search(self, text: str, limit: int | None = 10, offset: int = 0, strict: bool = False,
               sort: str = "score", whole: bool = False, facets: int = 0, highlight: bool = True,
               time_limit: float | None = None) -> Found:
        """The best paragraphs for the query after the first ``offset``, at most ``limit`` of
        them, with the counts, warnings and ``facets`` (see :class:`Found`).

        ``sort`` is one of :data:`SORTS`; ``whole`` marks the whole paragraph instead of
        choosing a fragment. Ranking stops after ``time_limit`` seconds with the best hits
        found until then, and a warning that says so.
        """
        if sort not in SORTS:
            raise QueryError(f"unknown sort order {sort!r}; choose one of: {', '.join(SORTS)}")
        started = time.perf_counter()
        first = self.parse(text, strict)
        parsed, warnings = first.query, first.warnings
        searcher = self._searcher_now()
        order = _ORDERS[sort]
        wanted = None if limit is None else offset + limit
        deadline = None if time_limit is None else started + time_limit
        if wanted == 0:  # only the count is wanted
            ranked = []
        else:
            results = _ranked(searcher, parsed, wanted, order, deadline, warnings)
            ranked = [results[i] for i in range(results.scored_length())]
        # The total is counted apart: Whoosh's count of a top-N search drops the matches of
        # sub-queries it pruned, and still calls itself exact (7,655 for 7,664 here).
        matched = matching_docs(parsed, searcher)
        every_word = len(matched)
        if len(matched) < RELAX_BELOW and first.kind == "keywords":
            # Too few paragraphs hold every word: after them come those holding some
            # of the words, most first (the "last" matching strategy of Meilisearch).
            # The threshold does not depend on the page, so that paging is consistent.
            relaxed = self.parse(text, strict, any_word=True).query
            if wanted != 0:
                more = _ranked(searcher, relaxed, wanted, order, deadline, warnings)
                ranked += [hit for hit in more if hit.docnum not in matched][: None if wanted is None
                                                                                else wanted - len(ranked)]
            everything = matching_docs(relaxed, searcher)
            if len(everything) > len(matched):
                warnings.append(f"{len(matched):,} paragraph{'s' * (len(matched) != 1)} hold every word; "
                                "after them come paragraphs holding some of the words")
            matched, parsed = everything, relaxed
        marks = Marks.of(parsed, searcher.reader()) if highlight else None
        hits = [self._hit(rank, ranked[rank - 1], marks, whole) for rank in range(offset + 1, len(ranked) + 1)]
        counted = self._facets(searcher, matched, facets) if facets else {}
        return Found(hits, len(matched), every_word, time.perf_counter() - started, warnings, counted)

    def _facets(self, searcher: Any, docnums: set[int], top: int) -> dict[str, list[tuple[str, int]]]:
        """Per entity field, the ``top`` names in most matching paragraphs, with their counts.

        Counted from the stored mentions by canonical name, spellings that differ only in
        accents together (shown as most paragraphs write it): ten times faster here than
        Whoosh's overlapping facets, which rebuild a posting list per name on every search.
        """
        counts: Counter[tuple[str, str]] = Counter()
        spellings: Counter[tuple[str, str, str]] = Counter()
        cache = self._entities_of
        for docnum in docnums:
            entries = cache.get(docnum)
            if entries is None:
                seen = {}
                for item in searcher.stored_fields(docnum).get("entities", ()):
                    name = item[4] if len(item) > 4 and item[4] else item[0]
                    seen[(item[1], names.key(name))] = name
                entries = cache[docnum] = tuple((field, key, name) for (field, key), name in seen.items())
            for field, key, name in entries:
                counts[(field, key)] += 1
                spellings[(field, key, name)] += 1
        ranked: dict[str, list[tuple[str, int]]] = {name: [] for name in ENTITY_FIELDS}
        for (field, key), count in counts.most_common():
            if len(ranked[field]) < top:
                ranked[field].append((key, count))
        shown: dict[tuple[str, str], dict[str, int]] = {(f, k): {} for f, values in ranked.items() for k, _ in values}
        for (field, key, name), count in spellings.items():
            if (field, key) in shown:
                shown[(field, key)][name] = count
        return {field: [(names.display_name(shown[(field, key)]), count) for key, count in values]
                for field, values in ranked.items()}

    @_serialized
    def explain(self, text: str, limit: int = 3) -> Explanation:
        """The query as parsed after repairs, and the scoring terms of its top ``limit`` hits."""
        first = self.parse(text)
        parsed, warnings = first.query, first.warnings
        searcher = self._searcher_now()
        results = searcher.search(parsed, limit=limit)
        terms = sorted(existing_terms(parsed, searcher.reader(), phrases=True))
        explained = []
        for hit in results:
            found = []
            for fieldname, term in terms:
                postings = searcher.postings(fieldname, term)
                postings.skip_to(hit.docnum)
                if postings.is_active() and postings.id() == hit.docnum:
                    scorer = searcher.weighting.scorer(searcher, fieldname, term)
                    word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                    found.append(TermScore(fieldname, word, round(float(scorer.score(postings)), 4)))
            found.sort(key=lambda t: -t.score)
            explained.append(HitExplanation(hit["article"], hit["paragraph"], round(float(hit.score), 4), found))
        operator = LONG_QUERY_OPERATOR if first.kind == "description" else DEFAULT_OPERATOR
        return Explanation(text, str(parsed), operator, warnings, explained)

    @_serialized
    def similar(self, article_id: str, paragraph: int, limit: int = 10) -> tuple[list[Hit], int, float]:
        """Paragraphs like one paragraph (by its most telling words), best first, itself left out."""
        started = time.perf_counter()
        searcher = self._searcher_now()
        docnum = searcher.document_number(id=f"{article_id}#{paragraph}")
        if docnum is None:
            raise QueryError(f"no paragraph {paragraph} of article {article_id!r} in the index")
        text = searcher.stored_fields(docnum).get("text", "")
        words = [word for word, _ in searcher.key_terms_from_text("text", text, numterms=12)]
        results = searcher.more_like(docnum, "text", text=text, top=limit, numterms=12)
        marks = Marks({"text": set(words)}, [])
        hits = [self._hit(rank, hit, marks, False) for rank, hit in enumerate(results, start=1)]
        return hits, len(hits), time.perf_counter() - started

    @_serialized
    def suggest(self, text: str) -> str | None:
        """``text`` with each word that no paragraph holds replaced by the most frequent word
        of the index within one or two edits of it; None when there is nothing to respell."""
        reader = self._searcher_now().reader()
        tokens = syntax.tokenize(syntax.repair(text)[0])
        out, changed = [], False
        for i, token in enumerate(tokens):
            before = tokens[i - 1] if i else None
            fieldname = syntax.field_name(before.text.lstrip("+-")[:-1]) if before and before.kind == "field" else None
            better = None
            if (token.kind == "word" and token.text.isalpha() and 3 <= len(token.text) <= MAX_SUGGESTED_WORD
                    and fieldname in VARIANT_FIELDS):
                better = self._nearest(token.text, fieldname, reader)
            out.append(better or token.text)
            changed = changed or better is not None
        return "".join(out) if changed else None

    def _nearest(self, word: str, fieldname: str | None, reader: Any) -> str | None:
        """The word of the index closest to ``word`` (within one or two edits), as a paragraph
        writes it; among equally close words, the most frequent. None if ``word`` is known."""
        lowered = word.lower()
        maxdist = 1 if len(lowered) <= 4 else 2
        names = [fieldname] if fieldname in ENTITY_FIELDS else ["person", "org", "place", "group"]
        if any((name, lowered.encode("utf-8")) in reader for name in names):
            return None
        candidates: list[tuple[str, int]] = []
        if fieldname not in ENTITY_FIELDS:
            stems = [t.text for t in self._schema["text"].analyzer(word, mode="query")]
            if not stems or self._exists(word, fieldname, reader):
                return None
            for stem in reader.terms_within("text", stems[0], maxdist, prefix=1):
                surface = self._surface(stem, lowered, reader)
                if surface:
                    candidates.append((surface, reader.doc_frequency("text", stem)))
        for name in names:
            candidates += [(term, reader.doc_frequency(name, term))
                           for term in reader.terms_within(name, lowered, maxdist, prefix=1)]
        if not candidates:
            return None
        return min(candidates, key=lambda c: (edit_distance(lowered, c[0]), -c[1]))[0]

    def _surface(self, stem: str, typed: str, reader: Any) -> str | None:
        """How paragraphs write a stem ("economi": "economy"), the form nearest ``typed``."""
        forms = set()
        for docnum in islice(reader.postings("text", stem).all_ids(), 5):
            paragraph = reader.stored_fields(docnum).get("text", "")
            forms.update(paragraph[t.startchar:t.endchar].lower()
                         for t in self._schema["text"].analyzer(paragraph, chars=True, mode="query")
                         if t.text == stem)
        return min(forms, key=lambda form: edit_distance(typed, form)) if forms else None

    @_serialized
    def article(self, article_id: str) -> list[Hit]:
        """Every paragraph of an article, in order (``rank`` is the paragraph number)."""
        searcher = self._searcher_now()
        stored = [searcher.stored_fields(n) for n in searcher.document_numbers(article=article_id)]
        stored.sort(key=lambda fields: fields["paragraph"])
        return [self._stored_hit(fields["paragraph"], fields, 0.0, "") for fields in stored]

    @_serialized
    def entity_values(self, field: str) -> list[tuple[str, int]]:
        """The whole names in an entity field with the number of paragraphs naming each, most first."""
        reader = self._searcher_now().reader()
        values = [(term.decode("utf-8"), count) for term, count in _live_terms(reader, f"{field}_exact")]
        values.sort(key=lambda item: (-item[1], item[0]))
        return values

    @_serialized
    def entity_list(self, fieldname: str, prefix: str = "", limit: int | None = 20) -> list[EntityCount]:
        """The entities of a field by canonical name, most paragraphs first, with their
        paragraph and article counts; ``prefix`` keeps the names with a word starting with it
        (case and accents ignored). Spellings that differ only in accents count as one."""
        reader = self._searcher_now().reader()
        wanted = names.key(prefix)
        groups: dict[str, list[tuple[str, int]]] = {}
        for term, info in reader.iter_field(f"{fieldname}_exact"):
            name = term.decode("utf-8")
            folded = names.key(name)
            if wanted and not any(word.startswith(wanted) for word in _word_starts(folded)):
                continue
            groups.setdefault(folded, []).append((name, info.doc_frequency()))
        ranked = sorted(groups.values(), key=lambda group: (-sum(n for _, n in group), group[0][0]))
        if limit is not None and not reader.has_deletions():
            ranked = ranked[:limit]  # the index's counts are exact: no need to count the rest
        articles = reader.column_reader("article")
        counted = []
        for group in ranked:
            docnums = self._docs_of(reader, fieldname, [name for name, _ in group])
            if docnums:
                display = names.display_name(dict(group))
                counted.append(EntityCount(fieldname, display, len(docnums), len({articles[d] for d in docnums})))
        counted.sort(key=lambda entity: (-entity.paragraphs, entity.name))
        return counted[:limit]

    @staticmethod
    def _docs_of(reader: Any, fieldname: str, spellings: Iterable[str]) -> set[int]:
        """The live paragraphs naming any of ``spellings`` in a field's whole names."""
        docnums: set[int] = set()
        for name in spellings:
            if (f"{fieldname}_exact", name) in reader:
                docnums.update(reader.postings(f"{fieldname}_exact", name).all_ids())
        return docnums

    @_serialized
    def resolve_entity(self, fieldname: str, typed: str) -> tuple[list[str], list[str]]:
        """The canonical spellings in the index of the entity ``typed`` names, and other
        entities it could have meant (most paragraphs first).

        The name itself (case and accents ignored) or its preferred name in the alias table
        wins, unless it is one word and a longer name holding it is named in more paragraphs
        ("blair": "Tony Blair"); else the most frequent of the names holding all its words
        ("gorgun": "Haluk Gorgun"). :class:`EntityNotFoundError` when nothing fits.
        """
        reader = self._searcher_now().reader()
        by_key: dict[str, list[tuple[str, int]]] = {}
        for term, info in reader.iter_field(f"{fieldname}_exact"):
            name = term.decode("utf-8")
            by_key.setdefault(names.key(name), []).append((name, info.doc_frequency()))
        table = variants.aliases()
        candidates = [typed, *table.names(typed, any_case=True)]
        if fieldname == "group":
            candidates += table.demonyms_of((table.place_of(typed) or [""])[0])
        exact = next((names.key(c) for c in candidates if names.key(c) in by_key), None)
        words = set(_word_starts(names.key(typed), whole=True))
        fits = sorted(((key, sum(n for _, n in group)) for key, group in by_key.items()
                       if key != exact and words and words <= set(_word_starts(key, whole=True))),
                      key=lambda item: -item[1])
        if exact is not None:
            # a bare surname loses to a full name that more paragraphs give: "blair" is Tony Blair
            count = sum(n for _, n in by_key[exact])
            if len(words) > 1 or not fits or fits[0][1] <= count:
                fits.insert(0, (exact, count))
            else:
                fits.insert(1, (exact, count))
        if not fits:
            raise EntityNotFoundError(f"no {fieldname} named {typed!r} in the index")
        best = [name for name, _ in by_key[fits[0][0]]]
        also = [names.display_name(dict(by_key[key])) for key, _ in fits[1:6]]
        return best, also

    @_serialized
    def entity_page(self, fieldname: str, typed: str, within: str | None = None, limit: int = 10,
                    related: int = 10) -> EntityPage:
        """What the index knows about one entity (see :class:`~searchidx.models.EntityPage`),
        within the paragraphs matching the query ``within`` when one is given."""
        spellings, also = self.resolve_entity(fieldname, typed)
        searcher = self._searcher_now()
        docnums = self._docs_of(searcher.reader(), fieldname, spellings)
        if within:
            docnums &= matching_docs(self.parse(within).query, searcher)
        wanted = names.key(spellings[0])
        written: Counter[str] = Counter()
        roles: Counter[str] = Counter()
        display: Counter[str] = Counter()
        shared: dict[tuple[str, str], set[int]] = {}
        shared_names: dict[tuple[str, str], Counter[str]] = {}
        articles: dict[str, list[tuple[int, int]]] = {}
        stored_of: dict[int, dict[str, Any]] = {}
        for docnum in docnums:
            stored = stored_of[docnum] = searcher.stored_fields(docnum)
            articles.setdefault(stored["article"], []).append((stored["paragraph"], docnum))
            for mention in (Entity(*item) for item in stored.get("entities", ())):
                other = (mention.field, names.key(mention.canonical))
                if other == (fieldname, wanted):
                    written[mention.text] += 1
                    display[mention.canonical] += 1
                    if mention.role:
                        roles[mention.role] += 1
                elif mention.field != "date":
                    shared.setdefault(other, set()).add(docnum)
                    shared_names.setdefault(other, Counter())[mention.canonical] += 1
        # articles naming it most first, the newest first among equals
        order = sorted(sorted(articles, key=lambda a: stored_of[articles[a][0][1]].get("date_text", ""), reverse=True),
                       key=lambda a: -len(articles[a]))
        mentions, hits = [], []
        for article in order:
            numbered = sorted(articles[article])
            first = stored_of[numbered[0][1]]
            mentions.append(ArticleMentions(article, first.get("title", ""), first.get("date_text", ""),
                                            [number for number, _ in numbered]))
            for _, docnum in numbered:
                if len(hits) < limit:
                    hits.append(self._entity_hit(len(hits) + 1, stored_of[docnum], fieldname, wanted))
        article_of = {docnum: stored["article"] for docnum, stored in stored_of.items()}
        together = sorted(shared, key=lambda other: (-len(shared[other]), other))[:related]
        return EntityPage(
            field=fieldname,
            name=names.display_name(display) if display else spellings[0],
            query=within or "",
            paragraphs=len(docnums),
            articles=len(articles),
            written=[NameCount(name, count) for name, count in written.most_common()],
            roles=[NameCount(name, count) for name, count in roles.most_common()],
            mentions=mentions,
            hits=hits,
            related=[EntityCount(other[0], names.display_name(shared_names[other]), len(shared[other]),
                                 len({article_of[d] for d in shared[other]})) for other in together],
            also=also,
        )

    def _entity_hit(self, rank: int, stored: dict[str, Any], fieldname: str, wanted: str) -> Hit:
        """A paragraph of an entity page, its mentions of the entity marked."""
        text = stored.get("text", "")
        spans = [(m.start, m.end) for m in (Entity(*item) for item in stored.get("entities", ()))
                 if m.field == fieldname and names.key(m.canonical) == wanted]
        return self._stored_hit(rank, stored, 0.0, best_fragment(text, spans, maxchars=MAX_CHARS))

    def _hit(self, rank: int, hit: Any, marks: Marks | None, whole: bool) -> Hit:
        stored = hit.fields()
        fragment = ""
        if marks is not None:
            text = stored.get("text", "")
            mentions = [Entity(*item) for item in stored.get("entities", ())]
            spans = self._match_spans(text, mentions, marks)
            fragment = best_fragment(text, spans, maxchars=len(text) if whole else MAX_CHARS)
        return self._stored_hit(rank, stored, float(hit.score or 0.0), fragment)

    @staticmethod
    def _stored_hit(rank: int, stored: dict[str, Any], score: float, highlights: str) -> Hit:
        mentions = [Entity(*item) for item in stored.get("entities", ())]
        by_field: dict[str, dict[str, str]] = {name: {} for name in ENTITY_FIELDS}
        for mention in mentions:
            by_field[mention.field].setdefault(names.key(mention.canonical), mention.canonical)
        return Hit(
            rank=rank,
            article=stored["article"],
            paragraph=stored["paragraph"],
            score=round(score, 4),
            text=stored.get("text", ""),
            title=stored.get("title", ""),
            published=stored.get("date_text", ""),
            entities={name: list(values.values()) for name, values in by_field.items() if values},
            highlights=highlights,
        )

    def _match_spans(self, text: str, mentions: Sequence[Entity], marks: Marks) -> list[tuple[int, int]]:
        """Character spans of ``text`` that the query matched, in the text and in entity
        mentions. A phrase's words are marked only where they stand as the phrase."""
        spans: list[tuple[int, int]] = []
        if "text" in marks.fields():
            tokens = [(t.pos, t.text, t.startchar, t.endchar)
                      for t in self._schema["text"].analyzer(text, chars=True, positions=True, mode="query")]
            spans += marks.spans("text", tokens, 0)
        name_analyzer = self._schema["person"].analyzer
        for mention in mentions:
            if mention.field in marks.fields():
                tokens = [(t.pos, t.text, t.startchar, t.endchar)
                          for t in name_analyzer(mention.text, chars=True, positions=True)]
                spans += marks.spans(mention.field, tokens, mention.start)
                if mention.name and mention.name != mention.text:
                    # matched by its canonical name ("Haluk Gorgun" for "Gorgun"): mark it all
                    tokens = [(t.pos, t.text, 0, 0) for t in name_analyzer(mention.name, positions=True)]
                    if marks.spans(mention.field, tokens, 0):
                        spans.append((mention.start, mention.end))
        return sorted(set(spans))

    def documents(self) -> Iterator[dict[str, Any]]:
        """The stored fields of every live paragraph (deleted ones left out), in index order,
        read from one snapshot of the index: later commits do not change what it yields."""
        with self._ix.reader() as reader:
            yield from reader.all_stored_fields()


#: The sort key Whoosh gives a paragraph with no publication date (the largest there is).
_UNDATED = 2**64 - 1


def _undated_last(key: int) -> int:
    return -1 if key == _UNDATED else key


#: Whoosh's sort arguments for each of :data:`SORTS`; paragraphs without a date come last in both orders.
_ORDERS: dict[str, dict[str, Any]] = {
    "score": {},
    "oldest": {"sortedby": "published"},
    "newest": {"sortedby": sorting.TranslateFacet(_undated_last, sorting.FieldFacet("published")), "reverse": True},
}


def _ranked(searcher: Any, parsed: Any, limit: int | None, order: dict[str, Any], deadline: float | None,
            warnings: list[str]) -> Any:
    """Whoosh's results for ``parsed``; ranking stops at ``deadline`` (``time.perf_counter``)
    with the best hits found by then, and a warning."""
    collector = searcher.collector(limit=limit, **order)
    if deadline is None:
        searcher.search_with_collector(parsed, collector)
        return collector.results()
    timed = _Deadline(collector, deadline)
    try:
        searcher.search_with_collector(parsed, timed)
    except collectors.TimeLimit:
        message = ("the search ran out of time and was stopped: the hits are the best found until then, "
                   "the total is complete")
        if message not in warnings:
            warnings.append(message)
    return collector.results()


class _Deadline(collectors.WrappingCollector):
    """A collector that stops at a deadline, keeping what it collected: unlike Whoosh's
    ``TimeLimitCollector`` it needs no timer thread and no signal, so it works in any thread."""

    def __init__(self, child: Any, deadline: float) -> None:
        super().__init__(child)
        self.deadline = deadline

    def collect_matches(self) -> None:
        child = self.child
        for count, docnum in enumerate(child.matches()):
            if count % 64 == 0 and time.perf_counter() > self.deadline:
                raise collectors.TimeLimit
            child.collect(docnum)


class _DocSet(query.Query):
    """A precomputed set of paragraphs, matched with a constant score: what a wildcard
    that stands for many words becomes. It still lists its words, for highlighting."""

    def __init__(self, fieldname: str, words: list[bytes], docnums: list[int], label: str) -> None:
        self.fieldname, self.words, self.docnums, self.label = fieldname, words, docnums, label
        self.boost = 1.0

    def __str__(self) -> str:
        return f"{self.label} ({len(self.words):,} words, unranked)"

    def __repr__(self) -> str:
        return f"_DocSet({self.label!r}, {len(self.docnums)} docs)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _DocSet) and (self.label, self.docnums) == (other.label, other.docnums)

    def __hash__(self) -> int:
        return hash((self.label, len(self.docnums)))

    def is_leaf(self) -> bool:
        return True

    def field(self) -> str:
        return self.fieldname

    def expanded_terms(self, ixreader: Any, phrases: bool = True) -> Iterator[tuple[str, bytes]]:
        return ((self.fieldname, word) for word in self.words)

    def estimate_size(self, ixreader: Any) -> int:
        return len(self.docnums)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        # Whoosh asks each segment's searcher in turn, in that segment's own numbers
        offset = searcher.get_parent()._offset_for_subsearcher(searcher) if searcher.has_parent() else 0
        low = bisect.bisect_left(self.docnums, offset)
        high = bisect.bisect_left(self.docnums, offset + searcher.doc_count_all())
        docnums = [docnum - offset for docnum in self.docnums[low:high]]
        return _UnrankedMatcher(docnums, all_weights=self.boost) if docnums else matching.NullMatcher()


class _UnrankedMatcher(matching.ListMatcher):
    """A list of documents that Whoosh's top-N pruning must never drop: its true weight is
    small, but dropping it would lose matches from the total."""

    def max_quality(self) -> float:
        return float("inf")

    def block_quality(self) -> float:
        return float("inf")


@dataclass(frozen=True)
class Parsed:
    """A query ready to run: the Whoosh query, what was repaired, and its kind (:func:`query_kind`)."""

    query: Any
    warnings: list[str]
    kind: str


@dataclass(frozen=True)
class Found:
    """What a search found: the page of hits, how many paragraphs match, how many of them
    hold every word (fewer when a keyword query was relaxed), the time, the warnings about
    the query, and the top entity names per field among all matches."""

    hits: list[Hit]
    total: int
    every_word: int
    seconds: float
    warnings: list[str]
    facets: dict[str, list[tuple[str, int]]]


@dataclass
class Marks:
    """What to mark in a hit: words per field, and phrases as word sequences."""

    words: dict[str, set[str]]
    phrases: list[tuple[str, tuple[str, ...], int]]  # field, words, slop

    @classmethod
    def of(cls, parsed: Any, reader: Any) -> Marks:
        words: dict[str, set[str]] = {}
        for fieldname, term in existing_terms(parsed, reader):
            if fieldname in HIGHLIGHTED_FIELDS:
                words.setdefault(fieldname, set()).add(term.decode("utf-8") if isinstance(term, bytes) else term)
        phrases = [(leaf.fieldname, tuple(leaf.words), max(1, leaf.slop)) for leaf in parsed.leaves()
                   if isinstance(leaf, query.Phrase) and leaf.fieldname in HIGHLIGHTED_FIELDS]
        return cls(words, phrases)

    def fields(self) -> set[str]:
        return set(self.words) | {fieldname for fieldname, _, _ in self.phrases}

    def spans(self, fieldname: str, tokens: list[tuple[int, str, int, int]], shift: int) -> list[tuple[int, int]]:
        """Spans (moved by ``shift``) of the tokens (position, word, start, end) to mark."""
        wanted = self.words.get(fieldname, set())
        found = [(start + shift, end + shift) for _, word, start, end in tokens if word in wanted]
        for phrase_field, words, slop in self.phrases:
            if phrase_field != fieldname:
                continue
            for i, (position, word, _, _) in enumerate(tokens):
                if word != words[0]:
                    continue
                chain, last = [tokens[i]], position
                for next_word in words[1:]:
                    step = next((t for t in tokens if t[1] == next_word and 0 < t[0] - last <= slop), None)
                    if step is None:
                        break
                    chain.append(step)
                    last = step[0]
                if len(chain) == len(words):
                    found += [(start + shift, end + shift) for _, _, start, end in chain]
        return found


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def is_shouted(text: str) -> bool:
    """True for a query of :data:`LONG_QUERY_WORDS` or more words all in capitals."""
    words = [t.text for t in syntax.tokenize(text) if t.kind == "word"]
    return len(words) >= LONG_QUERY_WORDS and text == text.upper() and any(c.isalpha() for c in text)


def query_kind(text: str) -> str:
    """``description``: :data:`LONG_QUERY_WORDS` or more words (or phrases) with no field name
    and no operator, a question rather than a structured query; ``keywords``: two or more
    such words, fewer than that, and no brackets (see :data:`RELAX_BELOW`); else ``structured``."""
    tokens = syntax.tokenize(text)
    if any(t.kind in ("field", "operator", "range") for t in tokens):
        return "structured"
    words = sum(t.kind in ("word", "phrase") for t in tokens)
    if words >= LONG_QUERY_WORDS:
        return "description"
    return "keywords" if words >= 2 and not any(t.kind == "paren" for t in tokens) else "structured"


def _word_starts(folded: str, whole: bool = False) -> list[str]:
    """Where a word of a folded name starts: the name itself and each of its later words
    (with ``whole``, just its words, hyphenated parts included)."""
    words = [word for word in re.split(r"[\s-]+", folded) if word]
    if whole:
        return words
    starts = [folded]
    position = 0
    for word in words:
        position = folded.index(word, position)
        starts.append(folded[position:])
        position += len(word)
    return starts


def matching_docs(parsed: Any, searcher: Any) -> set[int]:
    """The live paragraphs a query matches, as set algebra over the postings of its terms.

    Whoosh's ``docs_for_query`` steps a tree of matchers one document at a time (for a
    word over seven fields, a union of seven); reading each term's postings a block at a
    time and combining sets is several times faster. Ranges and wildcards become the terms
    they stand for; phrases are left to Whoosh.
    """
    reader = searcher.reader()

    def docs(node: Any) -> set[int]:
        if isinstance(node, query.Term):
            return _term_docs(reader, node.fieldname, node.text)
        if isinstance(node, _DocSet):
            return set(node.docnums)
        if isinstance(node, query.Every) and not node.fieldname:
            return set(reader.all_doc_ids())
        if isinstance(node, query.And | query.Require):
            parts = sorted((docs(child) for child in node.children()), key=len)
            return set.intersection(*parts) if parts else set()
        if isinstance(node, query.Or):
            return set().union(*(docs(child) for child in node.children()))
        if isinstance(node, query.AndNot):
            return docs(node.a) - docs(node.b)
        if isinstance(node, query.AndMaybe):
            return docs(node.a)
        if isinstance(node, query.ConstantScoreQuery):
            return docs(node.child)
        if isinstance(node, query.MultiTerm):  # prefix, wildcard, fuzzy, ranges: the union of its words
            field = node.field()
            return set().union(*(_term_docs(reader, field, word) for word in node._btexts(reader)))
        if isinstance(node, query.NumericRange):  # dates and numbers: an OR of indexed terms
            simpler = node.simplify(reader)
            if simpler is not node and not isinstance(simpler, query.NumericRange):
                return docs(simpler)
        return set(searcher.docs_for_query(node))

    return docs(parsed)


def _term_docs(reader: Any, fieldname: str, text: Any) -> set[int]:
    """The live documents holding one term, read a posting block at a time."""
    schema = reader.schema
    if fieldname not in schema:
        return set()
    try:
        term = schema[fieldname].to_bytes(text) if not isinstance(text, bytes) else text
    except ValueError:
        return set()
    found: set[int] = set()
    for leaf, offset in reader.leaf_readers():
        if (fieldname, term) not in leaf:
            continue
        postings = leaf.postings(fieldname, term)
        deleted: set[int] = set()
        if isinstance(postings, FilterMatcher):  # the segment has deleted documents
            deleted, postings = set(postings._ids), postings.child
        if hasattr(postings, "_read_ids") and hasattr(postings, "_next_block"):  # Whoosh's own codec
            ids: set[int] = set()
            while postings.is_active():
                postings._read_ids()
                ids.update(postings._ids)
                postings._next_block()
        else:
            ids = set(postings.all_ids())
        found.update(docnum + offset for docnum in ids - deleted) if offset else found.update(ids - deleted)
    return found


def _live_terms(reader: Any, fieldname: str) -> Iterator[tuple[bytes, int]]:
    """A field's terms with the number of live paragraphs holding each. Whoosh keeps the
    terms and counts of deleted paragraphs until their segment is merged: skip those."""
    if not reader.has_deletions():
        for term, info in reader.iter_field(fieldname):
            yield term, info.doc_frequency()
        return
    for term, _ in reader.iter_field(fieldname):
        count = sum(1 for _ in reader.postings(fieldname, term).all_ids())
        if count:
            yield term, count


def existing_terms(parsed: Any, reader: Any, phrases: bool = False) -> set[tuple[str, bytes]]:
    """The (field, term) pairs of a query that occur in the index, wildcards expanded.

    Whoosh's own ``Query.existing_terms`` skips every field but the first one it meets
    (a loop variable shadows its ``fieldname`` argument), so it cannot be used.
    """
    schema = reader.schema
    found = set()
    for leaf in parsed.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=phrases):
            if fieldname not in schema:
                continue
            try:
                term = schema[fieldname].to_bytes(text)
            except ValueError:
                continue
            if (fieldname, term) in reader:
                found.add((fieldname, term))
    return found


class ParagraphWriter:
    """Adds and removes the paragraphs of whole articles inside one Whoosh write."""

    def __init__(self, writer: SegmentWriter) -> None:
        self._writer = writer
        #: True once anything was added or deleted
        self.changed = False

    def delete_article(self, article_id: str) -> None:
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
