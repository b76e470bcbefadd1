"""Console completion latency: how long each keystroke's completions take on an index.

    python bench/completion.py --index /tmp/reuters
    PYTHONPATH=../main python bench/completion.py --index /tmp/reuters   # a baseline checkout, same keystrokes

Types a fixed set of queries one character at a time through the console's completer
(the same object the console uses) and prints the median, p95 and worst time per
keystroke, and the time to build the name catalog (done in the background in the console).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from searchidx import SearchIndex
from searchidx.console.commands import COMMANDS
from searchidx.console.completion import Catalog, QueryCompleter

#: What a user types; every prefix of each is one keystroke.
TYPED = [
    "person:reagan", "person:yun", "org:federal reserve", "place:brazil", "place:united states",
    "org:opec", "person:baker", "place:tokyo OR place:lond", "group:japanese", "org:ibm",
    'person:"james baker', "misc:gatt", "date:march", "per", "oil OR gold AND place:ku",
    "org:zzzqx", "person:xjqk",
    # typos: names a letter or two away, offered after the names that start with what is typed
    "person:reagn", 'person:"jmaes baker', "place:brazl", "org:federal reserv", "person:volker",
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, help="index folder")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the typed queries")
    args = parser.parse_args()
    with SearchIndex.open(args.index) as idx:
        started = time.perf_counter()
        catalog = Catalog.from_index(idx)
        built = time.perf_counter() - started
        names = sum(len(values) for values in catalog.values.values())
        paragraphs = idx.stats().paragraphs
    completer = QueryCompleter(catalog, {c.name: c.help for c in COMMANDS.values()})
    event = CompleteEvent(completion_requested=False)
    timings: list[float] = []
    for _ in range(args.repeat):
        for text in TYPED:
            for end in range(1, len(text) + 1):
                document = Document(text[:end], end)
                started = time.perf_counter()
                list(completer.get_completions(document, event))
                timings.append(time.perf_counter() - started)
    ms = [t * 1000 for t in timings]
    print(f"index: {args.index} ({paragraphs:,} paragraphs, {names:,} entity names)")
    print(f"catalog build (background thread): {built * 1000:.0f} ms")
    print(f"per keystroke over {len(ms)} keystrokes: median {statistics.median(ms):.2f} ms, "
          f"p95 {percentile(ms, 0.95):.2f} ms, worst {max(ms):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
