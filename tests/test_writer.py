"""Writing from code: the writer context manager, deletes, batch commits and the index lock."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx import Article, IndexLockedError, InputError, SearchIndex
from searchidx.cli import main

PORTO = "The mayor of Porto, Rui Moreira, opened a bridge.\n\nIt cost forty million euros."
LISBON = "Ferries sail from Lisbon to Tangier.\n\nThe port of Lisbon grew."


def ids(idx: SearchIndex, query: str) -> set[str]:
    return {hit.article for hit in idx.search(query, limit=None)}


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    path = tmp_path / "index"
    SearchIndex.create(path).close()
    return path


def test_writer_commits_adds_and_deletes_together(index_path: Path):
    with SearchIndex.open(index_path) as idx:
        with idx.writer() as writer:
            assert writer.add_article(PORTO, id="porto", title="A bridge")
            assert writer.add_article(LISBON, id="lisbon")
            assert idx.search("bridge").total == 0  # nothing is visible before the commit
        assert ids(idx, "mayor OR ferries") == {"porto", "lisbon"}
        assert ids(idx, "person:moreira") == {"porto"}
        report = writer.report
        assert (report.articles_added, report.paragraphs_written, report.commits) == (2, 4, 1)

        with idx.writer() as writer:
            assert writer.delete("porto")
            assert not writer.delete("never-indexed")
        assert ids(idx, "mayor OR ferries") == {"lisbon"}
        assert (writer.report.articles_deleted, writer.report.articles_missing) == (1, 1)
        assert idx.stats().articles == 1


def test_writer_rolls_back_when_the_block_raises(index_path: Path):
    with SearchIndex.open(index_path) as idx:
        idx.add_article(LISBON, id="lisbon")
        with pytest.raises(RuntimeError), idx.writer() as writer:
            writer.add_article(PORTO, id="porto")
            writer.delete("lisbon")
            raise RuntimeError("the app failed half-way")
        assert ids(idx, "mayor OR ferries") == {"lisbon"}
        # the lock was released: a new writer gets it at once
        started = time.perf_counter()
        with idx.writer(lock_timeout=0) as writer:
            writer.add_article(PORTO, id="porto")
        assert time.perf_counter() - started < 5
        assert ids(idx, "mayor OR ferries") == {"lisbon", "porto"}


def test_adding_is_idempotent_and_replaces_changed_articles(index_path: Path):
    with SearchIndex.open(index_path) as idx:
        idx.add_article(PORTO, id="porto")
        report = idx.add_article(PORTO, id="porto")
        assert (report.articles_added, report.articles_unchanged, report.paragraphs_written) == (0, 1, 0)
        report = idx.add_article("The mayor of Porto closed a bridge.", id="porto")
        assert report.articles_updated == 1
        assert [hit.text for hit in idx.article("porto")] == ["The mayor of Porto closed a bridge."]
        assert idx.stats().paragraphs == 1


def test_an_id_is_written_once_per_commit(index_path: Path):
    with SearchIndex.open(index_path) as idx, idx.writer() as writer:
        writer.add_article(PORTO, id="porto")
        assert not writer.add_article(PORTO, id="porto")  # the same text: nothing to do
        with pytest.raises(InputError, match="already added or deleted in this commit"):
            writer.add_article(LISBON, id="porto")
        with pytest.raises(InputError, match="already added or deleted in this commit"):
            writer.delete("porto")


def test_an_article_without_text_is_refused(index_path: Path):
    with SearchIndex.open(index_path) as idx, idx.writer() as writer, pytest.raises(InputError, match="no text"):
        writer.add(Article(id="empty", paragraphs=()))


def test_delete_many(index_path: Path):
    with SearchIndex.open(index_path) as idx:
        idx.add_articles([Article(id=f"a{n}", paragraphs=(f"Report number {n} on shipping.",)) for n in range(5)])
        report = idx.delete(["a1", "a3", "a9"])
        assert (report.articles_deleted, report.articles_missing, report.commits) == (2, 1, 1)
        assert ids(idx, "shipping") == {"a0", "a2", "a4"}


def test_long_runs_commit_in_batches(index_path: Path):
    articles = [Article(id=f"a{n:02}", paragraphs=(f"Report {n} on shipping in Rotterdam.",)) for n in range(12)]
    with SearchIndex.open(index_path) as idx:
        report = idx.add_articles(articles, commit_every=5, workers=1)
        assert (report.articles_added, report.commits) == (12, 3)
        assert idx.stats().articles == 12
        report = idx.add_articles(articles, commit_every=5, workers=1)
        assert (report.articles_unchanged, report.commits) == (12, 0)
        # a rebuild is one commit whatever the batch size, so a failed one leaves the old index whole
        assert idx.add_articles(articles[:7], rebuild=True, commit_every=5, workers=1).commits == 1
        assert idx.stats().articles == 7


def test_a_batch_is_committed_when_the_writers_memory_fills(index_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Past its memory, Whoosh would write the postings to temporary files one by one and
    read them back: the run commits instead (after the chunk being written)."""
    import whoosh.writing

    import searchidx.engine

    spills = []
    monkeypatch.setattr(whoosh.writing.PostingPool, "save", lambda pool: spills.append(pool))
    # a chunk of 16 of these articles holds about 52 KB of postings (by Whoosh's count): the
    # second fills three-quarters of 0.115 MB, not all of it
    monkeypatch.setattr(searchidx.engine, "WRITER_MB", 0.115)
    articles = [Article(id=f"a{n:02}", paragraphs=(f"Report {n} on shipping in Rotterdam.",)) for n in range(40)]
    with SearchIndex.open(index_path) as idx:
        report = idx.add_articles(articles, commit_every=1000, workers=1)
        assert (report.articles_added, report.commits, spills) == (40, 2, [])
        assert idx.stats().articles == 40
        monkeypatch.setattr(searchidx.engine, "WRITER_MB", 256)
        assert idx.add_articles(articles, workers=1).commits == 0


def test_an_interrupted_run_keeps_its_commits_and_the_next_run_skips_them(index_path: Path):
    def articles():
        for n in range(12):
            if n == 8:
                raise KeyboardInterrupt  # Ctrl-C half-way through the third batch
            yield Article(id=f"a{n:02}", paragraphs=(f"Report {n} on shipping in Rotterdam.",))

    with SearchIndex.open(index_path) as idx:
        with pytest.raises(KeyboardInterrupt):
            idx.add_articles(articles(), commit_every=3, workers=1)
        assert idx.stats().articles == 6  # two whole batches; the third was rolled back
        full = [Article(id=f"a{n:02}", paragraphs=(f"Report {n} on shipping in Rotterdam.",)) for n in range(12)]
        report = idx.add_articles(full, commit_every=3, workers=1)
        assert (report.articles_unchanged, report.articles_added) == (6, 6)


# -- the lock, with real processes -------------------------------------------------------------

HOLD = textwrap.dedent("""
    import sys, time
    from searchidx import SearchIndex
    with SearchIndex.open(sys.argv[1]) as idx, idx.writer() as writer:
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """A process that holds the index's writer for ``seconds`` (it prints once it has it)."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline() == "holding\n"
    return process


def test_a_second_writer_waits_for_the_lock(index_path: Path):
    holder = hold_lock(index_path, 1.5)
    try:
        started = time.perf_counter()
        with SearchIndex.open(index_path) as idx:
            idx.add_article(PORTO, id="porto", lock_timeout=30)
            waited = time.perf_counter() - started
            assert ids(idx, "mayor") == {"porto"}
        assert 0.5 < waited < 25
    finally:
        holder.wait(10)


def test_a_second_writer_gives_up_with_a_clear_message(index_path: Path, capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path):
    holder = hold_lock(index_path, 60)
    try:
        with SearchIndex.open(index_path) as idx, pytest.raises(IndexLockedError, match="another process"):
            idx.add_article(PORTO, id="porto", lock_timeout=0.3)
        source = tmp_path / "porto.txt"
        source.write_text(PORTO, encoding="utf-8")
        assert main(["index", str(source), "--index", str(index_path), "--wait", "0.3", "-q"]) == 4
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "another process is indexing it (waited 0.3 s)" in err
        assert "Traceback" not in err and "LockError" not in err
    finally:
        holder.kill()
        holder.wait(10)


def test_a_lock_left_by_a_killed_writer_is_recovered(index_path: Path):
    holder = hold_lock(index_path, 600)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(10)
    assert any(name.endswith("LOCK") for name in os.listdir(index_path))  # the lock file stays behind
    started = time.perf_counter()
    with SearchIndex.open(index_path) as idx:
        idx.add_article(PORTO, id="porto", lock_timeout=0)  # at once: the dead process holds no lock
        assert ids(idx, "mayor") == {"porto"}
    assert time.perf_counter() - started < 10


def test_threads_of_one_process_take_turns_at_writing(index_path: Path):
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with SearchIndex.open(index_path) as idx:
                idx.add_article(f"Report {n} on shipping in Rotterdam.", id=f"t{n}", lock_timeout=60)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with SearchIndex.open(index_path) as idx:
        assert ids(idx, "shipping") == {"t0", "t1", "t2", "t3"}


def test_a_long_lived_reader_follows_commits_merges_and_deletes_of_another_writer(index_path: Path):
    # Whoosh's searcher.refresh() counted merged-away segments twice and missed new deletions
    with SearchIndex.open(index_path) as reader, SearchIndex.open(index_path) as writer:
        for n in range(12):  # enough commits for Whoosh to merge small segments
            writer.add_articles([Article(id=f"a{n:02}", paragraphs=(f"Report {n} on shipping.", "More."))],
                                workers=1)
            assert reader.stats().paragraphs == 2 * (n + 1)
            assert reader.search("shipping").total == n + 1
        writer.delete(["a03"])
        assert reader.stats().paragraphs == 22 and reader.stats().articles == 11
        assert "a03" not in {hit.article for hit in reader.search("shipping", limit=None)}


@pytest.mark.parametrize("committed", [True, False])
def test_opening_while_another_process_commits_is_retried(index_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        committed: bool):
    """A commit may delete the segments an opening reader just read of in the table of contents
    (a merge): that is retried, while the same error with no new commit is damage."""
    import searchidx.engine.storage as storage
    from searchidx import IndexCorruptError

    real = storage.FileIndex
    calls = []

    def open_dir(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            if committed:
                with SearchIndex.open(index_path) as other:
                    other.add_article(PORTO, id=f"porto{len(calls)}")
            raise FileNotFoundError(2, "No such file or directory", "_MAIN_x.seg")
        return real(*args, **kwargs)

    monkeypatch.setattr(storage, "FileIndex", open_dir)
    if committed:
        with SearchIndex.open(index_path) as idx:
            assert ids(idx, "mayor") == {"porto2"}
        assert len(calls) == 3  # ours failed, the other writer's, ours again
    else:
        with pytest.raises(IndexCorruptError, match="damaged"):
            SearchIndex.open(index_path)


def test_delete_from_the_command_line(index_path: Path, capsys: pytest.CaptureFixture[str]):
    with SearchIndex.open(index_path) as idx:
        idx.add_articles([Article(id="business/001", paragraphs=("Ships in Porto.",)),
                          Article(id="world/002", paragraphs=("Ships in Lisbon.",))], workers=1)
    assert main(["delete", "business/001", "nope", "--index", str(index_path)]) == 0
    assert capsys.readouterr().err == f"deleted 1 article from {index_path}; 1 not in the index\n"
    assert main(["delete", "business/001", "--index", str(index_path)]) == 1
    with SearchIndex.open(index_path) as idx:
        assert ids(idx, "ships") == {"world/002"}


def test_an_article_deleted_and_added_again_is_indexed_again(index_path: Path):
    with SearchIndex.open(index_path) as idx:
        idx.add_article(PORTO, id="porto")
        idx.delete(["porto"])
        report = idx.add_article(PORTO, id="porto")  # the same text: not "unchanged", it was deleted
        assert (report.articles_added, report.articles_unchanged) == (1, 0)
        assert ids(idx, "mayor") == {"porto"}


def test_undated_articles_sort_last_and_limit_zero_counts(index_path: Path):
    from searchidx import QueryError

    with SearchIndex.open(index_path) as idx:
        idx.add_article("Ships in Porto.", id="old", date="2001-01-01")
        idx.add_article("Ships in Lisbon.", id="new", date="2024-01-01")
        idx.add_article("Ships in Faro.", id="none")
        assert [h.article for h in idx.search("ships", sort="newest")] == ["new", "old", "none"]
        assert [h.article for h in idx.search("ships", sort="oldest")] == ["old", "new", "none"]
        counted = idx.search("ships", limit=0)
        assert (counted.total, counted.hits) == (3, [])
        with pytest.raises(QueryError):
            idx.search("ships", offset=-1)


def test_long_paragraphs_given_from_code_are_split(index_path: Path, caplog: pytest.LogCaptureFixture):
    from searchidx.articles import MAX_PARAGRAPH_CHARS

    sentence = "The port of Lisbon handled more ships this year than ever before. "
    text = sentence * (2 * MAX_PARAGRAPH_CHARS // len(sentence) + 1)
    with SearchIndex.open(index_path) as idx:
        report = idx.add_articles([Article(id="long", paragraphs=(text,))], workers=1)
        assert report.paragraphs_written == 3
        assert all(len(hit.text) <= MAX_PARAGRAPH_CHARS for hit in idx.article("long"))
        assert any("split into 3" in message for message in report.warnings)


def test_a_writer_that_changes_nothing_does_not_commit(index_path: Path):
    from test_crash import generation

    with SearchIndex.open(index_path) as idx:
        idx.add_article(PORTO, id="porto")
        before = generation(index_path)
        assert idx.add_article(PORTO, id="porto").commits == 0  # unchanged
        assert idx.delete(["never-indexed"]).commits == 0
        assert generation(index_path) == before  # readers keep their searchers
    files = sorted(p.name for p in index_path.iterdir())
    with SearchIndex.open(index_path) as idx, pytest.raises(RuntimeError), idx.writer() as writer:
        writer.add_article(LISBON, id="lisbon")
        raise RuntimeError
    assert sorted(p.name for p in index_path.iterdir()) == files  # a rollback leaves no files behind


def test_a_flushing_writer_reads_field_lengths_as_whoosh_does(tmp_path: Path):
    """The writer's flush reads each field's length column once (engine/compat.py) instead of
    a byte from the file per posting: the same lengths, for every field and paragraph, asked
    one at a time or a field at once."""
    from whoosh.codec import whoosh3

    from searchidx.engine import compat

    with SearchIndex.create(tmp_path / "index") as idx:
        idx.add_article("A title here\n\nFirst paragraph, short.\n\n" + " ".join(["word"] * 300), id="a")
        idx.add_article("Another\n\nOne paragraph by Haluk Gorgun in Dhaka.", id="b")
        ix = idx._engine._ix
        for segment in ix._segments():
            ours = compat._SegmentLengths(ix.storage, segment)
            whooshs = whoosh3.W3PerDocReader(ix.storage, segment)
            for fieldname in ix.schema.names():
                for docnum in range(segment.doc_count_all()):
                    assert ours.doc_field_length(docnum, fieldname, 7) == \
                        whooshs.doc_field_length(docnum, fieldname, 7), (fieldname, docnum)
                table = ours.lengths_of(fieldname)  # (what the flush reads, a field at once)
                if table is not None:
                    assert table == [whooshs.doc_field_length(docnum, fieldname, 0) or 0
                                     for docnum in range(segment.doc_count_all())], fieldname


def test_a_writer_stems_through_the_faster_cache_with_the_same_stems(tmp_path: Path):
    """The writer's schema stems through functools' cache (engine/compat.py); Whoosh's class
    and what the index stores are left as they were."""
    from whoosh.analysis.morph import StemFilter
    from whoosh.lang.porter2 import stem

    from searchidx.engine import compat

    with SearchIndex.create(tmp_path / "index") as idx:
        ix = idx._engine._ix
        writer = compat.open_writer(ix, 1, 32)
        try:
            stemmers = [item for name in writer.schema.names()
                        for item in getattr(writer.schema[name].analyzer, "items", ()) if type(item) is StemFilter]
            assert stemmers and all(item._stem is compat._cached_stem for item in stemmers)
            assert StemFilter()._stem is not compat._cached_stem
        finally:
            writer.cancel()
        words = "rendering renders rendered generously cooperation cooperating".split()
        assert [compat._cached_stem(w) for w in words] == [stem(w) for w in words]
        idx.add_article("Cooperation\n\nThe navies were cooperating on defence.", id="a")
        assert ids(idx, "cooperate") == ids(idx, "cooperation") == {"a"}


_WORDS = st.sampled_from(["the", "a", "of", "Cats", "cat's", "Café", "naïve", "U.S.", "3.5", "x", "I", "*wild*",
                          "defence", "cooperating", "Gorgun", "ÉCOLE", "straße", "e\u0301", "日本", "co-op", "..."])
_TEXTS = st.lists(st.one_of(_WORDS, st.text(max_size=8)), max_size=30).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(_TEXTS, min_size=1, max_size=3))
def test_the_fused_analysis_indexes_what_whooshs_chain_does(texts: list[str]):
    """A writer analyses text fields in one pass (engine/compat.py: fused_index): the same
    words, frequencies, weights and encoded positions as Whoosh's analyzer chain, for every
    field it takes over (stop words, stems, accents, positions after stop words), for a
    text met again (fields share the texts they analysed) and for texts of several lines
    (the catch-all field is analysed a line at a time)."""
    from searchidx.engine import compat
    from searchidx.engine.schema import build_schema

    schema = build_schema()
    memos: dict[Any, Any] = {}
    fused = {name: compat.fused_index(schema[name], memos) for name in schema.names()}
    assert {name for name, index in fused.items() if index} == {
        "title", "text", "content", "person", "org", "place", "date", "group", "misc"}
    for text in [*texts, *texts, "\n".join(texts), "\n".join(reversed(texts))]:
        for name, index in fused.items():
            if index is not None:
                assert sorted(index(text)) == sorted(schema[name].index(text)), name


def test_an_index_written_with_the_fused_analysis_is_whooshs_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Two indexes of the same articles, one written through Whoosh's analyzer chain: the
    same terms and postings in every field, and the same schema stored in each."""
    from searchidx.engine import compat

    def postings(path: Path) -> tuple[Any, list[Any]]:
        with SearchIndex.create(path) as idx:
            idx.add_article(PORTO, id="porto", title="A bridge in Porto")
            idx.add_article(LISBON + "\n\nThe mayor of Lisbon, Carlos Moedas, said the ferries were late.", id="lisbon")
            ix = idx._engine._ix
            with ix.reader() as reader:
                found = [(field, term, list(reader.postings(field, term).items_as("positions"))
                          if ix.schema[field].format.supports("positions") else
                          list(reader.postings(field, term).items_as("frequency")))
                         for field, term in reader.all_terms()]
            return ix.schema, found

    schema, fused = postings(tmp_path / "fused")
    monkeypatch.setattr(compat, "_fuse_analyzers", lambda writer: None)
    whooshs_schema, whooshs = postings(tmp_path / "whoosh")
    assert fused == whooshs and len(fused) > 40
    assert pickle.dumps(schema) == pickle.dumps(whooshs_schema)  # (the table of contents holds no fused index)
