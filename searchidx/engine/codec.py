"""searchidx's Whoosh codec: Whoosh 3's files, with posting blocks and stored fields written
compactly.

Whoosh 3 pickles each posting block (protocol 2, where every position list becomes a
call that rebuilds a string) and compresses each paragraph's stored fields alone, so that
the title and date a news article repeats in every paragraph are stored again each time.
Both made up two thirds of an index of news paragraphs. This codec keeps Whoosh 3's
files, term dictionary and readers, and changes three things:

- **Posting blocks** are typed arrays (document-number deltas, integer frequencies, the
  positions' bytes back to back), behind a fixed 22-byte header, compressed with raw
  deflate when that is smaller. A block's matcher offers what Whoosh 3's does.
- **A term's statistics** in the term dictionary take 16 bytes for most terms instead of
  35: each number in the fewest bytes that hold it, and none for a common value (a total
  weight equal to the document frequency, a highest weight of 1) (:class:`CompactTermInfo`).
- **Stored fields** are pickled and compressed about 8 KB at a time
  (:class:`StoredBlocks`), so the paragraphs of an article share one compressed block,
  and reading one paragraph decompresses its block (up to 8 blocks read are kept).

A segment records the codec that wrote it (the codec object is pickled into the index's
table of contents): segments written by Whoosh 3's own codec stay readable, and merging
them writes them in this codec. A change to these layouts therefore needs a codec class of
its own, so that segments written before keep their reader.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import pickle
import struct
import sys
import zlib
from array import array
from collections.abc import Sequence
from itertools import accumulate, groupby
from operator import itemgetter
from typing import Any, TypeVar

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.codec.base import OutOfOrderError
from whoosh.filedb import filetables
from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

#: Block header: length of the rest of the block (negative for a term's last block),
#: posting count, first and last document number, highest weight, shortest and longest
#: field length (Whoosh's length bytes), kinds of ids/weights/values, compressed or not.
_HEADER = struct.Struct("<iHIIfBBBB")
#: A term dictionary entry's lengths of key and value (Whoosh's hash file's ``_lengths``).
_KEY_LENGTHS = struct.Struct("!ii")
#: The part of a block's header that copying it to another segment changes.
_BLOCK_START = struct.Struct("<iHII")
#: Typecodes of an unsigned array by kind, and the kind that holds a largest value.
_UNSIGNED = "BHI"
#: Weights: all 1, one value for all, or an array of bytes, shorts or floats.
_W_ONES, _W_SAME, _W_BYTES, _W_SHORTS, _W_FLOATS = range(5)
#: Values: none, fixed-size values back to back, or lengths (bytes, shorts, ints) and values.
_V_NONE, _V_FIXED, _V_BYTES, _V_SHORTS, _V_INTS = range(5)
#: Payloads shorter than this are not worth compressing.
_MIN_COMPRESS = 24
_LITTLE = sys.byteorder == "little"
#: A posting's field and term, by which a flush groups postings.
_FIELD_TERM = itemgetter(0, 1)
#: The key of a flush's ``(key, part)``.
_KEY = itemgetter(0)
F = TypeVar("F", bound=Any)


def _kind_of(largest: int) -> int:
    """The smallest unsigned typecode's kind (index into :data:`_UNSIGNED`) for ``largest``."""
    return 0 if largest < 0x100 else 1 if largest < 0x10000 else 2


def _packed(typecode: str, values: Any) -> bytes:
    """``values`` as a little-endian array of ``typecode``."""
    items = array(typecode, values)
    if not _LITTLE:
        items.byteswap()
    return items.tobytes()


def _unpacked(typecode: str, data: Any) -> array[Any]:
    items = array(typecode)
    items.frombytes(data)
    if not _LITTLE:
        items.byteswap()
    return items


def _decoding(method: F) -> F:
    """Make ``method`` raise :class:`struct.error` where damaged bytes do not decode (a
    damaged file's numbers can point anywhere): searchidx takes that error, like Whoosh's own
    read errors, for a damaged index (``storage.READ_ERRORS``), not for a bug."""
    @functools.wraps(method)
    def decode(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except (ValueError, IndexError, KeyError, TypeError, AttributeError, ImportError, OverflowError,
                MemoryError) as error:
            raise struct.error(f"undecodable bytes ({error})") from error
    return decode  # type: ignore[return-value]


def _view(file: Any, position: int, length: int) -> Any:
    """``length`` bytes of a Whoosh file at ``position``: a slice of its memory map when it
    has one (see :class:`.compat.MappedStorage`), read otherwise."""
    buf = getattr(file, "_buf", None)
    return buf[position:position + length] if buf is not None else file.get(position, length)


class CompactPostingsWriter(whoosh3.W3PostingsWriter):  # type: ignore[misc]  # Whoosh has no type hints
    """Writes a term's postings in blocks of :data:`_HEADER` and typed arrays. It counts
    the bytes it writes rather than asking the file where it is (Whoosh asks twice a term,
    a system call each time)."""

    #: the statistics of the block being filled (Whoosh's ``_new_block`` resets them)
    _maxweight: float
    _minlength: int | None
    _maxlength: int
    _terminfo: Any

    def __init__(self, postfile: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(postfile, *args, **kwargs)
        self.position = postfile.tell()  #: where the next byte goes (one writer writes the file at a time)

    def _put(self, data: bytes) -> None:
        self._postfile.write(data)
        self.position += len(data)

    def start_postings(self, format_: Any, terminfo: Any) -> None:
        if self._terminfo:
            raise RuntimeError("start_postings in a term")
        self._format, self._terminfo, self._blockcount = format_, terminfo, 0
        self._new_block()
        self._startoffset = self.position

    def finish_postings(self) -> Any:
        terminfo = self._terminfo
        if self._ids:
            self._write_block(last=True)
        terminfo.set_extent(self._startoffset, self.position - self._startoffset)
        self._terminfo = None
        return terminfo

    def add_many(self, ids: list[int], weights: list[float], values: list[bytes], lengths: Sequence[int]) -> None:
        """A term's postings in order, as many calls of Whoosh's ``add_posting`` would add
        them (a falsy value or length counts as none; no lengths at all, none for any), a
        block's worth at a time."""
        start, count, limit = 0, len(ids), self._blocklimit
        while start < count:
            if len(self._ids) >= limit:
                self._write_block()
            end = min(count, start + limit - len(self._ids))
            some = weights[start:end]
            self._ids.extend(ids[start:end])
            self._weights.extend(some)
            self._values.extend([value for value in values[start:end] if value])
            self._maxweight = max(self._maxweight, max(some))
            known = [length for length in lengths[start:end] if length]
            if known:
                shortest, longest = min(known), max(known)
                if self._minlength is None or shortest < self._minlength:
                    self._minlength = shortest
                self._maxlength = max(self._maxlength, longest)
            start = end

    def _write_block(self, last: bool = False) -> None:
        self._terminfo.add_block(self)
        self._write(self._ids, self._weights, self._values, self._maxweight, self._minlength, self._maxlength, last)
        self._blockcount += 1
        self._new_block()

    def write_term(self, format_: Any, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes | None],
                   lengths: Sequence[int]) -> CompactTermInfo:
        """A whole term's postings, no more than a block's worth (most terms), written as
        one last block with none of the bookkeeping of ``start_postings``, :meth:`add_many`
        and ``finish_postings``; returns the term's statistics. Writes what those would (a
        falsy value or length counts as none)."""
        self._format = format_
        stored = array("f", weights)  # (a block keeps 32-bit weights, and the term's total sums those)
        known = [length for length in lengths if length]
        minlength, maxlength = (min(known), max(known)) if known else (None, 0)
        maxweight = max(0, max(weights))
        start = self.position
        self._write(ids, stored, [value for value in values if value], maxweight, minlength, maxlength, True)
        info = CompactTermInfo()
        info._df, info._weight, info._minid, info._maxid = len(ids), sum(stored), ids[0], ids[-1]
        info._minlength, info._maxlength, info._maxweight = minlength, maxlength, maxweight
        info._offset, info._length = start, self.position - start
        return info

    def _write(self, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes], maxweight: float,
               minlength: int | None, maxlength: int, last: bool) -> None:
        """One block of postings: its header and payload, at the end of the postings file."""
        count = len(ids)
        deltas = [b - a for a, b in zip(ids, ids[1:])]
        id_kind = _kind_of(max(deltas, default=0))
        parts = [_packed(_UNSIGNED[id_kind], deltas)]

        if all(w == 1.0 for w in weights):
            w_kind = _W_ONES
        elif all(w == weights[0] for w in weights):
            w_kind = _W_SAME
            parts.append(struct.pack("<f", weights[0]))
        elif all(w.is_integer() and w < 0x10000 for w in weights):
            w_kind = _W_BYTES if max(weights) < 0x100 else _W_SHORTS
            parts.append(_packed("B" if w_kind == _W_BYTES else "H", map(int, weights)))
        else:
            w_kind = _W_FLOATS
            parts.append(_packed("f", weights))

        fixed = self._format.fixed_value_size()
        if fixed == 0 or not values:
            v_kind = _V_NONE
        elif fixed is not None and fixed > 0:
            v_kind = _V_FIXED
            parts.append(b"".join(values))
        else:
            if len(values) != count:
                raise ValueError(f"{count} postings but {len(values)} values")
            sizes = [len(v) for v in values]
            v_kind = _V_BYTES + _kind_of(max(sizes))
            parts.append(_packed(_UNSIGNED[v_kind - _V_BYTES], sizes))
            parts.append(b"".join(values))

        payload = b"".join(parts)
        compressed = 0
        if len(payload) >= _MIN_COMPRESS:
            packer = zlib.compressobj(self._compression, zlib.DEFLATED, -15)
            packed = packer.compress(payload) + packer.flush()
            if len(packed) < len(payload):
                payload, compressed = packed, 1
        size = _HEADER.size - 4 + len(payload)
        self._put(_HEADER.pack(
            -size if last else size, count, ids[0], ids[-1], maxweight,
            length_to_byte(minlength), length_to_byte(maxlength),
            id_kind | w_kind << 2 | v_kind << 5, compressed) + payload)

    def add_blocks(self, data: Any, info: CompactTermInfo, shift: int) -> None:
        """Another segment's blocks of all a term's postings (``data``, whose statistics
        are ``info``), copied as they are with their document numbers moved by ``shift``:
        a block keeps only deltas after its first number, so moving them all by one amount
        changes the headers alone. (A term's postings from several segments are written
        again instead: copied, each segment's short last block would stay, and the index
        grow by a third.)"""
        if self._ids or self._blockcount:
            raise RuntimeError("blocks copied into a term that has postings already")
        position, end, write = 0, len(data), self._put
        while position < end:
            length, count, first, final = _BLOCK_START.unpack_from(data, position)
            size = 4 + abs(length)
            if size < _HEADER.size or position + size > end or (length < 0) != (position + size == end):
                raise struct.error("a block that does not fit its term's postings")
            write(_BLOCK_START.pack(length, count, first + shift, final + shift))
            write(data[position + _BLOCK_START.size:position + size])
            self._blockcount += 1
            position += size
        terminfo = self._terminfo
        terminfo._df, terminfo._weight, terminfo._maxweight = info._df, info._weight, info._maxweight
        terminfo._minlength = info._minlength or None  # (0: a field of no lengths, Whoosh's None)
        terminfo._maxlength = info._maxlength
        terminfo._minid, terminfo._maxid = info._minid + shift, info._maxid + shift


class CompactLeafMatcher(whoosh3.W3LeafMatcher):  # type: ignore[misc]
    """Reads the blocks :class:`CompactPostingsWriter` wrote, with Whoosh 3's matcher's
    interface and attributes (``_data`` is the block's raw arrays; use :meth:`block_ids`)."""

    _data: Any
    _ids: Any
    _weights: Any
    _values: Any

    def _read_header(self) -> None:
        self._baseoffset = self._startoffset

    @_decoding
    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        (length, self._blocklength, self._firstid, self._maxid, self._maxweight, minlength,
         maxlength, self._kinds, self._compression) = _HEADER.unpack(_view(self._postfile, position, _HEADER.size))
        if not self._blocklength:
            raise ValueError("a block of no postings")
        self._lastblock = length < 0
        self._dataoffset = position + _HEADER.size
        self._nextoffset = position + 4 + abs(length)
        self._minlength = byte_to_length(minlength)
        self._maxlength = byte_to_length(maxlength)

    @_decoding
    def _read_data(self) -> None:
        data = _view(self._postfile, self._dataoffset, self._nextoffset - self._dataoffset)
        if self._compression:
            data = zlib.decompress(data, -15)
        count, kinds = self._blocklength, self._kinds
        typecode = _UNSIGNED[kinds & 3]
        end = (count - 1) * array(typecode).itemsize
        deltas = _unpacked(typecode, data[:end])
        weights: Any = None
        w_kind = kinds >> 2 & 7
        if w_kind == _W_SAME:
            weights, end = struct.unpack_from("<f", data, end)[0], end + 4
        elif w_kind != _W_ONES:
            typecode = "B" if w_kind == _W_BYTES else "H" if w_kind == _W_SHORTS else "f"
            start, end = end, end + count * array(typecode).itemsize
            weights = _unpacked(typecode, data[start:end])
        if len(deltas) != count - 1 or weights is not None and not isinstance(weights, float) and len(weights) != count:
            raise ValueError("a block shorter than its count")
        self._data = (deltas, weights, data[end:])

    def block_ids(self) -> tuple[int, ...]:
        """The document numbers of the current block."""
        if self._ids is None:
            self._read_ids()
        return self._ids  # type: ignore[no-any-return]

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        self._ids = tuple(accumulate(self._data[0], initial=self._firstid))

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        weights = self._data[1]
        if weights is None:
            weights = 1.0
        self._weights = array("f", [weights] * self._blocklength if isinstance(weights, float) else weights)

    @_decoding
    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        count, data, v_kind = self._blocklength, bytes(self._data[2]), self._kinds >> 5
        if v_kind == _V_NONE:
            self._values = (None,) * count
        elif v_kind == _V_FIXED:
            size = self._fixedsize
            if len(data) != count * size:
                raise ValueError("values that do not fill their block")
            self._values = tuple(data[i:i + size] for i in range(0, count * size, size))
        else:
            typecode = _UNSIGNED[v_kind - _V_BYTES]
            start = count * array(typecode).itemsize
            ends = list(accumulate(_unpacked(typecode, data[:start]), initial=start))
            if len(ends) != count + 1 or ends[-1] != len(data):
                raise ValueError("values that do not fill their block")
            self._values = tuple(map(data.__getitem__, map(slice, ends, ends[1:])))  # (slicing in C)


class CompactTermInfo(whoosh3.W3TermInfo):  # type: ignore[misc]
    """A term's statistics and the place of its postings, in 16 to 36 bytes: two bytes of
    flags say which numbers follow and in how many bytes (Whoosh 3 writes 35 bytes for
    every term, though most occur in a few paragraphs, once each)."""

    _structs: dict[int, struct.Struct] = {}

    @staticmethod
    def _layout(flags: int) -> struct.Struct:
        """The struct of a term's entry with these flags (see :meth:`to_bytes`)."""
        layout = CompactTermInfo._structs.get(flags)
        if layout is None:
            layout = CompactTermInfo._structs[flags] = struct.Struct(
                "<H" + _UNSIGNED[flags & 3] + ("" if flags & 4 else "f") + "BB" + ("" if flags & 8 else "f") + "I"
                + _UNSIGNED[flags >> 4 & 3] + ("Q" if flags & 64 else "I") + ("I" if flags & 128 else "H"))
        return layout

    def to_bytes(self) -> bytes:
        # (postings are never kept in the entry: the codec's inline limit of 1 admits none)
        df, weight, maxweight = self._df, self._weight, self._maxweight
        minid, maxid = self._minid, self._maxid
        offset, length = self._offset, self._length
        flags = (_kind_of(df) | (4 if weight == df else 0) | (8 if maxweight == 1.0 else 0)
                 | _kind_of(maxid - minid) << 4 | (64 if offset >= 1 << 32 else 0) | (128 if length >= 1 << 16 else 0))
        values = [flags, df] + ([] if flags & 4 else [weight])
        values += [length_to_byte(self._minlength or 0), length_to_byte(self._maxlength)]
        values += ([] if flags & 8 else [maxweight]) + [minid, maxid - minid, offset, length]
        return self._layout(flags).pack(*values)

    @classmethod
    @_decoding
    def from_bytes(cls, data: bytes) -> CompactTermInfo:
        flags = int.from_bytes(data[:2], "little")
        values = list(cls._layout(flags).unpack(data))
        info = cls()
        info._df = values[1]
        rest = values[2:]
        info._weight = float(info._df) if flags & 4 else rest.pop(0)
        info._minlength, info._maxlength = byte_to_length(rest[0]), byte_to_length(rest[1])
        rest = rest[2:]
        info._maxweight = 1.0 if flags & 8 else rest.pop(0)
        info._minid, info._maxid = rest[0], rest[0] + rest[1]
        info._offset, info._length = rest[2], rest[3]
        return info


#: A part of a term's postings for a flush: ``(POSTINGS, ids, weights, values)``, or
#: ``(BLOCKS, postfile, info, shift)``, another segment's postings of the term, numbered
#: ``shift`` more there (copied whole when they are all the term has: see ``add_blocks``).
POSTINGS, BLOCKS = 0, 1


def _grouped(items: Any) -> Any:
    """Sorted postings as ``((field, term bytes), part)``, a term's postings in one part
    (Whoosh's spelling words, numbered -1, left out)."""
    for key, group in groupby(items, key=_FIELD_TERM):
        _, _, ids, weights, values = zip(*group)
        if -1 in ids:
            kept = [i for i, docnum in enumerate(ids) if docnum != -1]
            if not kept:
                continue
            ids, weights, values = (tuple(column[i] for i in kept) for column in (ids, weights, values))
        if None in values:
            values = tuple(value or b"" for value in values)
        yield key, (POSTINGS, ids, weights, values)


class SegmentTerms:
    """The terms of a segment being merged, in order, each with its postings as the new
    segment numbers them: its blocks to copy as they are when no document in the term's
    range was deleted (every number moves by one amount), else its postings read, the
    deleted ones left out. Takes over ``reader`` (closed by :meth:`close`)."""

    def __init__(self, reader: Any, basedoc: int, docmap: dict[int, int] | None) -> None:
        self._reader, self._basedoc, self._docmap = reader, basedoc, docmap
        self._deleted = [] if docmap is None else sorted(reader.deleted_docs_set)  # (a cached property)

    def terms(self, schema: Any) -> Any:
        """``((field, term bytes), part)`` for each term of a field of ``schema``, in order."""
        terms: CompactTermsReader = self._reader._terms
        postfile, docmap, deleted = terms._postfile, self._docmap, self._deleted
        for fieldname in sorted(set(terms._fieldmap).intersection(schema.names())):
            fmt = schema[fieldname].format
            for (name, tbytes), info in terms.items_from(fieldname, b""):
                if name != fieldname:
                    break
                if docmap is None:
                    yield (name, tbytes), (BLOCKS, postfile, info, self._basedoc)
                    continue
                low = bisect.bisect_left(deleted, info._minid)
                if low == len(deleted) or deleted[low] > info._maxid:
                    shift = docmap[info._minid] - info._minid
                    yield (name, tbytes), (BLOCKS, postfile, info, shift)
                    continue
                ids, weights, values = _term_postings(postfile, info, fmt)
                kept = [i for i, docnum in enumerate(ids) if docnum in docmap]
                if kept:
                    yield (name, tbytes), (POSTINGS, [docmap[ids[i]] for i in kept], [weights[i] for i in kept],
                                           [values[i] or b"" for i in kept])

    def close(self) -> None:
        self._reader.close()


def _term_postings(postfile: Any, info: CompactTermInfo, fmt: Any) -> tuple[list[int], list[float], list[Any]]:
    """A term's postings read whole: document numbers, weights and values."""
    matcher = CompactLeafMatcher(postfile, info._offset, info._length, fmt)
    ids: list[int] = []
    weights: list[float] = []
    values: list[Any] = []
    while True:
        ids.extend(matcher.block_ids())
        matcher._read_weights()
        weights.extend(matcher._weights)
        matcher._read_values()
        values.extend(matcher._values)
        if matcher._lastblock:
            return ids, weights, values
        matcher._goto(matcher._nextoffset)


def _read_part(part: tuple[int, Any, Any, Any], fmt: Any) -> tuple[list[int], list[float], list[bytes]]:
    """A ``BLOCKS`` part's postings read and numbered as in the new segment, to be written
    again with the term's other parts in full blocks."""
    _, postfile, info, shift = part
    ids, weights, values = _term_postings(postfile, info, fmt)
    return [docnum + shift for docnum in ids], weights, [value or b"" for value in values]


class CompactFieldWriter(whoosh3.W3FieldWriter):  # type: ignore[misc]
    """Whoosh 3's term dictionary writer, with :class:`CompactTermInfo` entries; the
    segments a commit merges give their postings to its flush (see :meth:`merge_later`).
    Like :class:`CompactPostingsWriter`, it counts what it writes to the term dictionary
    instead of asking the file where it is (Whoosh's hash file asks twice a term)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._merging: list[SegmentTerms] = []
        self._terms_end = self._tindex.dbfile.tell()  # (after the header Whoosh's hash file wrote)

    def _add_term(self, key: bytes, entry: bytes) -> None:
        """Whoosh's ``OrderedHashWriter.add``: the term's key and entry at the end of the
        dictionary, its position in the order and in the key's hash bucket."""
        table = self._tindex
        if key <= table.lastkey:
            raise OutOfOrderError(f"{table.lastkey!r} .. {key!r}")
        position = self._terms_end
        table.dbfile.write(_KEY_LENGTHS.pack(len(key), len(entry)) + key + entry)
        self._terms_end = position + _KEY_LENGTHS.size + len(key) + len(entry)
        table.index.append(position)
        hashed = table.hashfn(key)
        table.buckets[hashed & 255].append((hashed, position))
        table.lastkey = key

    def finish_term(self) -> None:
        info = self._postwriter.finish_postings()
        self._add_term(pack_ushort(self._fieldid) + self._btext, info.to_bytes())

    def finish_field(self) -> None:
        if self._postwriter is not None and self._postwriter.position != self._postfile.tell():
            raise RuntimeError("the postings file is not where its writer counted")  # (never: each byte is counted)
        super().finish_field()

    def merge_later(self, source: SegmentTerms) -> None:
        """Flush ``source``'s postings, a term at a time, with this segment's own (Whoosh's
        merge puts every posting of the merged segments into its sorting pool as a tuple,
        and the flush sorts them all again: two thirds of a merge). The flush closes it."""
        self._merging.append(source)

    def close_merged(self) -> None:
        """Close the segments given to :meth:`merge_later` (the flush does; so does a
        writer that is cancelled)."""
        merging, self._merging = self._merging, []
        for source in merging:
            source.close()

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        """Whoosh's flush of a segment's sorted postings (``(field, term bytes, document,
        weight, value)``), a term at a time (Whoosh's own loop made five Python calls for
        each posting, a sixth of writing a paragraph), merged with those of the segments
        given to :meth:`merge_later`, which are numbered after this segment's own documents,
        in the order given. ``lengths`` gives each document's field lengths; with a
        ``lengths_of`` (searchidx's flushing writer) a field's at once."""
        try:
            self._add_postings(schema, lengths, items)
        finally:
            self.close_merged()

    def _add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        table_of = getattr(lengths, "lengths_of", None)
        field_length = lengths.doc_field_length if lengths else (lambda docnum, fieldname: 0)
        streams = [_grouped(items)] + [source.terms(schema) for source in self._merging]
        merged = heapq.merge(*streams, key=_KEY) if len(streams) > 1 else streams[0]  # (stable: in stream order)
        field, last, table, scored = None, None, None, False
        limit = self._codec._blocklimit

        def lengths_in(ids: Sequence[int]) -> Sequence[int]:
            """The field's length in each document (none for a field that keeps none)."""
            if not scored:
                return ()
            if table is not None and ids[-1] < len(table):
                return [table[docnum] for docnum in ids]
            return [field_length(docnum, field) for docnum in ids]

        for key, group in groupby(merged, key=_KEY):
            if last is not None and key < last:
                raise OutOfOrderError(f"{last!r} .. {key!r}")
            last = key
            if key[0] != field:
                if field is not None:
                    self.finish_field()
                field = key[0]
                self.start_field(field, schema[field])
                table = table_of(field) if table_of else None
                scored = schema[field].scorable  # (a field that keeps no lengths has none to look up)
            parts = [part for _, part in group]
            if len(parts) == 1 and parts[0][0] == POSTINGS and len(parts[0][1]) <= limit:  # (most terms)
                _, ids, weights, values = parts[0]
                info = self._postwriter.write_term(self._format, ids, weights, values, lengths_in(ids))
                self._add_term(pack_ushort(self._fieldid) + key[1], info.to_bytes())
                continue
            self.start_term(key[1])
            if len(parts) == 1 and parts[0][0] == BLOCKS:
                _, postfile, info, shift = parts[0]
                self._postwriter.add_blocks(_view(postfile, info._offset, info._length), info, shift)
                self.finish_term()
                continue
            for part in parts:
                ids, weights, values = part[1:] if part[0] == POSTINGS else _read_part(part, self._fieldobj.format)
                self._postwriter.add_many(ids, weights, values, lengths_in(ids))
            self.finish_term()
        if field is not None:
            self.finish_field()

    def start_term(self, btext: bytes) -> None:
        if self._postwriter is None:
            raise RuntimeError("start_term before start_field")
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, CompactTermInfo())


class CompactFieldCursor(whoosh3.W3FieldCursor):  # type: ignore[misc]
    """Whoosh 3's cursor over a field's terms, for :class:`CompactTermInfo` entries."""

    def term_info(self) -> CompactTermInfo | None:
        if self._pos is None:
            return None
        return CompactTermInfo.from_bytes(self._tindex.dbfile.get(self._datapos, self._datalen))


class _TermIndex(filetables.OrderedHashReader):  # type: ignore[misc]
    """Whoosh's ordered hash file of a segment's terms, opened with its directory of 256
    hash tables read at once (Whoosh reads it an entry at a time: a thousand reads to open
    an index of four segments, about half of opening it)."""

    def __init__(self, dbfile: Any, length: int) -> None:
        self.dbfile, self.startoffset, self.is_closed = dbfile, 0, False
        head = dbfile.get(0, 13)  # tag, hash function, 8 unused bytes
        if head[:4] != b"HSH3":
            raise filetables.FileFormatError(f"Unknown file header {head[:4]!r}")
        self.hashtype = head[4]
        self.hashfn = filetables._hash_functions[self.hashtype]
        self.startofdata = 13
        extras = length - 4 - dbfile.get_int(length - 4)
        dbfile.seek(extras)
        self._read_extras()
        size = filetables._directory_size
        self.tables = list(filetables._dir_entry.iter_unpack(dbfile.get(extras - size, size)))
        self.endofdata = self.tables[0][0]


class CompactTermsReader(whoosh3.W3TermsReader):  # type: ignore[misc]
    """Whoosh 3's term dictionary reader, for :class:`CompactTermInfo` entries."""

    def __init__(self, codec: Any, dbfile: Any, length: int, postfile: Any) -> None:
        self._codec, self._dbfile, self._postfile = codec, dbfile, postfile
        self._tindex = _TermIndex(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, number in self._fieldmap.items():
            self._fieldunmap[number] = fieldname

    def cursor(self, fieldname: str, fieldobj: Any) -> CompactFieldCursor:
        return CompactFieldCursor(self._tindex, fieldname, self._keycoder, self._keydecoder, fieldobj)

    def items(self) -> Any:
        decode = self._keydecoder
        return ((decode(key), CompactTermInfo.from_bytes(value)) for key, value in self._tindex.items())

    def items_from(self, fieldname: str, prefix: bytes) -> Any:
        decode = self._keydecoder
        return ((decode(key), CompactTermInfo.from_bytes(value))
                for key, value in self._tindex.items_from(self._keycoder(fieldname, prefix)))

    def _info(self, fieldname: str, tbytes: bytes) -> CompactTermInfo:
        """The entry of a word; KeyError when the segment lacks it (Whoosh's reader takes
        that for a frequency of 0, as with Whoosh 3's)."""
        return CompactTermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)])

    def term_info(self, fieldname: str, tbytes: bytes) -> CompactTermInfo:
        try:
            return self._info(fieldname, tbytes)
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        return self._info(fieldname, tbytes).weight()  # type: ignore[no-any-return]

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        return self._info(fieldname, tbytes).doc_frequency()  # type: ignore[no-any-return]


class StoredBlocks(columns.Column):  # type: ignore[misc]
    """A column of pickled values (a paragraph's stored fields) compressed about
    :attr:`BLOCK_BYTES` at a time. The file: the blocks, each the values' lengths and then
    the values, deflated; then each block's first document and its offset; then the
    number of blocks and the offset of that table."""

    #: Measured on half of Reuters' stored paragraphs: in blocks of 8 KB a hit's block takes
    #: 43 us to decompress (16 KB: 77 us, 4 KB: 26 us: a page of 10 hits is 0.4 ms of a
    #: 5 ms search), and they take 6.3 MB (16 KB: 5.9, 4 KB: 7.0).
    BLOCK_BYTES = 8192
    _FOOTER = struct.Struct("<IQ")

    def writer(self, dbfile: Any) -> StoredBlocks.Writer:
        return self.Writer(dbfile)

    def reader(self, dbfile: Any, basepos: int, length: int, doccount: int) -> StoredBlocks.Reader:
        return self.Reader(dbfile, basepos, length, doccount)

    class Writer(columns.ColumnWriter):  # type: ignore[misc]
        def __init__(self, dbfile: Any) -> None:
            super().__init__(dbfile)
            self._values: list[bytes] = []
            self._size = self._written = 0
            self._firsts: list[int] = []
            self._offsets: list[int] = []

        def add(self, docnum: int, value: Any) -> None:
            self.fill(docnum)
            data = pickle.dumps(value, 5)
            self._values.append(data)
            self._size += len(data)
            self._count += 1
            if self._size >= StoredBlocks.BLOCK_BYTES:
                self._flush()

        def fill(self, docnum: int) -> None:
            while self._count < docnum:
                self._values.append(b"")
                self._count += 1

        def _flush(self) -> None:
            if not self._values:
                return
            self._firsts.append(self._count - len(self._values))
            self._offsets.append(self._written)
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            block = packer.compress(_packed("I", map(len, self._values)))
            block += packer.compress(b"".join(self._values)) + packer.flush()
            self._dbfile.write(block)
            self._written += len(block)
            self._values, self._size = [], 0

        def finish(self, doccount: int) -> None:
            self.fill(doccount)
            self._flush()
            self._dbfile.write(_packed("I", self._firsts) + _packed("Q", self._offsets))
            self._dbfile.write(StoredBlocks._FOOTER.pack(len(self._firsts), self._written))

    class Reader(columns.ColumnReader):  # type: ignore[misc]
        #: Blocks kept decompressed: a page of hits often lies in a few of them.
        CACHED = 8

        @_decoding
        def __init__(self, dbfile: Any, basepos: int, length: int, doccount: int) -> None:
            super().__init__(dbfile, basepos, length, doccount)
            footer = StoredBlocks._FOOTER
            blocks, table = footer.unpack(bytes(_view(dbfile, basepos + length - footer.size, footer.size)))
            raw = bytes(_view(dbfile, basepos + table, blocks * 12))
            self._firsts = _unpacked("I", raw[:blocks * 4])
            self._offsets = list(_unpacked("Q", raw[blocks * 4:])) + [table]
            self._cache: dict[int, tuple[list[int], bytes]] = {}

        def _block(self, number: int) -> tuple[list[int], bytes]:
            block = self._cache.get(number)
            if block is None:
                start, end = self._offsets[number], self._offsets[number + 1]
                data = zlib.decompress(_view(self._dbfile, self._basepos + start, end - start), -15)
                last = self._firsts[number + 1] if number + 1 < len(self._firsts) else self._doccount
                size = 4 * (last - self._firsts[number])
                ends = list(accumulate(_unpacked("I", data[:size]), initial=size))
                cache = self._cache
                if len(cache) >= self.CACHED:  # (a new dict, not a deletion: threads share readers)
                    cache = self._cache = {}
                block = cache[number] = (ends, data)
            return block

        def __getitem__(self, docnum: int) -> Any:
            if not 0 <= docnum < self._doccount:
                raise IndexError(f"document {docnum} of {self._doccount}")
            return self._value(docnum)

        @_decoding
        def _value(self, docnum: int) -> Any:
            number = bisect.bisect_right(self._firsts, docnum) - 1
            ends, data = self._block(number)
            i = docnum - self._firsts[number]
            return pickle.loads(data[ends[i]:ends[i + 1]]) if ends[i + 1] > ends[i] else None

        def __iter__(self) -> Any:
            for docnum in range(self._doccount):
                yield self._value(docnum)


STORED = StoredBlocks()


class CompactPerDocWriter(whoosh3.W3PerDocWriter):  # type: ignore[misc]
    """Whoosh 3's per-document writer, its stored fields in :class:`StoredBlocks`."""

    _storedfields: dict[str, Any]

    def _create_column(self, fieldname: str, column: Any) -> None:
        super()._create_column(fieldname, STORED if fieldname == "_stored" else column)

    def finish_doc(self) -> None:
        if self._storedfields:
            self.add_column_value("_stored", STORED, self._storedfields)
            self._storedfields = {}
        self._indoc = False


class CompactPerDocReader(whoosh3.W3PerDocReader):  # type: ignore[misc]
    """Whoosh 3's per-document reader, reading stored fields from :class:`StoredBlocks`."""

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        return self._cached_reader("_stored", STORED)[docnum] or {}


class CompactCodec(whoosh3.W3Codec):  # type: ignore[misc]
    """Whoosh 3's codec with :class:`CompactPostingsWriter`'s blocks and
    :class:`StoredBlocks` (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(blocklimit=128, compression=6, inlinelimit=1)

    def per_document_writer(self, storage: Any, segment: Any) -> CompactPerDocWriter:
        return CompactPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> CompactPerDocReader:
        return CompactPerDocReader(storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> CompactFieldWriter:
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> CompactTermsReader:
        tiname = segment.make_filename(self.TERMS_EXT)
        return CompactTermsReader(self, storage.open_file(tiname), storage.file_length(tiname),
                                  segment.open_file(storage, self.POSTS_EXT))

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # (term vectors, which searchidx does not keep: Whoosh 3's blocks)
            return super().postings_writer(dbfile, byteids=True)
        return CompactPostingsWriter(dbfile, blocklimit=self._blocklimit, compression=self._compression,
                                     inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        offset, length = terminfo.extent()
        return CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
