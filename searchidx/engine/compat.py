"""Every use of Whoosh's internals, in one place, checked against the Whoosh it was written for
(searchidx's codec, :mod:`.codec`, subclasses Whoosh 3's; what it relies on is checked here too).

searchidx works around a few Whoosh 2.7 limits by reaching past its public API: reading
segment files in place instead of copying them, reading posting lists a block at a time,
the words a wildcard stands for, a segment's offset in a multi-segment searcher, the
segments of a commit, a writer's flush that asks the disk once per posting whether a
file exists, and a writer's stemming cache, kept in Python. :func:`check_whoosh` says,
once, whether the installed Whoosh has what this module uses; nothing here changes Whoosh
itself, so a host application's other Whoosh indexes behave as Whoosh made them.
"""

from __future__ import annotations

import bisect
import functools
import mmap
import os
import shutil
import weakref
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from itertools import accumulate
from typing import Any

import whoosh
from whoosh import formats
from whoosh.analysis.filters import CharsetFilter, LowercaseFilter, StopFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer
from whoosh.codec import whoosh3
from whoosh.columns import NumericColumn
from whoosh.filedb import filetables
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.index import TOC, LockError
from whoosh.lang.porter2 import stem as porter2_stem
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.util.filelock import try_for
from whoosh.util.numeric import byte_to_length

from ..errors import SearchidxError
from .codec import CompactCodec, CompactFieldWriter, CompactLeafMatcher, CompactPerDocReader, SegmentTerms

#: The Whoosh this module was written and tested for (whoosh-reloaded 2.7.5).
TESTED_WHOOSH = (2, 7)


@functools.lru_cache(maxsize=1)
def check_whoosh() -> None:
    """Raise :class:`SearchidxError` when the installed Whoosh lacks what this module
    relies on (it was written for Whoosh 2.7); checked once per process."""
    version = tuple(whoosh.__version__[:2])
    needed = [(Searcher, "_offset_for_subsearcher"), (whoosh3.W3LeafMatcher, "_read_data"),
              (whoosh3.W3LeafMatcher, "_next_block"), (whoosh.index.FileIndex, "_segments"),
              (whoosh3.W3LeafMatcher, "_goto"), (whoosh3.W3PostingsWriter, "_write_block"),
              (whoosh3.W3PerDocWriter, "_create_column"), (filetables, "_dir_entry"),
              (filetables, "_hash_functions"), (formats.Positions, "encode")]
    missing = [f"{owner.__name__}.{name}" for owner, name in needed if not hasattr(owner, name)]
    if version != TESTED_WHOOSH or missing:
        raise SearchidxError(f"searchidx needs Whoosh {'.'.join(map(str, TESTED_WHOOSH))} (whoosh-reloaded); "
                             f"found {whoosh.versionstring()}" + (f" without {', '.join(missing)}" if missing else ""))


class _MemoryFile:
    """A read-only file over a memoryview, copying only what is read."""

    def __init__(self, view: memoryview) -> None:
        self._view, self._pos, self._size = view, 0, len(view)

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        self._pos = self._size if size is None or size < 0 else min(self._size, start + size)
        return bytes(self._view[start:self._pos])

    def peek(self, size: int = 0) -> bytes:
        """Bytes ahead, not consumed: pickle's loader takes what it needs from them and then
        reads only that (without it, it reads an opcode at a time, 20 reads a posting block)."""
        return bytes(self._view[self._pos:self._pos + min(max(size, 1), 4096)])

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


class _MappedFile(BufferFile):  # type: ignore[misc]  # Whoosh has no type hints
    """A segment file read in place from a memory map. Whoosh's own ``BufferFile`` wraps
    the map in ``BytesIO(buf)``, which copies every file of a segment into memory (about
    100 ms and 100 MB to open the Reuters index, for each new searcher), and its
    ``subset`` copies each part again."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose: Any = None) -> None:
        StructFile.__init__(self, _MemoryFile(buf), name=name, onclose=onclose)
        self._buf = buf
        self.is_real = False

    def subset(self, position: int, length: int, name: str | None = None) -> _MappedFile:
        return _MappedFile(self._buf[position:position + length], name=name or self._name)


class MappedStorage(FileStorage):  # type: ignore[misc]
    """Whoosh's file storage, reading files through memory maps without copying them.

    Compound segment files are opened as one map; Whoosh's ``CompoundStorage`` then takes
    each part with ``subset`` (it maps files itself only when ``supports_mmap`` is set,
    which is why it is not). A file mapped stays readable after a merge deletes it, so a
    reader keeps the commit it opened.
    """

    def __init__(self, path: str, readonly: bool = False) -> None:
        super().__init__(path, supports_mmap=False, readonly=readonly)

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:  # an empty file cannot be mapped
                return StructFile(open(self._fpath(name), "rb"), name=name, **kwargs)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return _MappedFile(memoryview(mapped), name=name, **kwargs)


def expanded_words(node: Any, reader: Any, stop: Callable[[], bool] | None = None) -> list[Any]:
    """The words of the index a wildcard, prefix, fuzzy term or range stands for (Whoosh
    keeps this behind ``MultiTerm._btexts``); those found until ``stop()`` is true, if given
    (it is asked every 256 words of the scan)."""
    if stop is None:
        return list(node._btexts(reader))
    words = []
    for count, word in enumerate(node._btexts(reader)):
        if count % 256 == 255 and stop():
            break
        words.append(word)
    return words


def segment_offset(searcher: Any) -> int:
    """The number of the first document of a segment's searcher in its parent searcher."""
    return int(searcher.get_parent()._offset_for_subsearcher(searcher)) if searcher.has_parent() else 0


def _block_ids(postings: Any) -> Sequence[int]:
    """The document numbers of a Whoosh 3 posting block, undone from their deltas in C
    (Whoosh's ``_read_ids`` does it with a Python generator, a third of reading a block)."""
    if isinstance(postings, CompactLeafMatcher):
        return postings.block_ids()
    if postings._data is None:
        postings._read_data()
    ids = postings._data[0]
    return ids if postings._byteids else tuple(accumulate(ids))


def posting_ids(postings: Any) -> tuple[set[int], frozenset[int]]:
    """The document numbers of a posting list, and those of them deleted; read a block at a
    time where Whoosh's codec allows it (``all_ids`` steps one posting at a time)."""
    deleted: frozenset[int] = frozenset()
    if isinstance(postings, FilterMatcher):  # the segment has deleted documents
        deleted, postings = postings._ids, postings.child  # (Whoosh's frozen set, kept per reader)
    if isinstance(postings, whoosh3.W3LeafMatcher):
        ids: set[int] = set()
        while postings.is_active():
            ids.update(_block_ids(postings))
            postings._next_block()
        return ids, deleted
    return set(postings.all_ids()), deleted


def posting_weights(postings: Any, within: Collection[int] | None = None) -> dict[int, float]:
    """Document number -> weight (the word's frequency, times the field's boost) of the live
    documents of a posting list, read a block at a time; with ``within``, of those documents
    only, and the blocks that cannot hold one of them are not decoded."""
    deleted: frozenset[int] = frozenset()
    if isinstance(postings, FilterMatcher):  # the segment has deleted documents
        deleted, postings = postings._ids, postings.child  # (Whoosh's frozen set, kept per reader)
    found: dict[int, float] = {}
    if isinstance(postings, whoosh3.W3LeafMatcher):
        wanted = sorted(within) if within is not None else None
        low = 0
        while postings.is_active():
            high = postings._maxid
            if wanted is None or _holds_between(wanted, low, high):
                postings._read_weights()
                pairs = zip(_block_ids(postings), postings._weights)
                found.update(pairs if within is None else ((d, w) for d, w in pairs if d in within))
            low = high + 1
            postings._next_block()
    else:  # (a list Whoosh keeps in the term's entry, or another codec's)
        while postings.is_active():
            docnum = postings.id()
            if within is None or docnum in within:
                found[docnum] = postings.weight()
            postings.next()
    for docnum in deleted.intersection(found):  # (not ``&``: that walks the whole frozen set)
        del found[docnum]
    return found


def posting_lists(postings: Any) -> tuple[list[int], list[float]]:
    """The document numbers and weights of a whole posting list, deleted documents included
    (``reader.deleted_docs_set`` holds them), read a block at a time."""
    if isinstance(postings, FilterMatcher):
        postings = postings.child
    ids: list[int] = []
    weights: list[float] = []
    if isinstance(postings, whoosh3.W3LeafMatcher):
        while postings.is_active():
            ids += _block_ids(postings)
            postings._read_weights()
            weights += postings._weights
            postings._next_block()
        return ids, weights
    while postings.is_active():
        ids.append(postings.id())
        weights.append(postings.weight())
        postings.next()
    return ids, weights


#: Whoosh's field lengths, by the byte it stores for each (lengths are kept approximately).
LENGTHS = tuple(byte_to_length(b) for b in range(256))
#: Segment readers' length columns read whole (per-document reader -> field -> a byte a document).
_LENGTH_BYTES: weakref.WeakKeyDictionary[Any, dict[str, bytes | None]] = weakref.WeakKeyDictionary()


def length_codes(reader: Any, fieldname: str) -> bytes | None:
    """The byte Whoosh stores for the length of a field in each document of a segment's
    reader (its length is ``LENGTHS[byte]``), read once per segment reader; None when the
    codec keeps lengths otherwise."""
    perdoc = getattr(reader, "_perdoc", None)
    return _column_codes(perdoc, fieldname) if isinstance(perdoc, whoosh3.W3PerDocReader) else None


def _column_codes(perdoc: Any, fieldname: str) -> bytes | None:
    """The length column of ``fieldname`` in a per-document reader, a byte a document, read
    once per reader (and None, remembered too, for a field with no such column)."""
    read = _LENGTH_BYTES.setdefault(perdoc, {})
    if fieldname not in read:
        column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        fixed = isinstance(column, NumericColumn.Reader) and column._fixedlen == 1
        read[fieldname] = bytes(column._dbfile.get(column._basepos, column._count)) if fixed else None
    return read[fieldname]


def field_lengths(reader: Any, fieldname: str) -> Callable[[int], int]:
    """The length of a field in each document of a segment's reader, as Whoosh's scoring
    reads it (``doc_field_length``), through the lengths column directly where it can."""
    data = length_codes(reader, fieldname)
    if data is not None:  # a byte a document, read once per segment reader
        count = len(data)
        return lambda docnum: LENGTHS[data[docnum]] if docnum < count else 1
    perdoc = getattr(reader, "_perdoc", None)
    if isinstance(perdoc, whoosh3.W3PerDocReader):
        column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if column is not None:
            return lambda docnum: LENGTHS[column[docnum]]
    return lambda docnum: int(reader.doc_field_length(docnum, fieldname, 1))


def posting_values(postings: Any, within: Collection[int]) -> dict[int, Any]:
    """Document number -> the stored value of each posting (a positioned field's encoded
    positions) for the documents of ``within`` only; the blocks that hold none of them are
    not decoded."""
    if isinstance(postings, FilterMatcher):
        postings = postings.child
    found: dict[int, Any] = {}
    if isinstance(postings, whoosh3.W3LeafMatcher):
        wanted = sorted(within)
        low = 0
        while postings.is_active():
            high = postings._maxid
            if _holds_between(wanted, low, high):
                postings._read_values()
                found.update((d, v) for d, v in zip(_block_ids(postings), postings._values) if d in within)
            low = high + 1
            postings._next_block()
        return found
    while postings.is_active():
        if postings.id() in within:
            found[postings.id()] = postings.value()
        postings.next()
    return found


def _holds_between(sorted_ids: list[int], low: int, high: int) -> bool:
    """True when an id of ``sorted_ids`` lies in ``low``..``high`` (both included)."""
    i = bisect.bisect_right(sorted_ids, high)
    return i > 0 and sorted_ids[i - 1] >= low


def open_writer(ix: Any, timeout: float, limitmb: int) -> Any:
    """A writer of ``ix``, its lock awaited up to ``timeout`` seconds (``LockError``), once
    the files left by writers that failed or were killed are removed. Whoosh takes the
    lock inside the writer and keeps it when the writer then fails to start (a full
    disk): this takes it first, so that a failed start releases it."""
    from .pool import FlushPool  # (not on the query path)

    lock = acquire_lock(ix, timeout)
    try:
        remove_leftovers(ix)
        writer = ix.writer(_lk=False, limitmb=limitmb, codec=CompactCodec())
    except BaseException:
        lock.release()
        raise
    writer.writelock = lock
    writer.pool = FlushPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
    writer.per_document_reader = functools.partial(_flushing_lengths, writer)
    _cache_stems(writer.schema)
    _fuse_analyzers(writer)
    return writer


#: Porter2 stems behind functools' cache (in C): Whoosh's own cache, in Python, counts every
#: use of every word and sorts them all when it is full; with it, stemming took a sixth of
#: writing a paragraph.
_cached_stem = functools.lru_cache(maxsize=1 << 18)(porter2_stem)


def _cache_stems(schema: Any) -> None:
    """Give the Porter2 stem filters of this schema object (in memory: what the index
    stores, and Whoosh's class, are unchanged) the faster cache; the stems are the same."""
    for name in schema.names():
        for item in getattr(getattr(schema[name], "analyzer", None), "items", ()):
            if type(item) is StemFilter and item.stemfn is porter2_stem and not item.lang \
                    and getattr(item, "_stem", None) is not None:
                item._stem = _cached_stem


#: The analyzer chains :func:`fused_index` runs in one pass: searchidx's text and name analyzers.
_TEXT_CHAIN = [RegexTokenizer, LowercaseFilter, StopFilter, StemFilter, CharsetFilter]
_NAME_CHAIN = [RegexTokenizer, LowercaseFilter, CharsetFilter]


#: Texts each set of alike fields remembers (see :func:`fused_index`): a paragraph's title and
#: text, and the lines of its catch-all field.
_MEMO_TEXTS = 8


def _fuse_analyzers(writer: Any) -> None:
    """Give the text fields of this writer's schema object (in memory, as
    :func:`_cache_stems`) an ``index`` that analyses a paragraph in one pass
    (:func:`fused_index`), taken off again before the commit pickles the schema into the
    index's table of contents, which keeps Whoosh's own."""
    if not hasattr(writer, "_commit_toc"):  # (no way to keep the fused index out of the schema's pickle)
        return
    fields = [writer.schema[name] for name in writer.schema.names()]
    memos: dict[Any, dict[str, tuple[list[str], int]]] = {}
    fused = [(field, fused_index(field, memos)) for field in fields]
    for field, index in fused:
        if index is not None:
            field.index = index
    commit_toc = writer._commit_toc

    def plain_toc(*args: Any, **kwargs: Any) -> Any:
        for field, _ in fused:
            vars(field).pop("index", None)
        return commit_toc(*args, **kwargs)

    writer._commit_toc = plain_toc


def fused_index(field: Any, memos: dict[Any, dict[str, tuple[list[str], int]]] | None = None
                ) -> Callable[..., list[tuple[bytes, int, float, bytes]]] | None:
    """What ``field.index(text)`` returns (each word's bytes, frequency, weight and encoded
    positions or frequency), computed in one pass of list operations instead of Whoosh's
    chain of generators and token objects, which took about a third of writing a paragraph;
    None for a field whose analyzer or format is not one this knows. The same words,
    positions (the first word kept keeps its place, the next ones follow it, as Whoosh's
    stop filter renumbers them) and bytes: tests compare the two on generated text.

    Fields whose analyzers are alike share the last texts they analysed (through
    ``memos``): a paragraph's text is analysed once for its field and for the catch-all
    field, which counts words without positions and so is analysed a line at a time (no
    word spans a line), and an article's title once for all its paragraphs."""
    fmt: Any = getattr(field, "format", None)
    items = getattr(getattr(field, "analyzer", None), "items", None)
    if type(fmt) not in (formats.Positions, formats.Frequency) or not items:
        return None
    chain = [type(item) for item in items]
    if chain == _TEXT_CHAIN:
        tokenizer, _, stop, stem, charset = items
        if stop.max is not None or not stop.renumber or stem.ignore:
            return None
        stops, shortest, stemmed = stop.stops, stop.min, stem._stem
    elif chain == _NAME_CHAIN:
        tokenizer, _, charset = items
        stops = None
    else:
        return None
    if tokenizer.gaps:
        return None
    finditer, charmap, boost, original = tokenizer.expression.finditer, charset.charmap, fmt.field_boost, field.index
    positioned = type(fmt) is formats.Positions
    alike = (tokenizer.expression.pattern, tokenizer.expression.flags, stops, stops and shortest,
             stops and stemmed, id(charmap))
    memo = {} if memos is None else memos.setdefault(alike, {})
    by_line = not any("\n" in match.group() for match in finditer("a\nb. \n-\n_\n1\n.\n"))  # (no word spans lines)

    def analysed(text: str) -> tuple[list[str], int]:
        """The words of ``text`` as the chain leaves them, and the first one's position."""
        known = memo.get(text)
        if known is not None:
            return known
        words = [match.group().lower() for match in finditer(text)]
        first = 0
        if stops is not None:
            kept = [len(word) >= shortest and word not in stops for word in words]
            first = kept.index(True) if True in kept else 0
            words = [stemmed(word).translate(charmap) for word, keep in zip(words, kept) if keep]
        else:
            words = [word.translate(charmap) for word in words]
        if len(memo) >= _MEMO_TEXTS:
            memo.clear()
        memo[text] = (words, first)
        return words, first

    def index(value: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or kwargs:
            return original(value, **kwargs)
        if not positioned:
            counts: Counter[str] = Counter()
            for line in value.split("\n") if by_line else (value,):
                counts.update(analysed(line)[0])
            return [(word.encode("utf-8"), freq, freq * boost, pack_uint(freq)) for word, freq in counts.items()]
        words, first = analysed(value)
        positions: dict[str, list[int]] = {}
        for position, word in enumerate(words, first):
            positions.setdefault(word, []).append(position)
        return [(word.encode("utf-8"), len(found), len(found) * boost, fmt.encode(found))
                for word, found in positions.items()]

    return index


class _SegmentLengths(CompactPerDocReader):
    """The field lengths of a finished segment: the one a writer is flushing, or one being
    merged. Whoosh asks for a length with every posting it writes (and a merge, for every
    field of every document it copies), and for a field that keeps no lengths (article
    ids, whole names) it looks for the column's file each time: one file-system call per
    posting, a tenth of a commit. A finished segment gains no files, so the answer is
    kept, and a field's lengths are read once."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._columns: dict[str, bool] = {}

    def has_column(self, fieldname: str) -> bool:
        found = self._columns.get(fieldname)
        if found is None:
            found = self._columns[fieldname] = bool(super().has_column(fieldname))
        return found

    def lengths_of(self, fieldname: str) -> list[int] | None:
        """Each document's length of ``fieldname`` (0: none), from its column read once; None
        for a field with no such column (the flush then asks :meth:`doc_field_length`)."""
        codes = _column_codes(self, fieldname)
        return None if codes is None else [LENGTHS[code] for code in codes]  # (LENGTHS[0] is 0)

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        """As Whoosh's, from the field's length column read once (Whoosh reads a byte from
        the file for each posting written: a sixth of a commit)."""
        codes = _column_codes(self, fieldname)
        if codes is None or docnum >= len(codes):
            return super().doc_field_length(docnum, fieldname, default)  # type: ignore[no-any-return]
        code = codes[docnum]
        return LENGTHS[code] if code else None


def _flushing_lengths(writer: Any) -> Any:
    """``writer.per_document_reader`` for this writer alone (see :class:`_SegmentLengths`)."""
    if not writer.perdocwriter.is_closed:
        raise RuntimeError("the per-document writer is still open")
    return _SegmentLengths(writer.storage, writer.get_segment())


def acquire_lock(ix: Any, timeout: float) -> Any:
    """The writer lock of ``ix``, awaited up to ``timeout`` seconds (``LockError``); release
    it with its ``release()``."""
    lock = ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=timeout, delay=0.1):
        raise LockError
    return lock


def last_commit(ix: Any) -> tuple[Any, list[Any]]:
    """The schema and the segments of the latest commit of ``ix``."""
    toc = TOC.read(ix.storage, ix.indexname)
    return toc.schema, list(toc.segments)


def commit_segments(ix: Any, schema: Any, segments: list[Any]) -> None:
    """Commit ``segments`` (whose files are in the folder of ``ix`` already) as the next
    commit of ``ix``, in place of all it held: a new table of contents, written beside and
    renamed into place as Whoosh commits (call it holding the writer's lock)."""
    TOC(schema, segments, ix.latest_generation() + 1).write(ix.storage, ix.indexname)


def remove_leftovers(ix: Any) -> None:
    """Remove the files no commit of ``ix`` needs (call it holding the writer's lock): the
    segments and tables of contents of older commits and of writers that failed or were
    killed (Whoosh cleans only at a commit), tables of contents half-written, and the
    writer's temporary folder."""
    storage, name = ix.storage, ix.indexname
    names = os.listdir(storage.folder)  # (Whoosh's own listing takes any error for an empty folder)
    tocs, segments = TOC._pattern(name), TOC._segment_pattern(name)
    generation = max((int(m.group(1)) for m in map(tocs.match, names) if m), default=-1)
    if generation < 0:
        return
    keep = {segment.segment_id() for segment in TOC.read(storage, name, generation).segments}
    for file in names:
        toc, segment = tocs.match(file), segments.match(file)
        old_toc = toc is not None and int(toc.group(1)) != generation
        if old_toc or (segment and segment.group(1) not in keep) or file.startswith(f"_{name}_") and ".toc." in file:
            storage.delete_file(file)
    shutil.rmtree(os.path.join(storage.folder, f"{name}.tmp"), ignore_errors=True)


def buffer_share(writer: Any) -> float:
    """How full a Whoosh writer's buffer of postings is (its ``limitmb``): past 1, Whoosh
    writes the sorted postings to temporary files, pickling them one by one, and reads them
    back at the commit (with batches of 5,000 Reuters articles, a fifth of the writing
    process's time); 0 for a writer without one."""
    pool: Any = getattr(writer, "pool", None)
    limit = getattr(pool, "limit", 0)
    return pool.currentsize / limit if limit else 0.0


def merge_segment(writer: Any, reader: Any) -> None:
    """Merge a segment (``reader``, which this closes) into the one ``writer`` commits, as
    Whoosh's ``writer.add_reader`` does, but with its postings given to the flush a term
    at a time, copied as they are where they can be (:class:`.codec.SegmentTerms`):
    Whoosh puts each posting into its sorting pool as a tuple, one Python call or more
    each, and sorts them all again. Segments of another codec go Whoosh's way."""
    if type(reader.codec()) is not CompactCodec or not isinstance(writer.fieldwriter, CompactFieldWriter) \
            or not hasattr(writer, "write_per_doc"):
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
        return
    try:
        plain, reader._perdoc = reader._perdoc, _SegmentLengths(reader._storage, reader._segment)
        plain.close()
        writer._check_state()
        basedoc = writer.docnum
        names = set(writer.schema.names()) | {name for name in reader.indexed_field_names() if name in writer.schema}
        docmap = writer.write_per_doc(names, reader)
        writer._added = True
    except BaseException:
        reader.close()
        raise
    writer.fieldwriter.merge_later(SegmentTerms(reader, basedoc, docmap))


def cancel_writer(writer: Any, ix: Any) -> None:
    """Cancel a Whoosh writer, removing every file it had begun, and release its lock; for a
    writer that failed half-way through a commit too (a full disk fails the flush of its
    last buffers, and Whoosh's ``cancel()`` then stops before releasing the lock). Files
    are removed before the lock is released, so that the next writer's are never touched."""
    if writer.is_closed:
        return
    if isinstance(writer.fieldwriter, CompactFieldWriter):
        writer.fieldwriter.close_merged()
    try:
        writer._close_segment()  # (closing writes a segment's last files)
    except Exception:  # its buffers could not be flushed: the files are removed all the same
        pass
    try:
        remove_leftovers(ix)
    except Exception:  # (the error being handled matters more) the next writer removes them
        pass
    finally:
        searcher = writer._searcher  # (opened by deletions)
        for release in (searcher and searcher._orig_close, writer._tempstorage.destroy, writer.writelock.release):
            try:
                if release:
                    release()
            except Exception:  # the folder is gone already
                pass
        writer._searcher = None
        writer.is_closed = True


def segment_ids(ix: Any) -> list[str]:
    """The ids of the segments of an index's latest commit (Whoosh lists no commit's files)."""
    return [segment.segment_id() for segment in ix._segments()]
