"""Measure how many searches per second examples/server.py answers.

    python examples/loadtest.py --url http://127.0.0.1:8000/ --threads 8 --seconds 10

Each thread sends ``GET /search`` requests over one keep-alive connection, cycling through a
mix of queries, for the given time; then it prints searches per second, the p50/p95/p99
latency and the errors (a status other than 200, or no answer).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

QUERIES = ["defence", "person:gorgun", 'place:"bay of bengal"', '"defence cooperation"', "navy OR army",
           "election -place:london", "person:blair", "org:microsoft", "mobile phone*", "oil prices"]


def worker(url: str, queries: list[str], offset: int, until: float, latencies: list[float],
           errors: list[str]) -> None:
    """Search until ``until`` (time.monotonic()), recording each request's seconds or error."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    i = offset
    while time.monotonic() < until:
        path = parts.path.rstrip("/") + "/search?" + urlencode({"q": queries[i % len(queries)], "limit": 10})
        i += 1
        start = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                errors.append(f"{response.status}: {body[:200]!r}")
                continue
            json.loads(body)
            latencies.append(time.perf_counter() - start)
        except (OSError, http.client.HTTPException, ValueError) as error:
            errors.append(f"{type(error).__name__}: {error}")
            connection.close()  # reconnects on the next request
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Searches per second of examples/server.py.")
    parser.add_argument("--url", default="http://127.0.0.1:8000/")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--query", action="append", help="a query to send (repeatable; default: a mix of 10)")
    args = parser.parse_args(argv)
    queries = args.query or QUERIES
    latencies: list[float] = []  # list.append is atomic: the threads share these
    errors: list[str] = []
    until = time.monotonic() + args.seconds
    threads = [threading.Thread(target=worker, args=(args.url, queries, n, until, latencies, errors))
               for n in range(args.threads)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    print(f"{len(latencies)} searches in {elapsed:.1f} s with {args.threads} threads: "
          f"{len(latencies) / elapsed:.1f} searches/s")
    if len(latencies) >= 2:
        cuts = statistics.quantiles(latencies, n=100)
        print(f"latency p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms, "
              f"p99 {cuts[98] * 1000:.1f} ms, worst {max(latencies) * 1000:.1f} ms")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
