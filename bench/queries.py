"""Query latency: a fixed mix of queries (bench/queries.txt) on an index, beside SQLite FTS5.

    python bench/queries.py --index /tmp/reuters
    python bench/queries.py --index /tmp/reuters --corpus ../shared/corpus/reuters21578.jsonl --repeat 5
    python bench/queries.py --index /tmp/reuters --json > queries.json

Times ``SearchIndex.search(query, limit=10)`` for every query of the mix (keywords, fielded
entity queries, phrases, fuzzy, wildcard, date ranges, ...) in four configurations: with
snippets (the default), facets=5 without snippets, neither, and both. Each query's time is
the median of --repeat runs, after one warm-up pass; the tables give the p50, p95, p99 and
worst of those over the mix, per configuration and per kind of query, and the slowest
queries. The time is the whole API call: parsing, searching, counting every match (the
total), the hits' stored fields, snippets, facets and "did you mean" when it applies.

Beside it, the queries that have an FTS5 equivalent (the third column of queries.txt) run
on SQLite FTS5 (the standard library's sqlite3) over the same paragraphs and titles, read
from the corpus (default: Reuters-21578 under $SEARCHIDX_SHARED, else ../shared) with
searchidx's own reader. The table is built once and kept in --fts-db. To be fair, each FTS5
query does what a searchidx search does: the top 10 by bm25 with their text and title (and a
snippet() in the snippet configuration), and a count(*) of all matches. searchidx and FTS5
runs of one query are interleaved, so the machine's noise hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from searchidx import SearchIndex
from searchidx.articles import find_sources, read_articles

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.txt"
#: searchidx configurations: name -> keyword arguments of SearchIndex.search.
CONFIGS: dict[str, dict[str, object]] = {
    "snippets": {},
    "facets": {"facets": 5, "highlight": False},
    "plain": {"highlight": False},
    "facets+snippets": {"facets": 5},
}
CONFIG_HELP = {
    "snippets": "default: snippets on, no facets",
    "facets": "facets=5, no snippets",
    "plain": "highlight=False: no snippets, no facets",
    "facets+snippets": "facets=5 and snippets (everything)",
}
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
#: Tokens in an FTS5 snippet: about searchidx's 240-character fragment.
SNIPPET_TOKENS = 40
#: FTS5 queries: (name, SQL of the top 10, the searchidx configuration it stands beside).
FTS_QUERIES = {
    "snippets": ("SELECT article, paragraph, title, text, snippet(p, 0, '<em>', '</em>', '…', "
                 f"{SNIPPET_TOKENS}) FROM p WHERE p MATCH ? ORDER BY bm25(p, 1.0, 1.5) LIMIT 10"),
    "plain": "SELECT article, paragraph, title, text FROM p WHERE p MATCH ? ORDER BY bm25(p, 1.0, 1.5) LIMIT 10",
}
COUNT_SQL = "SELECT count(*) FROM p WHERE p MATCH ?"


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    fts: str | None  # the FTS5 MATCH string, None when FTS5 has no equivalent


def shared_default() -> Path:
    root = HERE.parent
    shared = Path(os.environ.get("SEARCHIDX_SHARED", root / ".." / "shared"))
    return shared / "corpus" / "reuters21578.jsonl"


def read_queries(path: Path) -> list[Query]:
    """The lines ``kind<TAB>query<TAB>fts5`` of ``path`` (``-``: no FTS5 equivalent); # starts a comment."""
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise SystemExit(f"{path}:{number}: expected kind<TAB>query<TAB>fts5, got {line!r}")
        kind, text, fts = (part.strip() for part in parts)
        queries.append(Query(kind, text, None if fts == "-" else fts))
    return queries


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(ms), "p95": percentile(ms, 0.95), "p99": percentile(ms, 0.99), "max": max(ms)}


# -- FTS5 -------------------------------------------------------------------------------------

def has_fts5() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.Error:
        return False
    return True


def corpus_key(corpus: Path) -> str:
    stat = corpus.stat()
    return f"{corpus.resolve()}|{stat.st_size}|{int(stat.st_mtime)}|{FTS_TOKENIZER}"


def open_fts(db: Path, corpus: Path, log: Callable[[str], None]) -> sqlite3.Connection:
    """The FTS5 table of the corpus's paragraphs in ``db``, built when missing or made from another corpus."""
    key = corpus_key(corpus)
    if db.exists():
        connection = sqlite3.connect(db)
        try:
            if connection.execute("SELECT value FROM meta WHERE key = 'corpus'").fetchone() == (key,):
                return connection
        except sqlite3.Error:
            pass
        connection.close()
        db.unlink()
    log(f"building the FTS5 table in {db} from {corpus} ...")
    started = time.perf_counter()
    partial = db.with_name(db.name + ".partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    connection.execute("CREATE VIRTUAL TABLE p USING fts5(text, title, article UNINDEXED, paragraph UNINDEXED, "
                       f"tokenize = '{FTS_TOKENIZER}')")
    rows = ((paragraph, article.title, article.id, number)
            for article in read_articles(find_sources([corpus]))
            for number, paragraph in enumerate(article.paragraphs, start=1))
    with connection:
        connection.executemany("INSERT INTO p VALUES (?, ?, ?, ?)", rows)
        connection.execute("INSERT INTO p(p) VALUES ('optimize')")
        connection.execute("INSERT INTO meta VALUES ('corpus', ?)", (key,))
    connection.close()
    partial.rename(db)
    log(f"built in {time.perf_counter() - started:.0f} s")
    return sqlite3.connect(db)


def fts_search(connection: sqlite3.Connection, sql: str, match: str) -> int:
    """Run the top-10 ``sql`` and the count for ``match``, as a search does; the count."""
    connection.execute(sql, (match,)).fetchall()
    return connection.execute(COUNT_SQL, (match,)).fetchone()[0]


# -- measuring --------------------------------------------------------------------------------

def measure(idx: SearchIndex, queries: list[Query], fts: sqlite3.Connection | None, repeat: int
            ) -> tuple[dict[str, list[float]], list[int], list[int | None]]:
    """Per configuration, each query's median milliseconds (searchidx; FTS5 for those with an
    equivalent, else NaN), and each query's total from searchidx and FTS5."""
    def run_all(runs: dict[str, list[list[float]]] | None) -> tuple[list[int], list[int | None]]:
        totals: list[int] = []
        fts_totals: list[int | None] = []
        for i, q in enumerate(queries):
            for name, kwargs in CONFIGS.items():
                started = time.perf_counter()
                results = idx.search(q.text, limit=10, **kwargs)  # type: ignore[arg-type]
                elapsed = (time.perf_counter() - started) * 1000
                if runs is not None:
                    runs[name][i].append(elapsed)
                if name == "plain":
                    totals.append(results.total)
            count = None
            if fts is not None and q.fts is not None:
                for name, sql in FTS_QUERIES.items():
                    started = time.perf_counter()
                    count = fts_search(fts, sql, q.fts)
                    elapsed = (time.perf_counter() - started) * 1000
                    if runs is not None:
                        runs[f"fts:{name}"][i].append(elapsed)
            fts_totals.append(count)
        return totals, fts_totals

    totals, fts_totals = run_all(None)  # warm-up: file cache, Whoosh's caches, SQLite's pages
    names = list(CONFIGS) + [f"fts:{name}" for name in FTS_QUERIES]
    runs: dict[str, list[list[float]]] = {name: [[] for _ in queries] for name in names}
    for _ in range(max(1, repeat)):
        run_all(runs)
    medians = {name: [statistics.median(r) if r else float("nan") for r in per_query]
               for name, per_query in runs.items()}
    return medians, totals, fts_totals


# -- printing ---------------------------------------------------------------------------------

def none_if_nan(value: float) -> float | None:
    return None if value != value else round(value, 3)


def fmt(value: float) -> str:
    return f"{value:7.1f}" if value == value else "      -"


def report(queries: list[Query], medians: dict[str, list[float]], totals: list[int],
           fts_totals: list[int | None], fts_available: bool) -> dict[str, object]:
    """Everything printed, as one JSON-ready document."""
    kinds = list(dict.fromkeys(q.kind for q in queries))
    doc: dict[str, object] = {"configs": {}, "kinds": {}, "slowest": {}, "fts5": {}}
    for name in CONFIGS:
        ms = medians[name]
        doc["configs"][name] = summary(ms)  # type: ignore[index]
        doc["kinds"][name] = {kind: summary([m for m, q in zip(ms, queries) if q.kind == kind])  # type: ignore[index]
                              for kind in kinds}
        slowest = sorted(range(len(queries)), key=lambda i: -ms[i])[:5]
        p95 = percentile(ms, 0.95)
        doc.setdefault("above_p95", {})[name] = dict(Counter(q.kind for m, q in zip(ms, queries)  # type: ignore[union-attr]
                                                             if m >= p95).most_common())
        doc["slowest"][name] = [{"query": queries[i].text, "kind": queries[i].kind, "ms": ms[i],  # type: ignore[index]
                                 "total": totals[i]} for i in slowest]
    if fts_available:
        compared = [i for i, q in enumerate(queries) if q.fts is not None]
        for name in FTS_QUERIES:
            ours = [medians[name][i] for i in compared]
            theirs = [medians[f"fts:{name}"][i] for i in compared]
            by_kind = {}
            for kind in kinds:
                picked = [i for i in compared if queries[i].kind == kind]
                if picked:
                    by_kind[kind] = {"queries": len(picked),
                                     "searchidx": summary([medians[name][i] for i in picked]),
                                     "fts5": summary([medians[f"fts:{name}"][i] for i in picked])}
            doc["fts5"][name] = {"queries": len(compared), "searchidx": summary(ours),  # type: ignore[index]
                                 "fts5": summary(theirs), "kinds": by_kind}
        doc["totals"] = [{"query": queries[i].text, "fts5_match": queries[i].fts, "searchidx": totals[i],
                          "fts5": fts_totals[i]} for i in compared]
    return doc


def print_report(doc: dict[str, object], queries: list[Query], header: list[str], fts_available: bool) -> None:
    for line in header:
        print(line)
    configs: dict = doc["configs"]  # type: ignore[assignment]
    print()
    print(f"searchidx, ms per query (median of the runs), over the {len(queries)} queries")
    print(f"{'configuration':18} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}   what")
    for name, s in configs.items():
        print(f"{name:18} {fmt(s['p50'])} {fmt(s['p95'])} {fmt(s['p99'])} {fmt(s['max'])}   {CONFIG_HELP[name]}")
    print()
    print("per kind of query, p50 / p95 ms")
    kinds = list(dict.fromkeys(q.kind for q in queries))
    counts = {kind: sum(q.kind == kind for q in queries) for kind in kinds}
    print(f"{'kind':12} {'n':>4} " + " ".join(f"{name:>17}" for name in CONFIGS))
    for kind in kinds:
        cells = [doc["kinds"][name][kind] for name in CONFIGS]  # type: ignore[index]
        print(f"{kind:12} {counts[kind]:4} " + " ".join(f"{c['p50']:8.1f}/{c['p95']:<8.1f}" for c in cells))
    print()
    print("the queries at or above p95, by kind")
    for name in CONFIGS:
        kinds_above = doc["above_p95"][name]  # type: ignore[index]
        print(f"  {name:18} " + ", ".join(f"{kind} {count}" for kind, count in kinds_above.items()))
    for name in CONFIGS:
        print()
        print(f"slowest in {name} ({CONFIG_HELP[name]})")
        for row in doc["slowest"][name]:  # type: ignore[index]
            print(f"  {row['ms']:7.1f} ms  {row['kind']:10} {row['total']:>7,} hits  {row['query']}")
    print()
    if not fts_available:
        print("SQLite FTS5: not available in this sqlite3 (or no corpus); comparison skipped")
        return
    fts: dict = doc["fts5"]  # type: ignore[assignment]
    any_fts = next(iter(fts.values()))
    print(f"beside SQLite FTS5 ({sqlite3.sqlite_version}, tokenizer '{FTS_TOKENIZER}', bm25 title weight 1.5), "
          f"on the {any_fts['queries']} queries with an FTS5 equivalent")
    print("FTS5 does the same work as a search: top 10 by bm25 with text and title, and count(*) of all matches;")
    print("'snippets' adds FTS5's snippet() (40 tokens) beside searchidx's fragments; FTS5 has no facets.")
    print(f"{'configuration':12} {'searchidx p50':>14} {'p95':>7} {'FTS5 p50':>9} {'p95':>7} "
          f"{'ratio p50':>10} {'p95':>7}")
    for name, row in fts.items():
        ours, theirs = row["searchidx"], row["fts5"]
        print(f"{name:12} {ours['p50']:14.1f} {ours['p95']:7.1f} {theirs['p50']:9.2f} {theirs['p95']:7.2f} "
              f"{ours['p50'] / theirs['p50']:9.0f}x {ours['p95'] / theirs['p95']:6.0f}x")
    print()
    print("per kind (snippets configuration), p50 / p95 ms")
    print(f"{'kind':12} {'n':>4} {'searchidx':>17} {'FTS5':>17} {'ratio p50':>10}")
    for kind, row in fts["snippets"]["kinds"].items():
        ours, theirs = row["searchidx"], row["fts5"]
        print(f"{kind:12} {row['queries']:4} {ours['p50']:8.1f}/{ours['p95']:<8.1f} "
              f"{theirs['p50']:8.2f}/{theirs['p95']:<8.2f} {ours['p50'] / theirs['p50']:9.0f}x")
    print()
    rows = doc["totals"]  # type: ignore[assignment]
    same = sum(row["searchidx"] == row["fts5"] for row in rows)
    print(f"sanity check, total matches: the same for {same} of the {len(rows)} queries; they may differ, as")
    print("searchidx also searches the entity fields, widens names by aliases and spellings, stems with")
    print("Porter2 rather than Porter, and adds paragraphs holding some of the words when fewer than 10 hold all")
    different = [row for row in rows if row["searchidx"] != row["fts5"]]
    print(f"  {'searchidx':>9} {'FTS5':>7}   query")
    step = max(1, len(rows) // 8)
    for row in different[:8] + [row for row in rows[::step] if row not in different][:8]:
        print(f"  {row['searchidx']:>7,} {row['fts5']:>7,}   {row['query']:32}  FTS5: {row['fts5_match']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, help="index folder (the Reuters corpus, for the FTS5 comparison)")
    parser.add_argument("--corpus", type=Path, default=shared_default(),
                        help="the articles indexed, for FTS5 (default: %(default)s)")
    parser.add_argument("--queries", type=Path, default=QUERIES, help="the query mix (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query (median reported)")
    parser.add_argument("--fts-db", type=Path, default=Path("/tmp/fts5-reuters.db"),
                        help="where the FTS5 table is kept (built when missing)")
    parser.add_argument("--no-fts", action="store_true", help="skip the FTS5 comparison")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args()
    queries = read_queries(args.queries)

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    fts = None
    if args.no_fts:
        log("FTS5 comparison skipped (--no-fts)")
    elif not has_fts5():
        log(f"this sqlite3 ({sqlite3.sqlite_version}) has no FTS5; comparison skipped")
    elif not args.corpus.exists():
        log(f"no corpus at {args.corpus} (give --corpus or set SEARCHIDX_SHARED); FTS5 comparison skipped")
    else:
        fts = open_fts(args.fts_db, args.corpus, log)
    with SearchIndex.open(args.index) as idx:
        paragraphs = idx.stats().paragraphs
        medians, totals, fts_totals = measure(idx, queries, fts, args.repeat)
    header = [
        f"index: {args.index} ({paragraphs:,} paragraphs); {len(queries)} queries from {args.queries.name}, "
        f"limit=10, median of {args.repeat} runs after a warm-up pass",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores",
    ]
    if fts is not None:
        fts_paragraphs = fts.execute("SELECT count(*) FROM p").fetchone()[0]
        header.append(f"FTS5: {args.fts_db} ({fts_paragraphs:,} paragraphs of {args.corpus.resolve()})")
    doc = report(queries, medians, totals, fts_totals, fts is not None)
    if args.json:
        doc["header"] = header
        doc["queries"] = [{"kind": q.kind, "query": q.text, "fts5": q.fts, "total": totals[i],
                           **{name: none_if_nan(medians[name][i]) for name in medians}}
                          for i, q in enumerate(queries)]
        json.dump(doc, sys.stdout, indent=1)
        print()
    else:
        print_report(doc, queries, header, fts is not None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
