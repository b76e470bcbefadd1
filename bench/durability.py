"""What durable commits cost: indexing with every file, table of contents and folder synced
(as searchidx does) against the same with syncing turned off (``os.fsync`` made a no-op in
this process: what an unsafe mode would save), side by side, alternating, medians.

Two loads: single-article commits (what a web service adding articles does) and a batch
run over BBC articles (``corpus/bbc`` under ``SEARCHIDX_SHARED``, default ``../shared``).
The index is written under ``--folder`` (default: a temporary folder, which must be on a
real disk: on tmpfs a sync costs nothing).

    python bench/durability.py --commits 30 --articles 100 --every 10 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from searchidx import SearchIndex
from searchidx.articles import find_sources, read_articles

SHARED = Path(os.environ.get("SEARCHIDX_SHARED", Path(__file__).resolve().parent.parent.parent / "shared"))


@contextmanager
def syncing(on: bool) -> Iterator[None]:
    real = os.fsync
    if not on:
        os.fsync = lambda fd: None  # type: ignore[assignment]
    try:
        yield
    finally:
        os.fsync = real


def single_commits(folder: Path, commits: int) -> float:
    """Median seconds of one add_article commit."""
    with SearchIndex.create(folder, overwrite=True) as idx:
        idx.add_article("Warm-up: the model loads before timing starts.", id="warmup")
        times = []
        for n in range(commits):
            started = time.perf_counter()
            idx.add_article(f"Report {n}: the port of Rotterdam handled more tin this year.", id=f"r{n}")
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def batch_run(folder: Path, articles: list, every: int) -> float:  # type: ignore[type-arg]
    """Articles a second of one run from scratch."""
    with SearchIndex.create(folder, overwrite=True) as idx:
        started = time.perf_counter()
        idx.add_articles(articles, commit_every=every, workers=1)
        return len(articles) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=30)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    articles = list(read_articles(find_sources([SHARED / "corpus" / "bbc" / "business"])))[:args.articles]
    with SearchIndex.create(Path(tempfile.mkdtemp()) / "warm") as idx:  # load the NER model once
        idx.add_article("Warm-up.", id="w")
    results: dict[tuple[str, bool], list[float]] = {}
    loads: list[tuple[str, Callable[[Path], float]]] = [
        ("single commit, ms", lambda folder: 1000 * single_commits(folder, args.commits)),
        (f"batch run ({len(articles)} articles, every {args.every}), articles/s",
         lambda folder: batch_run(folder, articles, args.every)),
    ]
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        for _ in range(args.rounds):
            for on in (True, False):  # alternating, so that the machine's load falls on both
                for name, load in loads:
                    with syncing(on):
                        results.setdefault((name, on), []).append(load(Path(tmp) / f"index-{on}"))
    print(f"{'load':<45} {'synced':>10} {'unsynced':>10} {'ratio':>7}")
    for name, _ in loads:
        synced, unsynced = statistics.median(results[(name, True)]), statistics.median(results[(name, False)])
        print(f"{name:<45} {synced:>10.2f} {unsynced:>10.2f} {synced / unsynced:>7.2f}")


if __name__ == "__main__":
    main()
