"""A soak: the example web service (examples/server.py) under steady search load while
another process adds articles, for a given time; it must hold steady.

The service serves a copy of ``--index`` (default: a new index of the bundled seed article).
``--threads`` clients search over keep-alive connections, through a mix of queries and one
that matches exactly the articles the writer added (a word only they hold), while a writer
process adds one article every ``--add-every`` seconds (one commit each). Every
``--interval`` seconds a line gives the searches a second, the articles added, the service's
RSS and the errors. At the end: RSS at the start and the end, the spread of the rates, and a
verdict. What is checked:

- no errors: every answer is 200 and well-formed;
- every answer to the writer's word is a committed state: its total is a whole number of
  added articles, never fewer than that client saw before, never more than were committed;
- searches a second steady (no interval after the first below half the median);
- memory flat (the end RSS within 50 MB + 25% of the RSS after the first interval).

    python bench/soak.py --seconds 600 --index /tmp/bbc      # the 10-minute run
    python bench/soak.py --seconds 60                         # what the reliability test runs

Exit status 0 when everything held, 1 otherwise. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "examples" / "server.py"
WORD = "soakword"  # held only by the articles the writer adds
QUERIES = ["bangladesh", "army chief", "person:gorgun", "defence OR navy", '"defence cooperation"', "tur*",
           "place:bangladesh", WORD]

WRITER = """
import sys, time
from pathlib import Path
from searchidx import SearchIndex
index, every, until, progress = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4])
with SearchIndex.open(index) as idx:
    n = 0
    while time.time() < until:
        idx.add_article(f"Report {n}: {sys.argv[5]} shipping grew in the port of Chittagong.", id=f"soak/{n}")
        n += 1
        progress.with_suffix(".tmp").write_text(str(n))
        progress.with_suffix(".tmp").replace(progress)  # (a reader never sees it half-written)
        time.sleep(every)
"""


@dataclass
class Tally:
    """What the clients saw, shared between threads (a lock guards it)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    searches: int = 0
    errors: list[str] = field(default_factory=list)
    states: int = 0  #: answers to the writer's word checked against the commits


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def committed(progress: Path) -> int:
    try:
        return int(progress.read_text() or 0)
    except (OSError, ValueError):
        return 0


def client(url: str, offset: int, until: float, tally: Tally, progress: Path) -> None:
    """Search until ``until`` (time.monotonic()), recording every search and every error."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    seen = 0  # the most articles with WORD this client has seen
    i = offset
    while time.monotonic() < until:
        query = QUERIES[i % len(QUERIES)]
        i += 1
        before = committed(progress)
        try:
            connection.request("GET", "/search?" + urlencode({"q": query, "limit": 50 if query == WORD else 10}))
            response = connection.getresponse()
            body = response.read()
            after = committed(progress)
            document = json.loads(body)
            problem = None if response.status == 200 else f"{response.status}: {body[:200]!r}"
            if problem is None and query == WORD:
                total = document["total"]
                articles = {hit["article"] for hit in document["hits"]}
                if not (seen <= total <= after + 1 and total >= min(before, seen) and
                        (total > 50 or len(articles) == total)):
                    problem = f"{WORD}: total {total} with {len(articles)} articles (saw {seen}, committed {after})"
                seen = max(seen, total)
        except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
            problem = f"{type(error).__name__}: {error}"
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
        with tally.lock:
            tally.searches += 1
            tally.states += query == WORD and problem is None
            if problem:
                tally.errors.append(problem)
    connection.close()


@dataclass
class Soak:
    """The figures of a soak."""

    intervals: list[tuple[float, float, int, float, int]]  #: (seconds, searches/s, added, RSS MB, errors)
    errors: list[str]
    states: int
    searches: int

    @property
    def rates(self) -> list[float]:
        return [rate for _, rate, _, _, _ in self.intervals]

    def problems(self, spread: float = 0.5) -> list[str]:
        """What did not hold (see the module's docstring); rates may stray ``spread`` from their median."""
        found = [f"{len(self.errors)} errors, the first: {self.errors[0]}"] if self.errors else []
        rates = self.rates[1:] or self.rates
        median = statistics.median(rates)
        if any(rate < (1 - spread) * median for rate in rates):  # (a spike up is the machine's other load easing)
            found.append(f"searches a second not steady: {', '.join(f'{r:.0f}' for r in rates)}")
        start, end = self.intervals[0][3], self.intervals[-1][3]
        if end > 50 + 1.25 * start:
            found.append(f"memory grew from {start:.0f} MB to {end:.0f} MB")
        if not self.states:
            found.append(f"no answer to {WORD!r} was checked")
        return found


def soak(index: Path | None, seconds: float, threads: int, add_every: float, interval: float,
         out: object = sys.stdout) -> Soak:
    """Run a soak (see the module's docstring) and return its figures, printing a line an interval."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "index"
        if index is None:
            subprocess.run([sys.executable, "-m", "searchidx", "index", str(ROOT / "seeds"), "--index", str(copy),
                            "-q"], check=True, cwd=tmp)
        else:
            shutil.copytree(index, copy)
        log = Path(tmp) / "server.log"
        progress = Path(tmp) / "progress"
        with open(log, "w") as stderr:
            server = subprocess.Popen([sys.executable, str(SERVER), "--index", str(copy), "--port", "0"],
                                      stdout=subprocess.PIPE, stderr=stderr, text=True)
        writer = None
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            if not url.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            writer = subprocess.Popen([sys.executable, "-c", WRITER, str(copy), str(add_every),
                                       str(time.time() + seconds + 120), str(progress), WORD],
                                      stderr=subprocess.PIPE, text=True)
            while not committed(progress) and writer.poll() is None:  # the NER model loads first
                time.sleep(0.2)
            start = time.monotonic()
            until = start + seconds
            tally = Tally()
            clients = [threading.Thread(target=client, args=(url, n, until, tally, progress)) for n in range(threads)]
            for thread in clients:
                thread.start()
            intervals = []
            last, searches = start, 0
            print(f"{'seconds':>8} {'searches/s':>11} {'added':>6} {'RSS MB':>7} {'errors':>7}", file=out, flush=True)
            while time.monotonic() < until - 0.5:
                time.sleep(min(interval, max(0.1, until - time.monotonic())))
                now = time.monotonic()
                with tally.lock:
                    done, errors = tally.searches, len(tally.errors)
                row = (now - start, (done - searches) / (now - last), committed(progress), rss_mb(server.pid), errors)
                intervals.append(row)
                print(f"{row[0]:>8.0f} {row[1]:>11.1f} {row[2]:>6} {row[3]:>7.1f} {row[4]:>7}", file=out, flush=True)
                last, searches = now, done
            for thread in clients:
                thread.join(60)
            if writer.poll() is not None:
                tally.errors.append(f"the writer failed: {writer.stderr.read() if writer.stderr else ''}"[-500:])
        finally:
            for process in (writer, server):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(10)
        if "Traceback" in log.read_text():
            tally.errors.append(f"the server logged a traceback: {log.read_text()[-500:]}")
        return Soak(intervals, tally.errors, tally.states, tally.searches)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="the index to copy and serve (default: one of the seeds)")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--add-every", type=float, default=1.0, help="seconds between added articles")
    parser.add_argument("--interval", type=float, default=30, help="seconds between report lines")
    args = parser.parse_args()
    result = soak(args.index, args.seconds, args.threads, args.add_every, args.interval)
    print(f"searches {result.searches:,}, answers to {WORD!r} checked against the commits {result.states:,}, "
          f"errors {len(result.errors)}")
    print(f"RSS {result.intervals[0][3]:.0f} MB after the first interval, {result.intervals[-1][3]:.0f} MB at the end; "
          f"searches/s median {statistics.median(result.rates):.0f}, min {min(result.rates):.0f}, "
          f"max {max(result.rates):.0f}")
    problems = result.problems()
    for problem in problems:
        print(f"FAILED: {problem}")
    print("soak held" if not problems else "soak FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
