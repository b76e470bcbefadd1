"""NER over chunks of articles: each distinct paragraph goes to the model once per run,
and the answers are those the model gives each paragraph on its own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import SEEDS

from searchidx import Article, SearchIndex, analysis
from searchidx.analysis import Remembered
from searchidx.settings import default_model


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
    pipelined = analysis._pipelined

    def counted_pipeline(chunks: Iterable[Sequence[Article]], submit: Any, in_flight: int) -> Any:
        def counted(texts: list[str]) -> Any:
            sent.extend(texts)
            return submit(texts)
        return pipelined(chunks, counted, in_flight)

    if workers == 1:
        real = analysis._extract

        def counted_extract(model: str, texts: list[str]) -> list[analysis.Found]:
            sent.extend(texts)
            return real(model, texts)

        monkeypatch.setattr(analysis, "_extract", counted_extract)
    else:  # the worker processes run the real function: count what the parent sends them
        monkeypatch.setattr(analysis, "_pipelined", counted_pipeline)
    with SearchIndex.create(tmp_path / "ix") as idx:
        report = idx.add_articles(articles, workers=workers)
        hits = idx.search("*", limit=None, highlight=False).hits
    assert report.articles_added == 3
    assert sorted(sent) == sorted(set(sent)) and len(sent) == len(paragraphs) + 1
    by_text: dict[str, set[tuple[Any, ...]]] = {}
    for hit in hits:
        by_text.setdefault(hit.text, set()).add(tuple(sorted((k, tuple(v)) for k, v in hit.entities.items())))
    assert len(hits) == 3 * (len(paragraphs) + 1) and all(len(found) == 1 for found in by_text.values())
    assert any(found != {()} for found in by_text.values())  # the model did find entities


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in Linux's /proc")
def test_a_worker_runs_the_model_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second thread in a process (numpy's BLAS pool, a thread watching the parent)
    makes the model about 13% slower; a worker has none, and still ends with its parent
    (tests/test_crash.py kills an indexer and finds no worker left)."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    for name in analysis.BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)  # the parent's own choice would carry over
    model = default_model()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=analysis._start_worker, initargs=(model,)) as pool:
        assert pool.submit(analysis._extract, model, ["Haluk Gorgun visited Dhaka."]).result()
        assert len(pool.submit(os.listdir, "/proc/self/task").result()) == 1
