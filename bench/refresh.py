"""How long a long-lived SearchIndex takes to see another writer's commit.

A copy of the index is searched by one long-lived ``SearchIndex`` while a second one adds an
article per round (one commit each). Printed, as medians over the rounds: the commit of one
article, the first search after it (which notices the new commit and opens a new searcher),
a search when nothing changed, and their difference: the cost of a refresh.

    python bench/refresh.py --index /tmp/bbc --rounds 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from searchidx import SearchIndex


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index", help="the index to copy and measure (default: ./index)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--query", default="defence OR government")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index"
        shutil.copytree(args.index, path)
        with SearchIndex.open(path) as reader, SearchIndex.open(path) as writer:
            writer.add_article("The model loads before timing starts.", id="bench-warmup")
            reader.search(args.query)
            commits, firsts, steadies, visible = [], [], [], 0
            for n in range(args.rounds):
                started = time.perf_counter()
                writer.add_article(f"Bench article {n} about government defence spending.", id=f"bench-{n}")
                commits.append(time.perf_counter() - started)
                started = time.perf_counter()
                results = reader.search(args.query, limit=10)
                firsts.append(time.perf_counter() - started)
                visible += reader.search(f"article:bench-{n}", limit=1).total == 1
                for _ in range(5):
                    started = time.perf_counter()
                    reader.search(args.query, limit=10)
                    steadies.append(time.perf_counter() - started)
            paragraphs = reader.stats().paragraphs

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:7.1f} ms"

    print(f"index: {args.index} ({paragraphs:,} paragraphs), query {args.query!r}, {args.rounds} rounds "
          f"({results.total:,} hits at the end)")
    print(f"commit of one article (NER, write, commit):  {ms(commits)}")
    print(f"first search after another's commit:         {ms(firsts)}")
    print(f"search with nothing new:                     {ms(steadies)}")
    print(f"refresh cost (difference of medians):        "
          f"{(statistics.median(firsts) - statistics.median(steadies)) * 1000:7.1f} ms")
    print(f"new article visible at the next search:      {visible}/{args.rounds}")


if __name__ == "__main__":
    main()
