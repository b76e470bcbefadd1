"""Searches per second and latency of `searchidx serve` with 1 and N workers, beside
examples/server.py (one process, threads), on the same index in the same run.

    python bench/web.py --index /tmp/bbc [--workers 2] [--seconds 10] [--rounds 3] [--clients 2] [--threads 4]

All three servers start first and stay up; then each round loads each in turn (round-robin,
so that the machine's noise falls on all alike) for ``--seconds``, from ``--clients``
processes of ``--threads`` threads, each thread sending ``GET /api/search`` (``/search`` to
the example) over one keep-alive connection, cycling through a fixed mix of queries.
Prints, per server, the median over rounds of searches per second and of p50/p95 latency,
the ratio to the example, and the CPU the server's processes spent: milliseconds per search
and cores used (CPU seconds over wall seconds). One process is held to one core by Python's
GIL, N workers are not; on a machine busy with other work, cores used and CPU per search
tell more than searches per second. The load comes from the same machine and takes a share
of its cores; the machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["oil prices", "person:blair", "election -place:london", '"interest rates"', "org:microsoft",
           "mobile phone*", "place:china trade", "government OR minister", "football", "profit* AND shares",
           "defence", "place:u.s. dollar"]


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) of a process and its children, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    pids += [int(child) for child in children]
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def start(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    """A server process and the address it prints first."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                               start_new_session=True)
    line = process.stdout.readline().strip() if process.stdout else ""
    if not line.startswith("http://"):
        process.kill()
        raise SystemExit(f"{' '.join(command)} did not start")
    return process, line


def client(url: str, path: str, offset: int, threads: int, seconds: float, queue: multiprocessing.Queue) -> None:
    """One load process: ``threads`` keep-alive connections for ``seconds``; puts its latencies and errors."""
    parts = urlsplit(url)
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds

    def worker(n: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
        i = offset * threads + n
        while time.monotonic() < until:
            target = path + "?" + urlencode({"q": QUERIES[i % len(QUERIES)], "limit": 10})
            i += 1
            started = time.perf_counter()
            try:
                connection.request("GET", target)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    errors.append(f"{response.status} {body[:100]!r}")
                    continue
                json.loads(body)
                latencies.append(time.perf_counter() - started)
            except (OSError, http.client.HTTPException, ValueError) as error:
                errors.append(f"{type(error).__name__}: {error}")
                connection.close()
        connection.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put((latencies, errors))


def load(url: str, path: str, clients: int, threads: int, seconds: float) -> tuple[float, list[float], int]:
    """Searches per second, the latencies and the number of errors of one timed load."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=client, args=(url, path, n, threads, seconds, queue))
                 for n in range(clients)]
    started = time.monotonic()
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    elapsed = time.monotonic() - started
    for process in processes:
        process.join()
    latencies = [value for found, _ in results for value in found]
    errors = sum(len(errs) for _, errs in results)
    return len(latencies) / elapsed, latencies, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="the index folder (built with searchidx index)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="N (default: the cores)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2, help="load processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per load process")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    python = sys.executable
    servers = {
        "examples/server.py": ([python, "examples/server.py", "--index", args.index, "--port", "0"], "/search"),
        "serve --workers 1": ([python, "-m", "searchidx", "serve", "--index", args.index, "--port", "0",
                               "--workers", "1"], "/api/search"),
        f"serve --workers {args.workers}": ([python, "-m", "searchidx", "serve", "--index", args.index, "--port",
                                             "0", "--workers", str(args.workers)], "/api/search"),
    }
    running = {name: (*start(command), path) for name, (command, path) in servers.items()}
    figures: dict[str, dict[str, list[float]]] = {
        name: {"rate": [], "p50": [], "p95": [], "errors": [], "cpu_ms": [], "cores": []} for name in servers}
    try:
        for name, (_, url, path) in running.items():  # warm up: caches, first searcher
            load(url, path, 1, 2, 1.0)
        for round_number in range(args.rounds):
            for name, (process, url, path) in running.items():
                cpu_before, wall_before = cpu_seconds(process.pid), time.monotonic()
                rate, latencies, errors = load(url, path, args.clients, args.threads, args.seconds)
                cpu, wall = cpu_seconds(process.pid) - cpu_before, time.monotonic() - wall_before
                cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
                for key, value in (("rate", rate), ("p50", cuts[49] * 1000), ("p95", cuts[94] * 1000),
                                   ("errors", errors), ("cpu_ms", 1000 * cpu / max(1, len(latencies))),
                                   ("cores", cpu / wall)):
                    figures[name][key].append(value)
                print(f"round {round_number + 1} {name}: {rate:.1f} searches/s, p50 {cuts[49] * 1000:.1f} ms, "
                      f"p95 {cuts[94] * 1000:.1f} ms, {1000 * cpu / max(1, len(latencies)):.1f} CPU ms/search, "
                      f"{cpu / wall:.2f} cores, errors {errors}", file=sys.stderr)
    finally:
        for process, _, _ in running.values():
            os.killpg(process.pid, signal.SIGINT)
        for process, _, _ in running.values():
            process.wait(30)
    summary = {name: {key: statistics.median(values) for key, values in found.items()}
               for name, found in figures.items()}
    base = summary["examples/server.py"]["rate"] or 1.0
    busy = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"index": args.index, "cores": os.cpu_count(), "load": f"{args.clients}x{args.threads}",
                          "load_average": busy, "seconds": args.seconds, "rounds": args.rounds,
                          "servers": summary}, indent=2))
        return 0
    print(f"index {args.index}, {os.cpu_count()} cores (load average {busy:.1f}), load {args.clients} processes x "
          f"{args.threads} connections, {args.rounds} rounds of {args.seconds:g} s (medians)")
    print(f"{'server':<22} {'searches/s':>11} {'vs example':>11} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/search':>14} "
          f"{'cores used':>11} {'errors':>7}")
    for name, found in summary.items():
        print(f"{name:<22} {found['rate']:>11.1f} {found['rate'] / base:>10.2f}x {found['p50']:>8.1f} "
              f"{found['p95']:>8.1f} {found['cpu_ms']:>14.1f} {found['cores']:>11.2f} {found['errors']:>7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
