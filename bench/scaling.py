"""Scaling: indexing speed, index size and query latency as an index grows from 10k to 300k
paragraphs, on one machine.

    python bench/scaling.py --source /tmp/reuters                 # default sizes
    python bench/scaling.py --source /tmp/reuters --sizes 2000,5000 --work /tmp/scaling
    python bench/scaling.py --source /tmp/reuters --json > scaling.json

NER is most of the cost of indexing and grows linearly with the text (``bench/indexing.py``
measures it), so this bench leaves it out and measures the Whoosh side: it reads the
paragraphs and entities already stored in a built index (--source), regroups them into
articles, and writes copies of that corpus into a new index (a temporary folder, or --work)
through the same writer ``searchidx index`` uses, each copy with new article ids
(``reuters-1~2``, ``reuters-1~3``, ...), until the index holds each of --sizes paragraphs
(whole articles, so a little more). Each step is one commit, like an indexing run that adds
articles to an index.

After each step it prints a row: the paragraphs in the index; the seconds to write and commit
that step and its paragraphs per second; the index size on disk (MB, and bytes per
paragraph); the raw text written (MB of paragraph text, UTF-8); the latency of
``SearchIndex.search(query, limit=10)`` over a fixed mix of --queries queries taken evenly
from bench/queries.txt (p50 and p95 over the mix of each query's median of --repeat runs,
after one warm-up pass, in a freshly opened index); the time to open the index and run one
query in a new process (median of --opens, after one uncounted run: the whole process's wall
time, and the open and search alone, measured inside it) with that process's peak memory;
and this process's peak memory so far (it holds the source corpus: see the line printed
after loading it).

Copies repeat the vocabulary, so the term dictionary does not grow as it would with new
articles: sizes and the cost of wildcard and fuzzy terms are a little lower than a real
corpus of that size would give; everything that grows with the number of matches (postings,
counting the total, stored fields) grows as it would.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

from searchidx import SearchIndex
from searchidx.engine import Engine
from searchidx.indexing import fingerprint
from searchidx.models import Article, Entity

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.txt"
DEFAULT_SIZES = "10000,30000,100000,200000,300000"
#: The query of the new-process measurement: fielded, with an alias and two words.
FIRST_QUERY = "place:japan trade surplus"
MB = 1_000_000

#: Opens the index and runs one search in a new process; prints its own timings as JSON.
ONE_SHOT = """
import json, sys, time
started = time.perf_counter()
from searchidx import SearchIndex
imported = time.perf_counter()
idx = SearchIndex.open(sys.argv[1])
opened = time.perf_counter()
results = idx.search(sys.argv[2], limit=10)
done = time.perf_counter()
# VmHWM, not ru_maxrss: that one keeps the parent's peak across fork and exec
with open("/proc/self/status") as status:
    peak_kb = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
print(json.dumps({"import_ms": (imported - started) * 1000, "open_ms": (opened - imported) * 1000,
                  "search_ms": (done - opened) * 1000, "total": results.total, "rss_mb": peak_kb / 1024}))
"""


@dataclass(frozen=True)
class Source:
    """One article of the source index, ready to write again under another id."""

    article: Article
    fingerprint: str
    entities: tuple[tuple[Entity, ...], ...]
    text_bytes: int


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_corpus(path: Path) -> tuple[list[Source], str]:
    """The articles of the index at ``path``, with their paragraphs in order and each
    paragraph's entities as stored, and the index's model name."""
    engine = Engine.open(path)
    model = engine.meta.model
    grouped: dict[str, list[dict[str, Any]]] = {}
    for stored in engine.documents():
        grouped.setdefault(stored["article"], []).append(stored)
    engine.close()
    sources = []
    for article_id, paragraphs in grouped.items():
        paragraphs.sort(key=lambda stored: stored["paragraph"])
        first = paragraphs[0]
        article = Article(id=article_id, paragraphs=tuple(p.get("text", "") for p in paragraphs),
                          title=first.get("title", ""), date=first.get("date_text", ""))
        entities = tuple(tuple(Entity(*item) for item in p.get("entities", ())) for p in paragraphs)
        sources.append(Source(article, fingerprint(article, model), entities,
                              sum(len(text.encode("utf-8")) for text in article.paragraphs)))
    return sources, model


def copies(sources: list[Source]) -> Iterator[tuple[Article, Source]]:
    """The corpus over and over: the first copy with its own ids, then ``id~2``, ``id~3``, ..."""
    for number in count(1):
        for source in sources:
            article = source.article
            if number > 1:
                article = Article(id=f"{article.id}~{number}", paragraphs=article.paragraphs,
                                  title=article.title, date=article.date)
            yield article, source


def read_queries(path: Path, wanted: int) -> list[tuple[str, str]]:
    """``wanted`` (kind, query) pairs spread evenly over the lines ``kind<TAB>query<TAB>...``
    of ``path``, so that every kind of query is in the mix."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, text = (part.strip() for part in line.split("\t")[:2])
            pairs.append((kind, text))
    if wanted >= len(pairs):
        return pairs
    step = len(pairs) / wanted
    return [pairs[int(i * step)] for i in range(wanted)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def query_latency(path: Path, queries: list[tuple[str, str]], repeat: int) -> tuple[list[float], list[int]]:
    """Each query's median milliseconds over ``repeat`` runs after a warm-up pass, and its total."""
    with SearchIndex.open(path) as idx:
        totals = [idx.search(text, limit=10).total for _, text in queries]  # warm-up
        runs: list[list[float]] = [[] for _ in queries]
        for _ in range(max(1, repeat)):
            for i, (_, text) in enumerate(queries):
                started = time.perf_counter()
                idx.search(text, limit=10)
                runs[i].append((time.perf_counter() - started) * 1000)
    return [statistics.median(r) for r in runs], totals


def one_shot(path: Path, query: str, runs: int, env: dict[str, str]) -> dict[str, float]:
    """Medians of opening the index and searching once in a new process (after an uncounted run)."""
    measured: list[dict[str, float]] = []
    for run in range(max(1, runs) + 1):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", ONE_SHOT, str(path), query], capture_output=True,
                             text=True, env=env, check=True)
        wall = (time.perf_counter() - started) * 1000
        if run:
            measured.append({**json.loads(out.stdout), "wall_ms": wall})
    return {key: statistics.median(m[key] for m in measured) for key in measured[0]}


def markdown(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| paragraphs | write s | write p/s | index MB | bytes/para | text MB | segments "
             "| query p50 ms | p95 ms | new process: open+search ms | its wall ms | its peak MB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['paragraphs']:,} | {r['write_s']:.1f} | {r['write_pps']:,.0f} | {r['index_mb']:.0f} "
                     f"| {r['bytes_per_paragraph']:,.0f} | {r['text_mb']:.0f} | {r['segments']} "
                     f"| {r['query_p50_ms']:.1f} | {r['query_p95_ms']:.1f} "
                     f"| {r['first_open_ms'] + r['first_search_ms']:.0f} | {r['first_wall_ms']:.0f} "
                     f"| {r['first_rss_mb']:.0f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True, help="a built index whose paragraphs are copied")
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="paragraph counts to measure at, in increasing order (default: %(default)s)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the growing index (new or empty; kept afterwards). "
                             "Default: a temporary folder, removed at the end")
    parser.add_argument("--queries", type=Path, default=QUERIES, help="query file (default: %(default)s)")
    parser.add_argument("--mix", type=int, default=40, help="queries taken evenly from it (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query (median reported)")
    parser.add_argument("--opens", type=int, default=3, help="new processes timed per size (median reported)")
    parser.add_argument("--first-query", default=FIRST_QUERY, help="the query of the new processes")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args()
    try:
        sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error(f"--sizes: expected numbers separated by commas, got {args.sizes!r}")
    if not sizes or sizes != sorted(sizes) or sizes[0] < 1:
        parser.error("--sizes: give one or more positive numbers in increasing order")
    if args.work is not None and args.work.exists() and (not args.work.is_dir() or any(args.work.iterdir())):
        parser.error(f"--work: {args.work} is not a new or empty folder")

    began = time.perf_counter()
    log(f"reading {args.source} ...")
    sources, model = load_corpus(args.source)
    corpus_paragraphs = sum(len(s.article.paragraphs) for s in sources)
    corpus_rss = rss_mb()
    log(f"{len(sources):,} articles, {corpus_paragraphs:,} paragraphs in {time.perf_counter() - began:.0f} s; "
        f"this process holds {corpus_rss:.0f} MB with the corpus loaded")
    queries = read_queries(args.queries, args.mix)
    kinds = list(dict.fromkeys(kind for kind, _ in queries))

    temporary = None
    if args.work is None:
        temporary = tempfile.mkdtemp(prefix="searchidx-scaling-")
        work = Path(temporary)
    else:
        work = args.work
    # bytecode of the new processes cached outside the checkout, as after an install
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
           "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "searchidx-bench-pycache")}
    header = [
        f"source: {args.source} ({len(sources):,} articles, {corpus_paragraphs:,} paragraphs), copied into {work}",
        f"queries: {len(queries)} from {args.queries.name} ({', '.join(kinds)}), limit=10, "
        f"median of {args.repeat} runs after a warm-up pass; new process: '{args.first_query}', "
        f"median of {args.opens}",
        f"Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}; "
        f"this process: {corpus_rss:.0f} MB with the corpus loaded",
    ]
    if not args.json:
        for line in header:
            print(line)
        print()
        print(f"{'paragraphs':>10} {'articles':>8} {'write s':>8} {'p/s':>6} {'index MB':>8} {'B/para':>7} "
              f"{'text MB':>7} {'segs':>4} {'q p50':>7} {'q p95':>7} {'1st: open':>9} {'search':>7} "
              f"{'wall':>6} {'1st MB':>6} {'RSS MB':>6}")
    rows: list[dict[str, Any]] = []
    per_query: list[list[float]] = []
    stream = copies(sources)
    engine = Engine.create(work, model)
    paragraphs = articles = text_bytes = 0
    try:
        for size in sizes:
            step_paragraphs = 0
            started = time.perf_counter()
            with engine.writer() as writer:
                while paragraphs < size:
                    article, source = next(stream)
                    written = writer.add_article(article, source.fingerprint, source.entities)
                    paragraphs += written
                    step_paragraphs += written
                    articles += 1
                    text_bytes += source.text_bytes
            write_s = time.perf_counter() - started
            engine.close()
            index_bytes = sum(f.stat().st_size for f in work.iterdir() if f.is_file())
            segments = sum(1 for f in work.iterdir() if f.name.endswith(".seg"))
            ms, totals = query_latency(work, queries, args.repeat)
            per_query.append(ms)
            first = one_shot(work, args.first_query, args.opens, env)
            row = {
                "paragraphs": paragraphs, "articles": articles, "copies": -(-paragraphs // corpus_paragraphs),
                "step_paragraphs": step_paragraphs, "write_s": write_s, "write_pps": step_paragraphs / write_s,
                "index_mb": index_bytes / MB, "bytes_per_paragraph": index_bytes / paragraphs,
                "text_mb": text_bytes / MB, "segments": segments,
                "query_p50_ms": statistics.median(ms), "query_p95_ms": percentile(ms, 0.95),
                "query_max_ms": max(ms), "matches_mean": statistics.mean(totals),
                "first_open_ms": first["open_ms"], "first_search_ms": first["search_ms"],
                "first_import_ms": first["import_ms"], "first_wall_ms": first["wall_ms"],
                "first_rss_mb": first["rss_mb"], "first_total": first["total"], "peak_rss_mb": rss_mb(),
                "kinds_p50_ms": {kind: statistics.median(m for m, (k, _) in zip(ms, queries) if k == kind)
                                 for kind in kinds},
            }
            rows.append(row)
            if not args.json:
                print(f"{paragraphs:10,} {articles:8,} {write_s:8.1f} {row['write_pps']:6.0f} "
                      f"{row['index_mb']:8.1f} {row['bytes_per_paragraph']:7.0f} {row['text_mb']:7.1f} "
                      f"{segments:4} {row['query_p50_ms']:7.1f} {row['query_p95_ms']:7.1f} "
                      f"{first['open_ms']:9.1f} {first['search_ms']:7.1f} {first['wall_ms']:6.0f} "
                      f"{first['rss_mb']:6.0f} {row['peak_rss_mb']:6.0f}", flush=True)
            else:
                log(f"{paragraphs:,} paragraphs: written in {write_s:.1f} s, queries p50 "
                    f"{row['query_p50_ms']:.1f} ms")
    finally:
        engine.close()
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    elapsed = time.perf_counter() - began
    if args.json:
        doc = {"header": header, "source": str(args.source), "source_articles": len(sources),
               "source_paragraphs": corpus_paragraphs, "corpus_rss_mb": corpus_rss, "seconds": elapsed,
               "rows": rows,
               "queries": [{"kind": kind, "query": text, "ms": [m[i] for m in per_query]}
                           for i, (kind, text) in enumerate(queries)]}
        json.dump(doc, sys.stdout, indent=1)
        print()
        return 0
    print()
    print("columns: write s and p/s are those of the step (the paragraphs added since the row before);")
    print("q p50/p95: ms per search over the mix; 1st: a new process opening the index and searching once")
    print("(open, search, whole process wall time in ms, its peak MB); RSS MB: this process's peak so far")
    print()
    print("median ms per kind of query (queries in the mix)")
    counts = {kind: sum(k == kind for k, _ in queries) for kind in kinds}
    print(f"{'kind':10} {'n':>3} " + " ".join(f"{r['paragraphs']:>9,}" for r in rows))
    for kind in kinds:
        print(f"{kind:10} {counts[kind]:3} " + " ".join(f"{r['kinds_p50_ms'][kind]:9.1f}" for r in rows))
    print(f"{'matches':10} {'':3} " + " ".join(f"{r['matches_mean']:9,.0f}" for r in rows)
          + "   (mean total per query)")
    slowest = sorted(range(len(queries)), key=lambda i: -per_query[-1][i])[:5]
    print()
    print(f"slowest at {rows[-1]['paragraphs']:,} paragraphs")
    for i in slowest:
        print(f"  {per_query[-1][i]:8.1f} ms (was {per_query[0][i]:.1f} at {rows[0]['paragraphs']:,})  "
              f"{queries[i][0]:9} {queries[i][1]}")
    print()
    print("as markdown:")
    print()
    for line in markdown(rows):
        print(line)
    print()
    print(f"total run time {elapsed:.0f} s; peak memory of this process {rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
