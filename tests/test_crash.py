"""Crashes and concurrent use, with real processes: an indexer killed with SIGKILL at random
moments, and reader processes searching while a writer indexes.

What must hold: the index always opens and holds exactly a committed state (whole articles,
a prefix of the run's batches), nothing committed is ever lost, the next run completes the
work, and readers see only committed states, without errors.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SEEDS

from searchidx import SearchIndex
from searchidx.articles import find_sources, read_articles, split_blocks
from searchidx.indexing import fingerprint

MARK = "zebulon"  # a word in every generated paragraph, so that one query matches them all


def write_corpus(folder: Path, articles: int) -> Path:
    """``articles`` text files made of the seed article's paragraphs (real news text for the NER model)."""
    seed = split_blocks(next(SEEDS.glob("*.txt")).read_text(encoding="utf-8"))[1:]
    folder.mkdir()
    for n in range(articles):
        paragraphs = [f"Report {n} ({MARK}). {seed[(n + k) % len(seed)]}" for k in range(3)]
        (folder / f"{n:03}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder


@dataclass(frozen=True)
class Expected:
    """The articles a run over ``source`` indexes, in the order it reads them."""

    order: list[str]
    paragraphs: dict[str, int]
    fingerprints: dict[str, str]

    @classmethod
    def of(cls, source: Path, model: str) -> Expected:
        articles = list(read_articles(find_sources([source])))
        return cls([a.id for a in articles], {a.id: len(a.paragraphs) for a in articles},
                   {a.id: fingerprint(a, model) for a in articles})

    def committed_prefixes(self, every: int) -> dict[int, int]:
        """Articles -> paragraphs of each state a run from scratch can commit."""
        states, total = {0: 0}, 0
        for count, article in enumerate(self.order, start=1):
            total += self.paragraphs[article]
            if count % every == 0 or count == len(self.order):
                states[count] = total
        return states


def check_state(path: Path, expected: Expected, every: int) -> int:
    """Assert that the index at ``path`` opens and holds exactly a committed state; its article count."""
    with SearchIndex.open(path) as idx:
        found: dict[str, list[int]] = {}
        for hit in idx.search("*", limit=None, highlight=False):
            found.setdefault(hit.article, []).append(hit.paragraph)
        assert idx.fingerprints() == {article: expected.fingerprints[article] for article in found}
        count = len(found)
        assert set(found) == set(expected.order[:count]), "the articles are not the run's first batches"
        assert count in expected.committed_prefixes(every), f"{count} articles is not a whole number of batches"
        for article, numbers in found.items():
            assert sorted(numbers) == list(range(1, expected.paragraphs[article] + 1)), f"{article} is incomplete"
        assert idx.search("*", limit=None, highlight=False).total == sum(map(len, found.values()))
        stats = idx.stats()
        assert (stats.articles, stats.paragraphs) == (count, sum(map(len, found.values())))
    return count


def indexer(source: Path, path: Path, every: int, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "searchidx", "index", str(source), "--index", str(path), "--commit-every",
         str(every), "--workers", str(workers), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def wait_group_gone(pgid: int, seconds: float = 20) -> None:
    """Wait until no process of the group is left (NER workers must not outlive a killed indexer)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(pgid, signal.SIGKILL)
    pytest.fail("processes of a killed indexer were still running")


def our_tracebacks(stderr: str) -> list[str]:
    """The tracebacks in a killed run's ``stderr`` but one: a worker process that Python's
    multiprocessing was starting when the indexer was killed finds its start-up data cut off
    and prints ``EOFError: Ran out of input`` from ``spawn_main``, before any searchidx code
    runs (seen once in CI, in 30 kills)."""
    parts = stderr.split("Traceback (most recent call last):")[1:]
    return [part for part in parts if not ("spawn_main" in part and "EOFError: Ran out of input" in part)]


def generation(path: Path) -> int:
    """The number of the index's latest commit (Whoosh names each table of contents by it)."""
    return max((int(toc.stem.rsplit("_", 1)[1]) for toc in path.glob("_MAIN_*.toc")), default=-1)


def timed_run(source: Path, path: Path, every: int) -> tuple[float, float]:
    """Index ``source`` whole into a new index; seconds to its first commit and per later commit."""
    SearchIndex.create(path).close()
    start, first = time.monotonic(), generation(path)
    process = indexer(source, path, every, 1)
    first_commit = None
    while process.poll() is None:
        if first_commit is None and generation(path) > first:
            first_commit = time.monotonic() - start
        time.sleep(0.01)
    assert process.returncode == 0
    total = time.monotonic() - start
    commits = generation(path) - first
    first_commit = first_commit or total
    return first_commit, (total - first_commit) / max(1, commits - 1)


def kill_and_resume(source: Path, path: Path, *, every: int, kills: int, seed: int,
                    workers: tuple[int, ...] = (1,)) -> dict[str, int]:
    """Kill the indexer ``kills`` times at random moments, checking the index after each kill;
    then let a run finish and check the index is complete. Returns figures for the report.

    A kill comes at a random moment of a run: before its first commit (while Python and the
    model load, or the first batch is analysed), or 1 to 3 commits into it at a random time
    within a batch, so it may land while entities are found or while a commit is written.
    """
    rng = random.Random(seed)
    first, period = timed_run(source, path.with_name("timing"), every)
    SearchIndex.create(path).close()
    expected = Expected.of(source, SearchIndex.open(path).model)
    before = 0
    figures = {"kills": 0, "kills_after_progress": 0, "articles": len(expected.order), "runs": 0}
    for _ in range(kills):
        process = indexer(source, path, every, rng.choice(workers))
        figures["runs"] += 1
        batches_left = -(-(len(expected.order) - before) // every)
        commits = rng.randint(0, max(0, min(3, batches_left - 1)))
        if commits == 0:
            time.sleep(rng.uniform(0, first))  # while Python and the model load, or the first batch
        else:  # some commits into the run (timed by the run itself, so a slow machine is no matter)
            target = generation(path) + commits
            while process.poll() is None and generation(path) < target:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, period))
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        wait_group_gone(process.pid)  # before reading stderr: a worker left alive would hold it open
        stderr = process.stderr.read().decode() if process.stderr else ""
        assert not our_tracebacks(stderr), stderr
        count = check_state(path, expected, every)
        assert count >= before, "a kill lost committed articles"
        figures["kills"] += not finished
        figures["kills_after_progress"] += count > before and not finished
        before = count
        if finished:
            assert count == len(expected.order)
            break
    final = indexer(source, path, every, 1)
    assert final.wait(600) == 0, final.stderr.read().decode() if final.stderr else ""
    assert check_state(path, expected, every) == len(expected.order)
    return figures


def test_killed_indexer_leaves_a_committed_state_and_the_next_run_completes_it(tmp_path: Path):
    source = write_corpus(tmp_path / "corpus", 60)
    figures = kill_and_resume(source, tmp_path / "index", every=3, kills=4, seed=7)
    print(f"\ncrash figures: {figures}")
    assert figures["kills"] >= 2, figures  # else the runs ended before the kills: nothing was tested


def test_ner_workers_end_with_a_killed_indexer(tmp_path: Path):
    source = write_corpus(tmp_path / "corpus", 200)
    path = tmp_path / "index"
    SearchIndex.create(path).close()
    process = indexer(source, path, 10, 2)
    first = generation(path)
    deadline = time.monotonic() + 120
    while generation(path) == first and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the workers are up once the first batch is committed
    assert process.poll() is None, "the run ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    wait_group_gone(process.pid)
    check_state(path, Expected.of(source, SearchIndex.open(path).model), 10)


@pytest.mark.reliability
def test_many_kills_over_a_real_corpus(tmp_path: Path, shared: Path):
    source = tmp_path / "bbc"
    source.mkdir()
    for folder in ("politics", "business"):  # 120 real BBC articles (a link, not a copy)
        for file in sorted((shared / "corpus" / "bbc" / folder).glob("*.txt"))[:60]:
            (source / f"{folder}-{file.name}").symlink_to(file)
    figures = kill_and_resume(source, tmp_path / "index", every=5, kills=30, seed=11, workers=(1, 2))
    print(f"\ncrash figures: {figures}")
    assert figures["kills"] >= 15 and figures["kills_after_progress"] >= 3, figures


# -- readers while a writer writes -----------------------------------------------------------------

READER = textwrap.dedent("""
    import json, sys, time, traceback
    from pathlib import Path
    from searchidx import SearchIndex

    path, mark, out, stop = sys.argv[1], sys.argv[2], open(sys.argv[3], "w"), Path(sys.argv[4])
    held = SearchIndex.open(path)  # one long-lived object, as a web service holds it
    rounds = 0
    while not stop.exists() or rounds < 3:
        rounds += 1
        for idx in (held, SearchIndex.open(path)):  # and a fresh open each round
            try:
                stats = idx.stats()
                results = idx.search(mark, limit=None, highlight=False)
                per_article = {}
                for hit in results:
                    per_article.setdefault(hit.article, []).append(hit.paragraph)
                record = {"stats": [stats.articles, stats.paragraphs], "total": results.total,
                          "hits": per_article}
            except Exception as error:
                record = {"error": f"{type(error).__name__}: {error}", "where": traceback.format_exc()}
            out.write(json.dumps(record) + "\\n")
        time.sleep(0.02)
    out.close()
""")


def readers_during_a_run(source: Path, path: Path, *, every: int, readers: int, query: str) -> dict[str, int]:
    """Index ``source`` into a new index while ``readers`` processes search it; check that every
    answer of every reader is a committed state. Returns figures for the report."""
    SearchIndex.create(path).close()
    expected = Expected.of(source, SearchIndex.open(path).model)
    states = expected.committed_prefixes(every)
    stop = path.with_name("stop")
    outs = [path.with_name(f"reader{n}.jsonl") for n in range(readers)]
    procs = [subprocess.Popen([sys.executable, "-c", READER, str(path), query, str(out), str(stop)])
             for out in outs]
    try:
        writer = indexer(source, path, every, 1)
        assert writer.wait(900) == 0
    finally:
        stop.touch()
        for proc in procs:
            proc.wait(120)
    seen: set[int] = set()
    searches = 0
    for out in outs:
        for line in out.read_text().splitlines():
            record = json.loads(line)
            assert "error" not in record, record.get("where", record)
            articles, paragraphs = record["stats"]
            assert states.get(articles) == paragraphs, f"not a committed state: {record['stats']}"
            hits = record["hits"]
            assert len(hits) in states and set(hits) == set(expected.order[:len(hits)])
            assert record["total"] == states[len(hits)]
            for article, numbers in hits.items():
                assert sorted(numbers) == list(range(1, expected.paragraphs[article] + 1))
            seen.add(articles)
            searches += 1
    assert seen >= {len(expected.order)}, "the readers never saw the finished index"
    return {"readers": readers, "searches": searches, "states_seen": len(seen),
            "commits": len(states) - 1}


def test_readers_see_only_committed_states_while_a_writer_indexes(tmp_path: Path):
    source = write_corpus(tmp_path / "corpus", 30)
    figures = readers_during_a_run(source, tmp_path / "index", every=3, readers=3, query=MARK)
    print(f"\nreader figures: {figures}")
    assert figures["states_seen"] >= 3, f"the readers saw too few commits to test anything: {figures}"


@pytest.mark.reliability
def test_readers_during_a_real_corpus_run(tmp_path: Path, shared: Path):
    source = tmp_path / "bbc"
    source.mkdir()
    for file in sorted((shared / "corpus" / "bbc" / "tech").glob("*.txt"))[:150]:
        (source / file.name).symlink_to(file)
    figures = readers_during_a_run(source, tmp_path / "index", every=10, readers=4, query="*")
    print(f"\nreader figures: {figures}")
    assert figures["states_seen"] >= 5, figures
