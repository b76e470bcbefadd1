"""Indexing throughput: the whole searchidx pipeline beside the NER model alone and a plain
Whoosh writer, over the same paragraphs, in one run.

    python bench/indexing.py                      # the BBC corpus under $SEARCHIDX_SHARED (../shared)
    python bench/indexing.py PATH --repeat 3      # any file or folder searchidx can index
    python bench/indexing.py --limit 500          # the first 500 articles only
    python bench/indexing.py --cluster 2          # also on a local Dask cluster of 2 worker processes

Prints paragraphs per second for each (median of --repeat runs) and the ratios to the
bare model as spaCy runs it in a user's process (its matrix products in blis, thinc's
default; numpy's BLAS starts a pool of threads), and also as searchidx runs it, in a process
of one thread (its matrix products in numpy's BLAS, see ``searchidx.ner.model``, which starts
no threads, see ``searchidx.workers.single_threaded_blas``): the first ratio is the issue's,
the second the pipeline's own, with the model made equally fast. Then the pipeline in one
process and in --workers processes (each in a new process, as ``searchidx index`` runs it:
Python's start, the imports and the model's loading count), and on a local Dask cluster
(--cluster N: a scheduler and N worker processes on this machine), with the CPU the indexing
process and its workers used in the parallel run (when the cores are all busy, less CPU, not
more overlap, is what makes it faster). Then where the time of one process goes: reading,
the model, the rules and names, writing and committing.
The machines this runs on are noisy: each round runs every row once, in turn (each round
is printed), so that a machine that slows down weighs on every row alike; compare the
ratios of the medians.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

from searchidx import Article, SearchIndex
from searchidx.articles import find_sources, read_articles


def get_extractor() -> Any:
    """The default model, loaded once (spaCy is imported here: the pipeline's own process
    imports it when it needs it, as ``searchidx index`` does)."""
    from searchidx.ner.model import get_extractor as loaded

    return loaded()


@functools.lru_cache(maxsize=1)
def spacy_default() -> Any:
    """The default model with its matrix products in blis, as spaCy runs it (and with
    searchidx's rules, as the other rows)."""
    from searchidx.ner.model import EntityExtractor

    return EntityExtractor(blis=True)


def shared_default() -> Path:
    return Path(os.environ.get("SEARCHIDX_SHARED", "../shared")) / "corpus" / "bbc"


def time_it(run: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` runs."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def ner_only(articles: list[Article], extractor: Any = None) -> None:
    for _ in (extractor or get_extractor()).extract_many(p for a in articles for p in a.paragraphs):
        pass


def plain_whoosh(articles: list[Article]) -> None:
    """What a user would write with stock Whoosh: one stemmed, stored text field, no entities."""
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(id=ID(stored=True, unique=True), text=TEXT(stored=True, analyzer=StemmingAnalyzer()))
    with tempfile.TemporaryDirectory() as folder:
        ix = index.create_in(folder, schema)
        with ix.writer(limitmb=256) as writer:
            for article in articles:
                for number, paragraph in enumerate(article.paragraphs, start=1):
                    writer.add_document(id=f"{article.id}#{number}", text=paragraph)


#: Per worker count, the last run's wall seconds, the indexing process's CPU seconds and
#: its worker processes' CPU seconds.
CPU: dict[int, tuple[float, float, float]] = {}


def pipeline(articles: list[Article], workers: int, cluster: str | None = None) -> tuple[float, float, float]:
    """Index ``articles`` into a new index: wall seconds, this process's CPU seconds and its
    worker processes' (counted once they have exited)."""
    started, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder, SearchIndex.create(folder) as idx:
        idx.add_articles(articles, workers=workers, cluster=cluster)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.perf_counter() - started, time.process_time() - cpu,
            after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime)


def in_one_thread(args: argparse.Namespace, *flags: str) -> str:
    """What this bench prints when run with ``flags`` on the same articles in a new process
    whose BLAS starts no threads (as ``searchidx index`` asks for)."""
    import subprocess

    from searchidx.workers import BLAS_THREADS

    command = [sys.executable, __file__, str(args.path), *flags]
    if args.limit is not None:
        command += ["--limit", str(args.limit)]
    env = {**os.environ, **{name: "1" for name in BLAS_THREADS}}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def pipeline_in_new_process(args: argparse.Namespace, workers: int) -> float:
    """The pipeline's seconds in a new process of one thread, as ``searchidx index`` runs
    it: from Python's start to the end of the run (the imports, reading the articles, the
    workers' start and the model's loading count; the other rows read first)."""
    started = time.perf_counter()
    printed = in_one_thread(args, "--pipeline-only", str(workers))
    seconds = time.perf_counter() - started
    _, own, children = (float(figure) for figure in printed.split())
    CPU[workers] = (seconds, own, children)
    return seconds


def stages(path: Path, articles: list[Article]) -> list[tuple[str, float]]:
    """CPU seconds of each stage of a one-process run, measured apart: reading the files, the
    model (distinct paragraphs only, as the pipeline does), the rules and names over the
    model's output, and writing and committing the analysed articles. CPU time, unlike the
    clock, barely moves when other processes share the machine."""
    from searchidx.analysis import Remembered, article_entities
    from searchidx.models import Entity
    from searchidx.workers import extract

    started = time.process_time()
    list(islice(read_articles(find_sources([path])), len(articles)))
    reading = time.process_time() - started
    memory = Remembered()
    texts = [p for a in articles for p in a.paragraphs]
    _, distinct = memory.plan(texts, set())
    started = time.process_time()
    found = dict(zip(distinct, extract(get_extractor().model, distinct)))
    model = time.process_time() - started
    started = time.process_time()
    analysed = [article_entities(a.paragraphs, [[Entity(*e) for e in found[p]] for p in a.paragraphs])
                for a in articles]
    rules = time.process_time() - started
    started = time.process_time()
    with tempfile.TemporaryDirectory() as folder, SearchIndex.create(folder) as idx, idx.writer() as writer:
        for article, mentions in zip(articles, analysed):
            writer.put(article, article.id, mentions, False)
    writing = time.process_time() - started
    return [("reading files", reading), (f"NER model ({len(distinct):,} distinct paragraphs)", model),
            ("rules and canonical names", rules), ("writing and commit", writing)]


def model_in_one_thread(args: argparse.Namespace) -> float:
    """The bare model's seconds (one run, the model loaded first) in a new process whose
    BLAS starts no threads."""
    return float(in_one_thread(args, "--model-only", "--repeat", "1").split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=shared_default())
    parser.add_argument("--limit", type=int, default=None, help="index only the first N articles")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="NER processes of the parallel pipeline (default: one per core)")
    parser.add_argument("--stages", action="store_true",
                        help="only the CPU time of each stage (meaningful on a busy machine, unlike the clock)")
    parser.add_argument("--cluster", type=int, default=0, metavar="N",
                        help="also index on a local Dask cluster of N worker processes")
    parser.add_argument("--parallel-only", action="store_true",
                        help="only the bare model (both ways) and the parallel pipeline: the rows of the 1.5x target")
    parser.add_argument("--model-only", action="store_true",
                        help="only the bare model's median seconds (the bench runs this in a one-thread process)")
    parser.add_argument("--pipeline-only", type=int, metavar="WORKERS",
                        help="only one pipeline run with WORKERS processes: its wall, own and workers' CPU seconds "
                             "(the bench runs this in a new process)")
    args = parser.parse_args()
    if not args.path.exists():
        print(f"no corpus at {args.path}; give a path or set SEARCHIDX_SHARED", file=sys.stderr)
        return 2
    if args.pipeline_only:
        articles = list(islice(read_articles(find_sources([args.path])), args.limit))
        print(*pipeline(articles, args.pipeline_only))
        return 0
    articles = list(islice(read_articles(find_sources([args.path])), args.limit))
    paragraphs = sum(len(a.paragraphs) for a in articles)
    words = sum(len(p.split()) for a in articles for p in a.paragraphs)
    if args.model_only:
        get_extractor()  # load the model before timing
        print(time_it(lambda: ner_only(articles), args.repeat))
        return 0
    spacy_default()  # load the model before timing
    print(f"corpus: {args.path} ({len(articles):,} articles, {paragraphs:,} paragraphs, {words:,} words); "
          f"median of {args.repeat} runs, the rows taken in turn in each round")
    runs: list[tuple[str, Callable[[], float]]] = [
        ("NER model alone, as spaCy runs it (blis)", lambda: time_it(lambda: ner_only(articles, spacy_default()), 1)),
        ("NER model alone, as searchidx runs it", lambda: model_in_one_thread(args)),
        (f"searchidx pipeline, NER in {args.workers} processes", lambda: pipeline_in_new_process(args, args.workers)),
    ]
    if not args.parallel_only:
        runs[2:2] = [("plain Whoosh writer (no entities)", lambda: time_it(lambda: plain_whoosh(articles), 1)),
                     ("searchidx pipeline, 1 process", lambda: pipeline_in_new_process(args, 1))]
    timings: dict[str, list[float]] = {name: [] for name, _ in runs}
    for round_ in range(1, 1 + (0 if args.stages else args.repeat)):
        for name, run in runs:
            timings[name].append(run())
        print(f"  round {round_}: " + " / ".join(f"{taken[-1]:.1f}" for taken in timings.values()) + " s", flush=True)
    rows = [(name, statistics.median(taken)) for name, taken in timings.items() if taken]
    if args.cluster and not args.stages:
        import logging

        from distributed import LocalCluster

        logging.getLogger("distributed").setLevel(logging.ERROR)  # its shutdown notices are not results
        with LocalCluster(n_workers=args.cluster, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            pipeline(articles[:20], 1, cluster.scheduler_address)  # the workers load the model first
            rows.append((f"searchidx on a local Dask cluster, {args.cluster} workers",
                         time_it(lambda: pipeline(articles, 1, cluster.scheduler_address), args.repeat)))
    spacy_seconds, own_seconds = (rows[0][1], rows[1][1]) if len(rows) > 1 else (0.0, 0.0)
    if rows:
        print(f"{'':50} {'seconds':>8} {'paragraphs/s':>13} {'vs spaCy':>9} {'vs searchidx':>13}")
    for name, seconds in rows:
        print(f"{name:50} {seconds:8.1f} {paragraphs / seconds:13.0f} {spacy_seconds / seconds:8.2f}x "
              f"{own_seconds / seconds:12.2f}x")
    if args.workers in CPU and args.workers > 1:
        wall, writing, ner = CPU[args.workers]
        print(f"  (NER in {args.workers} processes, last run: the indexing process used {writing:.1f} s of CPU, "
              f"its {args.workers - 1} worker(s) {ner:.1f} s; {(writing + ner) / wall:.2f} of {os.cpu_count()} "
              f"cores busy on average)")
    if args.parallel_only:
        return 0
    print("\nwhere one process's time goes (CPU time of each stage, measured apart):")
    costs = stages(args.path, articles)
    for name, seconds in costs:
        print(f"  {name:50} {seconds:7.1f} s {1000 * seconds / paragraphs:6.2f} ms/paragraph")
    per_paragraph = sum(seconds for _, seconds in costs) / paragraphs
    writer = sum(seconds for name, seconds in costs if not name.startswith("NER")) / paragraphs
    print(f"  ceilings from these costs: {1 / per_paragraph:.0f} paragraphs/s per core of the whole pipeline; "
          f"{1 / writer:.0f} paragraphs/s for the one writing process however many NER workers feed it")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB in this process, {workers_peak:.0f} MB in the largest worker")
    return 0


if __name__ == "__main__":
    from searchidx.cli import exit_with

    exit_with(main())  # (as `searchidx index` ends: its last run is timed up to its exit)
