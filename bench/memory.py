"""Peak memory of reading a large JSON Lines file, by file size: it must not grow with the file.

A file of the size asked is made by repeating the Reuters records (``corpus/reuters21578.jsonl``
under ``SEARCHIDX_SHARED``, default ``../shared``) under new ids; then a child process reads
every article of it as ``searchidx index`` does (``find_sources``, ``count_articles``,
``read_articles``: everything before the NER model) and reports its peak RSS. With
``--baseline PATH`` (a checkout of another version of searchidx) the same is measured with that
version, side by side, in the same run.

    python bench/memory.py --sizes 10 100 --baseline /path/to/main-checkout
    python bench/memory.py --sizes 1000          # once by hand: a 1 GB file
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SHARED = Path(os.environ.get("SEARCHIDX_SHARED", Path(__file__).resolve().parent.parent.parent / "shared"))

READER = """
import resource, sys, time
from searchidx.articles import count_articles, find_sources, read_articles
started = time.perf_counter()
sources = find_sources([sys.argv[1]])
expected = count_articles(sources)
articles = sum(1 for _ in read_articles(sources))
seconds = time.perf_counter() - started
print(articles, expected, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, seconds)
"""


def make_file(path: Path, megabytes: int, records: list[dict[str, object]]) -> int:
    """Write about ``megabytes`` MB of records (copies under new ids) to ``path``; the record count."""
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        while written < megabytes * 1_000_000:
            for record in records:
                line = json.dumps({**record, "id": f"{record['id']}-{count}"}) + "\n"
                out.write(line)
                written += len(line.encode("utf-8"))
                count += 1
                if written >= megabytes * 1_000_000:
                    break
    return count


def measure(file: Path, checkout: Path | None) -> tuple[int, int, float, float]:
    """Articles read, articles counted, peak RSS in MB and seconds, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(checkout or Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", READER, str(file)], env=env, capture_output=True, text=True,
                          check=True, cwd=file.parent)  # (not this folder: ``-c`` puts it first on the path)
    articles, expected, rss_kb, seconds = done.stdout.split()
    return int(articles), int(expected), int(rss_kb) / 1024, float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="file sizes in MB")
    parser.add_argument("--baseline", type=Path, help="a checkout of another searchidx to compare with")
    parser.add_argument("--folder", type=Path, help="where to make the files (default: a temporary folder)")
    args = parser.parse_args()
    source = SHARED / "corpus" / "reuters21578.jsonl"
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        print(f"{'MB':>6} {'records':>9} {'version':>9} {'peak RSS MB':>12} {'seconds':>8}")
        for size in args.sizes:
            file = Path(tmp) / f"reuters-{size}mb.jsonl"
            count = make_file(file, size, records)
            versions = [("this", None)] + ([("baseline", args.baseline)] if args.baseline else [])
            for name, checkout in versions:
                articles, expected, rss, seconds = measure(file, checkout)
                assert articles == expected == count, (articles, expected, count)
                print(f"{size:>6} {count:>9,} {name:>9} {rss:>12.0f} {seconds:>8.1f}", flush=True)
            file.unlink()


if __name__ == "__main__":
    main()
