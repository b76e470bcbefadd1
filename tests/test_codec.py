"""searchidx's codec reads back exactly what Whoosh 3's codec does, for any documents."""

from __future__ import annotations

import string
from itertools import accumulate
from pathlib import Path
from typing import Any

import whoosh.index
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.fields import KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.compound import CompoundStorage

from searchidx.engine import compat
from searchidx.engine.codec import CompactCodec, CompactLeafMatcher


def schema() -> Schema:
    return Schema(text=TEXT(stored=True), title=TEXT(field_boost=1.5, phrase=False), tags=KEYWORD(commas=True),
                  number=NUMERIC(int, stored=True), extra=STORED())


WORDS = st.lists(st.sampled_from(["a", "b", "c", "dd", "eee", "a b", "zz"]), max_size=12).map(" ".join)
DOCUMENT = st.fixed_dictionaries(
    {"text": WORDS},
    optional={"title": WORDS, "tags": st.lists(st.sampled_from(["x", "y", "long tag"]), max_size=3).map(",".join),
              "number": st.integers(0, 1 << 30), "extra": st.text(string.printable, max_size=300)})


def build(path: Path, codec: Any, batches: list[list[dict[str, Any]]], optimize: bool = False) -> Any:
    path.mkdir()
    ix = whoosh.index.create_in(str(path), schema())
    for batch in batches:
        writer = ix.writer(codec=codec)
        for document in batch:
            writer.add_document(**{k: v for k, v in document.items() if v != ""})
        writer.commit(optimize=optimize)
    return ix


def postings(ix: Any) -> dict[tuple[str, bytes], list[tuple[int, float, Any]]]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        return {(field, word): list(reader.postings(field, word).items_as("weight"))
                + [tuple(compat.posting_weights(reader.postings(field, word)).items())]  # type: ignore[list-item]
                for field, word in reader.all_terms()}


def statistics(ix: Any) -> dict[tuple[str, bytes], tuple[Any, ...]]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        found = {}
        for leaf, _ in reader.leaf_readers():  # (a cursor over several segments fails in Whoosh 3 too)
            for field, word in leaf.all_terms():
                cursor = leaf.cursor(field)
                cursor.find(word)
                assert vars(cursor.term_info()) == vars(leaf.term_info(field, word))
        for field, word in reader.all_terms():
            info = reader.term_info(field, word)
            found[(field, word)] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                    info.max_weight(), info.min_id(), info.max_id(), reader.frequency(field, word),
                                    reader.doc_frequency(field, word))
        return found


def values(ix: Any) -> dict[tuple[str, bytes], list[Any]]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        return {(field, word): list(reader.postings(field, word).all_items()) for field, word in reader.all_terms()}


def stored(ix: Any) -> list[dict[str, Any]]:
    with ix.searcher() as searcher:
        return [dict(fields) for fields in searcher.reader().all_stored_fields()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(DOCUMENT, min_size=1, max_size=40), min_size=1, max_size=3))
def test_the_codec_reads_back_what_whoosh_3_writes(tmp_path_factory: Any, batches: list[list[dict[str, Any]]]):
    base = tmp_path_factory.mktemp("codec")
    ours, whoosh3 = build(base / "ours", CompactCodec(), batches), build(base / "w3", W3Codec(), batches)
    assert postings(ours) == postings(whoosh3)
    assert values(ours) == values(whoosh3)
    assert statistics(ours) == statistics(whoosh3)
    assert stored(ours) == stored(whoosh3)


def test_long_posting_lists_skip_and_read_blocks_as_whoosh_3_does(tmp_path: Path):
    # 1,000 documents: blocks of 128 postings, document numbers past 65,535 apart, mixed weights
    documents = [{"text": "common " + "rare " * (n % 300 == 0) + "twice twice " * (n % 3 == 0),
                  "number": n * 70_000, "extra": "é" * (n % 50)} for n in range(1_000)]
    ours = build(tmp_path / "ours", CompactCodec(), [documents])
    whoosh3 = build(tmp_path / "w3", W3Codec(), [documents])
    assert postings(ours) == postings(whoosh3) and values(ours) == values(whoosh3)
    assert statistics(ours) == statistics(whoosh3)
    assert stored(ours) == stored(whoosh3)
    with ours.searcher() as a, whoosh3.searcher() as b:
        for word in ("common", "twice", "rare"):
            ma, mb = a.reader().postings("text", word), b.reader().postings("text", word)
            assert isinstance(ma, CompactLeafMatcher) and type(mb) is W3LeafMatcher
            for target in (5, 129, 130, 400, 999):
                ma.skip_to(target), mb.skip_to(target)
                assert (ma.id(), ma.block_max_weight(), ma.block_max_id(), ma.block_min_length(),
                        ma.block_max_length()) == (mb.id(), mb.block_max_weight(), mb.block_max_id(),
                                                   mb.block_min_length(), mb.block_max_length())
            ids = compat.posting_lists(a.reader().postings("text", word))
            assert ids == compat.posting_lists(b.reader().postings("text", word))
        assert a.reader().stored_fields(999) == b.reader().stored_fields(999)


def test_segments_of_both_codecs_are_searched_and_merged_together(tmp_path: Path):
    ix = build(tmp_path / "mixed", W3Codec(), [[{"text": "alpha beta", "extra": "old"}]])
    writer = ix.writer(codec=CompactCodec())
    writer.add_document(text="beta gamma", extra="new")
    writer.commit()
    assert sorted(type(s.codec()).__name__ for s in ix._segments()) == ["CompactCodec", "W3Codec"]
    with ix.searcher() as searcher:
        assert searcher.doc_frequency("text", "beta") == 2
    writer = ix.writer(codec=CompactCodec())
    writer.commit(optimize=True)
    assert [type(s.codec()).__name__ for s in ix._segments()] == ["CompactCodec"]
    assert [fields["extra"] for fields in stored(ix)] == ["old", "new"]
    with ix.searcher() as searcher:
        assert [searcher.stored_fields(n)["extra"] for n in searcher.document_numbers(text="beta")] == ["old", "new"]


def merged(path: Path, batches: list[list[dict[str, Any]]], deleted: list[int], last: list[dict[str, Any]],
           ours: bool) -> Any:
    """An index of ``batches`` (a commit each), then the documents numbered in ``deleted``
    deleted, then one commit of ``last`` that merges every segment: by searchidx's merge
    (blocks copied as they are, or read where a document was deleted) or by Whoosh's."""
    from searchidx.engine.writing import merge_all

    ix = build(path, CompactCodec(), batches)
    writer = ix.writer(codec=CompactCodec())
    for docnum in deleted:
        writer.delete_document(docnum)
    writer.commit(merge=False)
    writer = compat.open_writer(ix, 5, 64) if ours else ix.writer(codec=CompactCodec())
    for document in last:
        writer.add_document(**{k: v for k, v in document.items() if v != ""})
    writer.commit(mergetype=merge_all) if ours else writer.commit(optimize=True)
    assert len(ix._segments()) == 1
    return ix


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(DOCUMENT, min_size=1, max_size=30), min_size=1, max_size=4),
       last=st.lists(DOCUMENT, max_size=10), data=st.data())
def test_a_merge_writes_what_whooshs_merge_does(tmp_path_factory: Any, batches: list[list[dict[str, Any]]],
                                                last: list[dict[str, Any]], data: Any):
    count = sum(len(batch) for batch in batches)
    deleted = data.draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count - 1))
    base = tmp_path_factory.mktemp("merge")
    ours = merged(base / "ours", batches, deleted, last, True)
    whooshs = merged(base / "w", batches, deleted, last, False)
    assert postings(ours) == postings(whooshs)
    assert values(ours) == values(whooshs)
    assert statistics(ours) == statistics(whooshs)
    assert stored(ours) == stored(whooshs)


def test_a_merge_copies_long_posting_lists_that_skip_as_whooshs_do(tmp_path: Path):
    """Terms of hundreds of postings in each segment (blocks of 128, the last one short),
    some segments with deletions: skipping finds the same documents as in Whoosh's merge,
    and a term of several segments is written again in full blocks (each segment's short
    last block copied would stay behind, and the index grow by a third)."""
    batches = [[{"text": "common " + "rare " * (n % 97 == 0) + "twice twice " * (n % 3 == 0), "number": n}
                for n in range(start, start + 300)] for start in (0, 300, 600)]
    last = [{"text": "common twice newest"}] * 5
    deleted = [5, 301, 302, 899]  # (none in the middle of the first segment's run of "rare")
    ours = merged(tmp_path / "ours", batches, deleted, last, True)
    whooshs = merged(tmp_path / "w", batches, deleted, last, False)
    assert postings(ours) == postings(whooshs) and values(ours) == values(whooshs)
    assert statistics(ours) == statistics(whooshs) and stored(ours) == stored(whooshs)
    with ours.searcher() as a, whooshs.searcher() as b:
        for word in ("common", "twice", "rare"):
            for target in (0, 3, 127, 128, 290, 300, 301, 450, 601, 894, 897, 900):
                ma, mb = a.reader().postings("text", word), b.reader().postings("text", word)
                ma.skip_to(target), mb.skip_to(target)
                assert ma.is_active() == mb.is_active() and (not ma.is_active() or ma.id() == mb.id())
            assert blocks(a.reader().postings("text", word)) == blocks(b.reader().postings("text", word))
        assert blocks(a.reader().postings("text", "common")) == 8  # (901 postings: 7 full blocks and one)


def blocks(matcher: Any) -> int:
    """How many blocks a term's postings take."""
    count = 1
    while not matcher._lastblock:
        matcher._next_block()
        count += 1
    return count


def test_stored_fields_share_compressed_blocks(tmp_path: Path):
    paragraphs = [{"text": f"paragraph {n}", "extra": "A headline repeated in every paragraph of its article " * 3}
                  for n in range(2_000)]
    ours = build(tmp_path / "ours", CompactCodec(), [paragraphs])
    whoosh3 = build(tmp_path / "w3", W3Codec(), [paragraphs])

    def stored_size(ix: Any) -> int:
        return sum(length for name, length in _parts(ix, ix._segments()[0]) if name.endswith("_stored.col"))

    assert stored_size(ours) * 5 < stored_size(whoosh3)
    assert stored(ours) == stored(whoosh3)


def _compound(ix: Any, segment: Any) -> Any:
    """The parts of a segment's compound file."""
    return CompoundStorage(ix.storage.open_file(segment.make_filename(".seg")), use_mmap=False)


def _parts(ix: Any, segment: Any) -> list[tuple[str, int]]:
    compound = _compound(ix, segment)
    return [(name, compound.file_length(name)) for name in compound.list()]


def test_an_index_written_before_the_codec_is_rewritten_by_its_next_commit(tmp_path: Path):
    from searchidx import SearchIndex

    path = tmp_path / "index"
    with SearchIndex.create(path) as idx:
        idx.add_article("The mayor of Porto, Rui Moreira, opened a bridge.\n\nIt cost forty million euros.", id="porto")
    ix = whoosh.index.open_dir(str(path), indexname="MAIN")
    writer = ix.writer(codec=W3Codec())  # as searchidx wrote it before its own codec
    writer.commit(optimize=True)
    assert [type(s.codec()).__name__ for s in ix._segments()] == ["W3Codec"]
    with SearchIndex.open(path) as idx:
        before = [(hit.article, hit.paragraph, hit.text) for hit in idx.search("person:moreira OR euros")]
        idx.add_article("Ferries sail from Lisbon to Tangier.", id="lisbon")
        assert [type(s.codec()).__name__ for s in whoosh.index.open_dir(str(path), indexname="MAIN")._segments()] \
            == ["CompactCodec"]
        assert [(hit.article, hit.paragraph, hit.text) for hit in idx.search("person:moreira OR euros")] == before
        assert idx.search("tangier").total == 1


def _size_bench() -> Any:
    """bench/size.py, loaded as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_size", Path(__file__).parents[1] / "bench" / "size.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_the_size_bench_counts_the_index_by_part(tmp_path: Path):
    from searchidx import SearchIndex

    bench = _size_bench()
    paragraphs = ["The mayor of Porto, Rui Moreira, opened a bridge.", "It cost forty million euros — €40m."]
    with SearchIndex.create(tmp_path / "index") as idx:
        idx.add_article("\n\n".join(paragraphs), id="porto")
    figures = bench.measure(tmp_path / "index")
    assert figures["text_bytes"] == sum(len(p.encode("utf-8")) for p in paragraphs)
    assert set(figures["codecs"]) == {"CompactCodec"}
    assert {"postings", "stored fields", "term dictionaries"} <= set(figures["parts"])
    assert figures["postings_by_field"]["text"] > 0 and figures["terms_by_field"]["person"] >= 2
    assert figures["ratio"] == round(figures["bytes_on_disk"] / figures["text_bytes"], 2)


def test_threads_share_a_reader_of_stored_blocks(tmp_path: Path):
    import random
    from concurrent.futures import ThreadPoolExecutor

    documents = [{"text": f"paragraph {n}", "extra": f"{n} " + "x" * 400} for n in range(3_000)]  # ~80 blocks
    ix = build(tmp_path / "ours", CompactCodec(), [documents])
    with ix.searcher() as searcher:
        reader = searcher.reader()

        def check(seed: int) -> bool:
            picks = random.Random(seed).choices(range(3_000), k=2_000)
            return all(reader.stored_fields(n)["extra"].startswith(f"{n} ") for n in picks)

        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(check, range(16)))


def test_the_term_directory_read_at_once_is_whoosh_s(tmp_path: Path):
    from whoosh.filedb.filetables import OrderedHashReader

    from searchidx.engine.codec import _TermIndex

    ix = build(tmp_path / "ours", CompactCodec(), [[{"text": f"word{n} common", "tags": f"t{n % 7}"}
                                                    for n in range(500)]])
    segment = ix._segments()[0]
    name = segment.make_filename(".trm")
    compound = _compound(ix, segment)
    ours, whoosh_s = (kind(compound.open_file(name), compound.file_length(name))
                      for kind in (_TermIndex, OrderedHashReader))
    assert vars(ours).keys() == vars(whoosh_s).keys()
    assert all(getattr(ours, key) == getattr(whoosh_s, key) for key in vars(ours) if key not in ("dbfile", "_get_pos"))
    assert list(ours.items()) == list(whoosh_s.items())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.sampled_from([".pst", "_stored.col"]), where=st.floats(0, 1), garbage=st.binary(min_size=1, max_size=64))
def test_damaged_blocks_raise_what_searchidx_takes_for_damage(tmp_path_factory: Any, part: str, where: float,
                                                              garbage: bytes):
    from searchidx.engine.storage import READ_ERRORS

    path = tmp_path_factory.mktemp("damaged") / "ix"
    ix = build(path, CompactCodec(), [[{"text": f"word{n % 40} common " * (n % 5 + 1), "extra": f"{n} " * (n % 30)}
                                       for n in range(400)]])
    segment = ix._segments()[0]
    seg_path = path / segment.make_filename(".seg")
    compound = _compound(ix, segment)
    name = next(n for n in compound.list() if n.endswith(part))
    start = compound._dir[name]["offset"] + int(where * max(compound.file_length(name) - len(garbage), 0))
    compound.close()
    data = bytearray(seg_path.read_bytes())
    data[start:start + len(garbage)] = garbage
    seg_path.write_bytes(bytes(data))
    try:
        with whoosh.index.open_dir(str(path)).searcher() as searcher:
            reader = searcher.reader()
            for field, word in list(reader.all_terms()):
                list(reader.postings(field, word).all_items())
            list(reader.all_stored_fields())
    except READ_ERRORS:
        pass


def test_the_size_bench_says_in_one_line_that_there_is_no_index(tmp_path: Path, capsys: Any):
    assert _size_bench().main(["--index", str(tmp_path / "none")]) == 3
    assert capsys.readouterr().err.count("\n") == 1


@settings(max_examples=60, deadline=None)
@given(postings=st.lists(st.tuples(st.integers(1, 300), st.sampled_from([1.0, 2.0, 1.5, 1.1, 300.0, 70_000.0]),
                                   st.sampled_from([b"", b"\x01", b"ab\x00"]), st.integers(0, 200_000)),
                         min_size=1, max_size=128))
def test_a_term_written_at_once_is_the_term_written_posting_by_posting(postings: list[tuple[int, float, bytes, int]]):
    from io import BytesIO

    from whoosh.filedb.structfile import StructFile
    from whoosh.formats import Positions

    from searchidx.engine.codec import CompactPostingsWriter, CompactTermInfo

    ids = list(accumulate(gap for gap, *_ in postings))
    weights, values, lengths = [w for _, w, _, _ in postings], [v for _, _, v, _ in postings], [n for *_, n in postings]
    if any(values) and not all(values):  # (a term's postings have values for all or none)
        values = [b"\x01"] * len(values)
    written = []
    for at_once in (True, False):
        file = StructFile(BytesIO())
        file.write(b"head")
        writer = CompactPostingsWriter(file, blocklimit=128, compression=6, inlinelimit=1)
        if at_once:
            info = writer.write_term(Positions(), ids, weights, values, lengths)
        else:
            writer.start_postings(Positions(), CompactTermInfo())
            writer.add_many(ids, weights, values, lengths)
            info = writer.finish_postings()
        assert writer.position == file.tell()
        written.append((file.file.getvalue(), info.to_bytes(), vars(info)))
    assert written[0] == written[1]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(DOCUMENT, min_size=1, max_size=40), limit=st.sampled_from([256, 0.002]))
def test_the_writers_pool_flushes_the_segment_whooshs_pool_flushes(
        tmp_path_factory: Any, batch: list[dict[str, Any]], limit: float):
    """searchidx's pool (:class:`.pool.FlushPool`, two stable sorts) against Whoosh's (one
    sort of whole tuples), also past its memory (0.002 MB: a few documents' postings),
    when both spill to temporary runs: the same segment files, byte for byte."""
    from whoosh.writing import PostingPool

    from searchidx.engine.pool import FlushPool

    base = tmp_path_factory.mktemp("pool")
    written = []
    for name, pool in (("whoosh", PostingPool), ("searchidx", FlushPool)):
        (base / name).mkdir()
        ix = whoosh.index.create_in(str(base / name), schema())
        writer = ix.writer(codec=CompactCodec(), compound=False)
        writer.pool = pool(writer._tempstorage, writer.newsegment, limitmb=limit)
        for document in batch:
            writer.add_document(**{k: v for k, v in document.items() if v != ""})
        spilled = bool(writer.pool.runs)
        writer.commit()
        files = {path.name.split(".", 1)[-1]: path.read_bytes() for path in (base / name).iterdir()
                 if ".toc" not in path.name}  # (by what follows the segment's random name)
        written.append((files, spilled))
    assert written[0] == written[1]
