"""NER over chunks of articles: each distinct paragraph goes to the model once per run,
and the answers are those the model gives each paragraph on its own."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, SEEDS

from searchidx import Article, SearchIndex, analysis, workers
from searchidx.analysis import Remembered
from searchidx.articles import find_sources, read_articles
from searchidx.errors import ModelError
from searchidx.settings import default_model
from searchidx.workers import Worker


def seed_paragraphs() -> list[str]:
    text = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()][:6]


def test_a_paragraph_seen_before_is_answered_from_memory() -> None:
    memory = Remembered()
    coming: set[bytes] = set()
    keys, new = memory.plan(["a", "b", "a"], coming)
    assert new == ["a", "b"] and memory.reused == 1
    keys2, new2 = memory.plan(["b", "c"], coming)  # "b" is on its way with the first chunk
    assert new2 == ["c"]
    memory.learn(new, [[("A", "person", 0, 1)], []], coming)
    memory.learn(new2, [[]], coming)
    assert [[e.text for e in found] for found in memory.recall(keys)] == [["A"], [], ["A"]]
    assert memory.recall(keys2) == [[], []]
    assert (memory.asked, memory.reused) == (3, 2)


def test_memory_forgets_the_least_recent_beyond_its_limit() -> None:
    memory = Remembered(limit=2)
    coming: set[bytes] = set()
    for text in ("a", "b", "a", "c"):  # "a" used again: "b" is now the least recent
        _, new = memory.plan([text], coming)
        memory.learn(new, [[]] * len(new), coming)
        memory.recall([Remembered.key(text)])
    assert memory.plan(["a", "c"], set())[1] == [] and memory.plan(["b"], set())[1] == ["b"]


@pytest.mark.parametrize("workers", [1, 2])
def test_duplicate_paragraphs_go_to_the_model_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   workers: int) -> None:
    paragraphs = seed_paragraphs()
    # the same article under three ids and a dateline paragraph in every article: news repeats itself
    articles = [Article(id=f"copy{n}", paragraphs=("LONDON (Reuters) -", *paragraphs)) for n in range(3)]
    sent: list[str] = []
    real_extract, real_send = analysis.extract, Worker.send

    def counted_extract(model: str, texts: Sequence[str]) -> list[analysis.Found]:  # run in this process
        sent.extend(texts)
        return real_extract(model, texts)

    def counted_send(self: Worker, number: int, texts: Sequence[str]) -> bool:  # sent to a worker
        sent.extend(texts)
        return real_send(self, number, texts)

    monkeypatch.setattr(analysis, "extract", counted_extract)
    monkeypatch.setattr(Worker, "send", counted_send)
    with SearchIndex.create(tmp_path / "ix") as idx:
        report = idx.add_articles(articles, workers=workers)
        hits = idx.search("*", limit=None, highlight=False).hits
    assert report.articles_added == 3
    # (a chunk a worker had not begun, taken back, counts twice: it went to the model once)
    assert sorted(set(sent)) == sorted({"LONDON (Reuters) -", *paragraphs})
    by_text: dict[str, set[tuple[Any, ...]]] = {}
    for hit in hits:
        by_text.setdefault(hit.text, set()).add(tuple(sorted((k, tuple(v)) for k, v in hit.entities.items())))
    assert len(hits) == 3 * (len(paragraphs) + 1) and all(len(found) == 1 for found in by_text.values())
    assert any(found != {()} for found in by_text.values())  # the model did find entities


def one_article_chunks() -> list[list[Article]]:
    articles = list(read_articles(find_sources([SEEDS, FIXTURES / "corpus", FIXTURES / "articles.jsonl"])))
    return [[article] for article in articles]


def as_plain(analysed: Iterable[tuple[Sequence[Article], list[analysis.Mentions]]]) -> list[Any]:
    return [([a.id for a in chunk], per_article) for chunk, per_article in analysed]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_this_process_and_a_worker_share_the_chunks_and_agree_with_one_process(monkeypatch: pytest.MonkeyPatch,
                                                                               method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    monkeypatch.setattr(workers, "start_method", lambda: method)
    chunks = one_article_chunks()
    model = default_model()
    alone = as_plain(analysis.analyse(chunks, model, 1))
    crews: list[workers.Workers] = []
    here: list[int] = []
    real_extract = analysis.extract

    class Recorded(workers.Workers):
        def __init__(self, model: str, count: int) -> None:
            super().__init__(model, count)
            crews.append(self)

    def after_a_worker(model: str, texts: Sequence[str]) -> list[analysis.Found]:
        """This process's share waits until the worker has answered a chunk: both take part."""
        deadline = time.monotonic() + 120
        while not any(crews[0].folder.glob("*.out")) and not here and time.monotonic() < deadline:
            time.sleep(0.02)
        here.append(len(texts))
        return real_extract(model, texts)

    monkeypatch.setattr(analysis, "Workers", Recorded)
    monkeypatch.setattr(analysis, "extract", after_a_worker)
    assert as_plain(analysis.analyse(chunks, model, 2)) == alone  # the same answers, in the order given
    assert 0 < sum(here) < sum(len(a.paragraphs) for chunk in chunks for a in chunk)
    assert not crews[0].folder.exists()  # the chunks' files are gone with the workers


def test_a_worker_that_ends_has_its_chunks_run_here(caplog: pytest.LogCaptureFixture) -> None:
    chunks = one_article_chunks()
    model = default_model()
    alone = as_plain(analysis.analyse(chunks, model, 1))

    def killing() -> Iterator[list[Article]]:
        for number, chunk in enumerate(chunks):
            if number == 3:  # the worker holds chunks by now: it is killed (out of memory, say)
                for child in multiprocessing.active_children():
                    if child.name == "searchidx-ner":
                        child.kill()
                        child.join()  # dead before the next chunk is sent to it
            yield chunk

    with caplog.at_level(logging.WARNING, logger="searchidx"):
        assert as_plain(analysis.analyse(killing(), model, 2)) == alone  # nothing lost, nothing twice
    assert "an NER worker process ended (exit code -9)" in caplog.text


def test_a_chunk_a_worker_has_not_begun_can_be_taken_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "start_method", lambda: "spawn")  # (a forked worker has no model to load)
    with workers.Workers(default_model(), 1) as crew:
        [worker] = crew.all
        for number, text in enumerate(["Haluk Gorgun visited Dhaka.", "Erna Solberg", "Lisbon"]):
            worker.send(number, [text])  # the worker is still loading the model: it has begun none
        assert (worker.take_back(), worker.take_back()) == (0, 1)  # the first it has not begun
        worker.send(3, ["Bay of Bengal"])
        answers: list[tuple[int, list[analysis.Found]]] = []
        while len(answers) < 2:
            crew.wait()
            answers += worker.answers()
        assert [number for number, _ in answers] == [2, 3] and answers[1][1][0]
        assert worker.take_back() is None and not worker.waiting


def test_a_model_that_cannot_load_is_one_error_whoever_loads_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot load the spaCy model 'no_such_model'"):
        list(analysis.analyse(one_article_chunks(), "no_such_model", 2))
    env = dict(os.environ, SEARCHIDX_MODEL="no_such_model")
    done = subprocess.run([sys.executable, "-m", "searchidx", "index", str(SEEDS), "--index", str(tmp_path / "ix"),
                           "--workers", "2", "--quiet"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "cannot load the spaCy model" in done.stderr, done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_workers_are_forked_from_a_process_of_one_thread_and_each_ends_when_its_pipe_closes() -> None:
    """Forked workers share the model loaded here; each has copies of the pipes made before
    it, which it must close, or the first would never see its own pipe close (it would be
    killed after a wait instead of ending: exit code -9, not 0)."""
    import threading

    assert workers.start_method() == "fork"
    assert gc.get_freeze_count() == 0
    with workers.Workers(default_model(), 2) as crew:
        assert gc.get_freeze_count() > 0  # (the model out of the collector's passes, here and in the workers)
        for number, worker in enumerate(crew.all):
            worker.send(number, ["Haluk Gorgun visited Dhaka."])
            while not worker.answers():
                crew.wait()
        started = time.monotonic()
    assert [worker._process.exitcode for worker in crew.all] == [0, 0]
    assert time.monotonic() - started < 4  # (a worker that does not see its pipe close is killed after 5 s)
    assert gc.get_freeze_count() == 0  # given back at the end of the run
    with workers.frozen_until_done():  # ... or of the block that holds them (a run's commits and corpus step)
        with workers.Workers(default_model(), 1):
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a host that froze its objects itself keeps them frozen
    frozen = gc.get_freeze_count()
    try:
        with workers.Workers(default_model(), 1):
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert workers.start_method() == "spawn"  # a fork would copy a process whose other thread may hold a lock
    finally:  # (last: a thread joined may stay in /proc/self/task a moment longer)
        stop.set()
        thread.join()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in Linux's /proc")
def test_a_worker_runs_the_model_on_one_thread_and_this_process_starts_none(monkeypatch: pytest.MonkeyPatch
                                                                             ) -> None:
    """A second thread in a process (numpy's BLAS pool, a thread watching the parent, a
    process pool's threads) makes the model about 13% slower; a worker has none, this
    process starts none to feed it, and the worker still ends with its parent
    (tests/test_crash.py kills an indexer and finds no worker left)."""
    for name in workers.BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)  # the parent's own choice would carry over
    threads = len(os.listdir("/proc/self/task"))
    with workers.Workers(default_model(), 1) as crew:
        [worker] = crew.all
        worker.send(0, ["Haluk Gorgun visited Dhaka."])
        while not worker.answers():
            crew.wait()
        assert len(os.listdir(f"/proc/{worker.pid}/task")) == 1
        assert len(os.listdir("/proc/self/task")) == threads


@pytest.mark.skipif(os.name != "posix", reason="asks whether a process lives with os.kill(pid, 0)")
def test_the_folder_of_a_killed_run_is_removed_by_the_next(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f"{workers.FOLDER_PREFIX}{gone.stdout.strip()}-x1"  # its process has ended
    running = tmp_path / f"{workers.FOLDER_PREFIX}{os.getpid()}-x2"  # this process's: a run in progress
    other = tmp_path / "searchidx-ner-notes"
    for folder in (abandoned, running, other):
        folder.mkdir()
        (folder / "3.in").write_text("[]", encoding="ascii")
    workers.remove_abandoned(tmp_path)
    assert not abandoned.exists() and running.exists() and other.exists()
