"""Ranking quality on classic IR test collections: MAP and nDCG@10 beside a BM25 reference.

    python bench/relevance.py                           # every collection under $SEARCHIDX_SHARED/eval/ir
    python bench/relevance.py cran med --cache /tmp/ir  # some of them; keep the indexes for the next run
    python bench/relevance.py --no-capitals             # without the capitals variants

Each collection's documents are indexed through searchidx's own API (entities included)
and every query is run as a user would type it: its natural-language text, punctuation
and all, with the default options, 1000 hits deep. One configuration for all collections.

Each collection also runs as its *capitals variant*: documents and queries upper-cased, as
old wire copy is written, which is where noisy entity fields and names counted several
times hurt a ranking. Beside every row, the reference is computed in the same run: BM25
with Porter stemming (k1=1.2, b=0.75, Lucene's idf, Whoosh's stop list, tokens
``[a-z0-9]+`` lower-cased) over whole documents; it scores both variants alike. The
shared README's published figures are printed too, to show the reference reproduces them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

from searchidx import IndexCorruptError, QueryError, SearchIndex

#: MAP / nDCG@10 of BM25 + Porter (k1=1.2, b=0.75) published in ../shared/README.md.
PUBLISHED = {"cisi": (0.158, 0.293), "cran": (0.306, 0.363), "med": (0.523, 0.689), "npl": (0.286, 0.437)}
DEPTH = 1000
K1, B = 1.2, 0.75


def read_jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_qrels(path: Path, cranfield: bool = False) -> dict[str, dict[str, int]]:
    """Query id -> document id -> gain. Cranfield grades run from 1 (a complete answer) to 4
    (of minimal interest): their gain is 5 - grade, which reproduces the reference nDCG of
    stock Whoosh here (0.366 for 0.363; the grade itself as gain gives 0.253)."""
    judged: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            query_id, doc_id, grade = line.split()
            gain = int(grade)
            judged[query_id][doc_id] = (5 - gain if gain > 0 else 0) if cranfield else gain
    return judged


def average_precision(ranked: list[str], grades: dict[str, int]) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for rank, doc in enumerate(ranked, start=1):
        if doc in relevant:
            found += 1
            total += found / rank
    return total / len(relevant)


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains."""
    gains = [max(0, grades.get(doc, 0)) for doc in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def scores(runs: dict[str, list[str]], judged: dict[str, dict[str, int]]) -> tuple[float, float]:
    """Mean average precision and mean nDCG@10 of ranked runs (query id -> document ids)."""
    aps = [average_precision(runs.get(q, []), grades) for q, grades in judged.items()]
    ndcgs = [ndcg(runs.get(q, []), grades) for q, grades in judged.items()]
    return sum(aps) / len(aps), sum(ndcgs) / len(ndcgs)


def held_out(queries: list[dict[str, str]], judged: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The judgments of the held-out half of a collection's queries: those at odd positions
    of its query file. The settings of the ranking (its feedback, its idf) were chosen on
    the other half alone, so this half's figures were never tuned on."""
    return {q["id"]: judged[q["id"]] for q in queries[1::2]}


# -- the reference ----------------------------------------------------------------------------

def bm25_terms(text: str) -> list[str]:
    return [porter_stem(t) for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in STOP_WORDS]


def bm25_runs(docs: list[dict[str, str]], queries: list[dict[str, str]]) -> dict[str, list[str]]:
    """BM25 + Porter over whole documents: the reference ranking of every query."""
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    lengths = []
    for number, doc in enumerate(docs):
        terms = bm25_terms(doc["text"])
        lengths.append(len(terms))
        for term, tf in Counter(terms).items():
            postings[term].append((number, tf))
    count, average = len(docs), sum(lengths) / max(1, len(docs))
    runs = {}
    for item in queries:
        acc: dict[int, float] = defaultdict(float)
        for term in dict.fromkeys(bm25_terms(item["text"])):  # each query word once
            found = postings.get(term, [])
            idf = math.log(1 + (count - len(found) + 0.5) / (len(found) + 0.5))
            for number, tf in found:
                acc[number] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[number] / average))
        best = sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:DEPTH]
        runs[item["id"]] = [docs[number]["id"] for number, _ in best]
    return runs


# -- searchidx --------------------------------------------------------------------------------

def searchidx_runs(docs_file: Path, queries: list[dict[str, str]], index_path: Path
                   ) -> tuple[dict[str, list[str]], float]:
    """searchidx's ranking of every query (indexing ``docs_file`` first unless the cached
    index has it), and the seconds per query."""
    try:
        idx = SearchIndex.open_or_create(index_path)
    except IndexCorruptError:  # a cached index from another version of searchidx
        idx = SearchIndex.create(index_path, overwrite=True)
    with idx:
        idx.add_paths([docs_file])  # a no-op when the cached index is complete
    runs = {}
    started = time.perf_counter()
    with SearchIndex.open(index_path) as idx:
        for item in queries:
            try:
                hits = idx.search(item["text"], limit=DEPTH, highlight=False).hits
            except QueryError:
                hits = []
            runs[item["id"]] = list(dict.fromkeys(hit.article for hit in hits))
    return runs, (time.perf_counter() - started) / max(1, len(queries))


def capitals(folder: Path, into: Path) -> Path:
    """The capitals variant of a collection (documents and queries upper-cased) in ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    for name in ("docs.jsonl", "queries.jsonl"):
        rows = read_jsonl(folder / name)
        target = into / name
        if not target.exists():
            with target.open("w", encoding="utf-8") as out:
                for row in rows:
                    out.write(json.dumps({**row, "text": row["text"].upper()}) + "\n")
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("collections", nargs="*", default=list(PUBLISHED))
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("SEARCHIDX_SHARED", "../shared")))
    parser.add_argument("--cache", type=Path, help="keep the indexes here and reuse them")
    parser.add_argument("--no-capitals", action="store_true", help="skip the capitals variants")
    parser.add_argument("--json", type=Path, help="also write the figures and every query's AP here")
    args = parser.parse_args()
    root = args.shared / "eval" / "ir"
    if not root.is_dir():
        print(f"no IR collections at {root}; set SEARCHIDX_SHARED", file=sys.stderr)
        return 2
    cache = args.cache or Path(tempfile.mkdtemp(prefix="searchidx-ir-"))
    print(f"{'collection':14} {'queries':>7} {'searchidx':>15} {'BM25 Porter':>15} {'MAP ratio':>9} "
          f"{'held-out half':>13} {'published BM25':>15}  ms/query")
    print(f"{'':14} {'':>7} {'MAP / nDCG@10':>15} {'MAP / nDCG@10':>15} {'':>9} {'MAP / nDCG ratio':>13}"
          f" {'MAP / nDCG@10':>15}")
    ratios: list[float] = []
    ndcg_ratios: list[float] = []
    held_ratios: list[tuple[float, float]] = []
    out: dict[str, object] = {}
    for name in args.collections:
        folder = root / name
        judged = read_qrels(folder / "qrels.tsv", cranfield=name == "cran")
        queries = [q for q in read_jsonl(folder / "queries.jsonl") if q["id"] in judged]
        reference_runs = bm25_runs(read_jsonl(folder / "docs.jsonl"), queries)
        reference = scores(reference_runs, judged)
        held = held_out(queries, judged)
        held_reference = scores(reference_runs, held)
        variants = [(name, folder)]
        if not args.no_capitals:
            variants.append((f"{name}-CAPS", capitals(folder, cache / "capitals" / name)))
        for label, source in variants:
            asked = [q for q in read_jsonl(source / "queries.jsonl") if q["id"] in judged]
            runs, seconds = searchidx_runs(source / "docs.jsonl", asked, cache / label)
            ours = scores(runs, judged)
            ratios.append(ours[0] / reference[0])
            ndcg_ratios.append(ours[1] / reference[1])
            ours_held = scores(runs, held)
            held_ratios.append((ours_held[0] / held_reference[0], ours_held[1] / held_reference[1]))
            published = PUBLISHED.get(name, (float("nan"), float("nan")))
            print(f"{label:14} {len(asked):>7} {ours[0]:>7.3f} / {ours[1]:.3f} {reference[0]:>7.3f} / "
                  f"{reference[1]:.3f} {ours[0] / reference[0]:>9.3f} {held_ratios[-1][0]:>6.3f} / "
                  f"{held_ratios[-1][1]:.3f} {published[0]:>7.3f} / {published[1]:.3f}"
                  f" {seconds * 1000:>8.0f}", flush=True)
            out[label] = {"map": ours[0], "ndcg10": ours[1], "bm25_map": reference[0], "bm25_ndcg10": reference[1],
                          "ap": {q: average_precision(runs.get(q, []), judged[q]) for q in judged}}
    if ratios:
        print(f"{'mean ratio':14} {'':>7} MAP {sum(ratios) / len(ratios):.3f}  nDCG@10 "
              f"{sum(ndcg_ratios) / len(ndcg_ratios):.3f}  (searchidx / BM25 Porter; worst MAP {min(ratios):.3f})")
        print(f"{'held-out half':14} {'':>7} MAP {sum(r[0] for r in held_ratios) / len(held_ratios):.3f}  nDCG@10 "
              f"{sum(r[1] for r in held_ratios) / len(held_ratios):.3f}  (worst MAP "
              f"{min(r[0] for r in held_ratios):.3f})")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
