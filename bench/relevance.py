"""Ranking quality on classic IR test collections: MAP and nDCG@10 beside reference scores.

    python bench/relevance.py                         # every collection under $SEARCHIDX_SHARED/eval/ir
    python bench/relevance.py cran med --cache /tmp/ir  # some of them; keep the indexes for the next run

Each collection's documents are indexed through searchidx's own API (entities included)
and every query is run as a user would type it: its natural-language text, punctuation
and all, with the default options, 1000 hits deep. One configuration for all collections.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from searchidx import IndexCorruptError, QueryError, SearchIndex

#: MAP / nDCG@10 measured on this machine (../shared/README.md), for comparison.
REFERENCE = {
    "cisi": {"BM25 no stem": (0.133, 0.243), "BM25 Porter": (0.158, 0.293), "Whoosh BM25F OR": (0.153, 0.297)},
    "cran": {"BM25 no stem": (0.265, 0.328), "BM25 Porter": (0.306, 0.363), "Whoosh BM25F OR": (0.306, 0.363)},
    "med": {"BM25 no stem": (0.492, 0.671), "BM25 Porter": (0.523, 0.689), "Whoosh BM25F OR": (0.523, 0.705)},
    "npl": {"BM25 no stem": (0.226, 0.380), "BM25 Porter": (0.286, 0.437), "Whoosh BM25F OR": (0.275, 0.431)},
}
DEPTH = 1000


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


def evaluate(folder: Path, index_path: Path) -> tuple[float, float, int, float]:
    """MAP, nDCG@10, number of queries judged, and seconds per query."""
    try:
        idx = SearchIndex.open_or_create(index_path)
    except IndexCorruptError:  # a cached index from another version of searchidx
        idx = SearchIndex.create(index_path, overwrite=True)
    with idx:
        idx.add_paths([folder / "docs.jsonl"])  # a no-op when the cached index is complete
    judged = read_qrels(folder / "qrels.tsv", cranfield=folder.name == "cran")
    queries = [q for q in read_jsonl(folder / "queries.jsonl") if q["id"] in judged]
    aps, ndcgs = [], []
    started = time.perf_counter()
    with SearchIndex.open(index_path) as idx:
        for item in queries:
            try:
                hits = idx.search(item["text"], limit=DEPTH, highlight=False).hits
            except QueryError:
                hits = []
            ranked = list(dict.fromkeys(hit.article for hit in hits))
            aps.append(average_precision(ranked, judged[item["id"]]))
            ndcgs.append(ndcg(ranked, judged[item["id"]]))
    seconds = (time.perf_counter() - started) / max(1, len(queries))
    return sum(aps) / len(aps), sum(ndcgs) / len(ndcgs), len(queries), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("collections", nargs="*", default=list(REFERENCE))
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("SEARCHIDX_SHARED", "../shared")))
    parser.add_argument("--cache", type=Path, help="keep the indexes here and reuse them")
    args = parser.parse_args()
    root = args.shared / "eval" / "ir"
    if not root.is_dir():
        print(f"no IR collections at {root}; set SEARCHIDX_SHARED", file=sys.stderr)
        return 2
    cache = args.cache or Path(tempfile.mkdtemp(prefix="searchidx-ir-"))
    print(f"{'collection':10} {'queries':>7} {'searchidx':>15} " + " ".join(f"{name:>17}" for name in REFERENCE["cisi"])
          + "   ms/query")
    print(f"{'':10} {'':>7} {'MAP / nDCG@10':>15} " + " ".join(f"{'MAP / nDCG@10':>17}" for _ in REFERENCE["cisi"]))
    for name in args.collections:
        mean_ap, mean_ndcg, count, seconds = evaluate(root / name, cache / name)
        refs = " ".join(f"{m:>9.3f} / {n:.3f}" for m, n in REFERENCE[name].values())
        print(f"{name:10} {count:>7} {mean_ap:>7.3f} / {mean_ndcg:.3f} {refs} {seconds * 1000:>10.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
