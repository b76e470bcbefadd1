"""The example HTTP server (examples/server.py) as a real process: concurrent searches while
another process's index handle writes, error mapping, and POST /articles."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEEDS

from searchidx import SearchIndex

SERVER = ROOT / "examples" / "server.py"
#: Queries over the seed article; the articles the tests add match none of them.
QUERIES = ["defence", "person:gorgun", 'place:"bay of bengal"', '"defence cooperation"', "navy OR army",
           "place:turkey", "defence -place:dhaka", "türkiye", "org:navy", "cooperat*"]
NEW_WORD = "zorblatt"  # in every added article and nowhere else


class Server:
    """A running examples/server.py process and how to reach it."""

    def __init__(self, process: subprocess.Popen[str], url: str, index: Path, log: Path) -> None:
        self.process, self.url, self.index, self.log = process, url, index, log

    def get(self, path: str, **params: Any) -> tuple[int, str, bytes]:
        """GET ``path`` with query ``params``: the status, the content type and the raw body."""
        query = urllib.parse.urlencode(params)
        return _fetch(urllib.request.Request(self.url + path.lstrip("/") + (f"?{query}" if query else "")))

    def get_json(self, path: str, **params: Any) -> tuple[int, Any]:
        status, content_type, body = self.get(path, **params)
        assert content_type == "application/json; charset=utf-8"
        return status, json.loads(body)


def _fetch(request: urllib.request.Request) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@contextmanager
def running(index: Path, *flags: str) -> Iterator[Server]:
    """examples/server.py serving ``index`` on a free port, stopped when the block ends."""
    log = index.parent / f"{index.name}-server.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen([sys.executable, str(SERVER), "--index", str(index), "--port", "0", *flags],
                                   stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(30)
        assert lines and lines[0].startswith("http://127.0.0.1:"), f"no address; log: {log.read_text()}"
        yield Server(process, lines[0].strip(), index, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server on a fresh index of the seeds (tests write to it), with writes allowed."""
    index = tmp_path_factory.mktemp("server") / "index"
    with SearchIndex.create(index) as idx:
        idx.add_paths([SEEDS])
    with running(index, "--allow-writes") as server:
        yield server


def check_search(document: dict[str, Any], limit: int) -> None:
    """A search document is whole and agrees with itself."""
    assert set(document) == {"query", "total", "total_exact", "offset", "seconds", "warnings", "suggestion", "facets",
                             "hits"}
    hits = document["hits"]
    assert len(hits) == min(limit, max(0, document["total"] - document["offset"]))
    assert [hit["rank"] for hit in hits] == list(range(document["offset"] + 1, document["offset"] + len(hits) + 1))
    assert all({"article", "paragraph", "score", "text", "entities", "highlights"} <= set(hit) for hit in hits)


class Run:
    """What the readers saw while another index handle wrote."""

    def __init__(self) -> None:
        self.baseline: dict[str, int] = {}
        self.failures: list[str] = []  # errors, bad statuses, documents that disagree with themselves
        self.changed: list[str] = []  # totals of the seed queries that differed from before the writes
        self.new_totals: dict[int, list[int]] = {}  # per reader, the totals of NEW_WORD in order
        self.writes_done = threading.Event()


ADDED = 5  # articles written during the run, each with NEW_WORD in its first paragraph only (then one replaced)


@pytest.fixture(scope="module")
def run(server: Server) -> Run:
    """8 threads searching (25 times each, and on until the writes end) while another
    :class:`SearchIndex`, as another process would, adds :data:`ADDED` articles to the index."""
    record = Run()
    record.baseline = {query: server.get_json("search", q=query, limit=5)[1]["total"] for query in QUERIES}

    def read(worker: int) -> None:
        seen = record.new_totals.setdefault(worker, [])
        i = 0
        while i < 25 or not record.writes_done.is_set():
            i += 1
            query = NEW_WORD if i % 5 == 4 else QUERIES[(worker + i) % len(QUERIES)]
            try:
                status, document = server.get_json("search", q=query, limit=5, offset=i % 3)
                if status != 200:
                    record.failures.append(f"{query!r}: {status} {document}")
                    continue
                check_search(document, 5)
                if query == NEW_WORD:
                    seen.append(document["total"])
                elif document["total"] != record.baseline[query]:
                    record.changed.append(f"{query!r}: total {document['total']}, not {record.baseline[query]}")
            except Exception as error:  # noqa: BLE001 (collected and reported by the tests)
                record.failures.append(f"{query!r}: {type(error).__name__}: {error!r}")

    def write() -> None:
        try:
            with SearchIndex.open(server.index) as idx:
                time.sleep(0.1)  # the readers are under way
                for n in range(ADDED):
                    idx.add_article(f"The {NEW_WORD} harbour number {n} opened on the coast.\n\nShips came.",
                                    id=f"new/{n}", title=f"Harbour {n}", date=f"2024-06-0{n + 1}")
                    time.sleep(0.05)
                idx.add_article(f"The {NEW_WORD} harbour was renamed.\n\nShips came.", id="new/0",
                                title="Harbour 0", date="2024-06-01")  # replaces it
        except Exception as error:  # noqa: BLE001
            record.failures.append(f"writer: {type(error).__name__}: {error}")
        finally:
            record.writes_done.set()

    threads = [threading.Thread(target=read, args=(worker,)) for worker in range(8)]
    threads.append(threading.Thread(target=write))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return record


def test_concurrent_searches_while_another_handle_writes(server: Server, run: Run) -> None:
    assert run.baseline["person:gorgun"] > 0 and run.baseline["defence"] > 0
    assert not run.failures, run.failures[:5]
    assert all(len(totals) >= 5 for totals in run.new_totals.values())
    for totals in run.new_totals.values():  # commits are atomic and seen in order
        assert totals == sorted(totals), totals
    deadline, found = time.monotonic() + 10, set()
    while len(found) < ADDED and time.monotonic() < deadline:
        found = {hit["article"] for hit in server.get_json("search", q=NEW_WORD, limit=50)[1]["hits"]}
        time.sleep(0.1)
    assert found == {f"new/{n}" for n in range(ADDED)}
    assert server.get_json("search", q=NEW_WORD, sort="newest")[1]["hits"][0]["article"] == f"new/{ADDED - 1}"


def test_totals_stay_exact_across_another_handles_commits(server: Server, run: Run) -> None:
    # Whoosh's Searcher.refresh() kept segments merged away by another handle's commit (their
    # paragraphs counted twice) and missed new deletions in the segments it reused
    assert not run.changed, run.changed[:5]
    assert all(total <= ADDED for totals in run.new_totals.values() for total in totals), run.new_totals
    assert server.get_json("search", q=NEW_WORD)[1]["total"] == ADDED
    assert [hit["text"] for hit in server.get_json("article/new/0")[1]["paragraphs"]] == [
        f"The {NEW_WORD} harbour was renamed.", "Ships came."]
    with SearchIndex.open(server.index) as fresh:
        assert server.get_json("stats")[1]["paragraphs"] == fresh.stats().paragraphs


@pytest.mark.parametrize(("path", "params", "status"), [
    ("search", {"q": '"defence cooperation', "strict": 1}, 400),  # unclosed quote
    ("search", {"q": "AND"}, 400),  # nothing left to search
    ("search", {}, 400),  # missing q
    ("search", {"q": "defence", "limit": "ten"}, 400),
    ("search", {"q": "defence", "limit": 0}, 400),
    ("search", {"q": "defence", "sort": "loudest"}, 400),
    ("explain", {}, 400),
    ("entities/colour", {}, 400),
    ("entity/person/nobody%20at%20all", {}, 404),
    ("article/no/such/article", {}, 404),
    ("nowhere", {}, 404),
])
def test_errors_are_one_line_of_json(server: Server, path: str, params: dict[str, Any], status: int) -> None:
    got, content_type, body = server.get(path, **params)
    assert got == status and content_type == "application/json; charset=utf-8"
    assert body.endswith(b"\n") and body.count(b"\n") == 1 and b"Traceback" not in body
    document = json.loads(body)
    assert list(document) == ["error"] and document["error"]


def test_other_endpoints(server: Server) -> None:
    assert server.get_json("health") == (200, {"status": "ok", "paragraphs": server.get_json("stats")[1]["paragraphs"]})
    status, names = server.get_json("entities/person", prefix="gor", limit=5)
    assert status == 200 and names[0]["name"] == "Haluk Gorgun"
    status, page = server.get_json("entity/person/gorgun", q="defence")
    assert status == 200 and page["name"] == "Haluk Gorgun" and page["query"] == "defence"
    status, explained = server.get_json("explain", q="person:gorgun defence")
    assert status == 200 and explained["parsed"].startswith("(person:gorgun")
    status, document = server.get_json("search", q="defence", facets=3, sort="oldest")
    assert status == 200 and document["facets"]["person"]
    check_search(document, 10)


def test_post_article(server: Server) -> None:
    article = {"id": "posted/1", "title": "Posted", "date": "2024-07-01",
               "text": "A quixotic lighthouse keeper in Valparaiso wrote to the council."}
    request = urllib.request.Request(server.url + "articles", data=json.dumps(article).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    status, _, body = _fetch(request)
    assert status == 200 and json.loads(body)["articles_added"] == 1
    status, document = server.get_json("search", q="quixotic")
    assert status == 200 and [hit["article"] for hit in document["hits"]] == ["posted/1"]
    bad = urllib.request.Request(server.url + "articles", data=b'{"id": 1}', method="POST")
    assert _fetch(bad)[0] == 400


def test_read_only_server_and_a_vanished_index(server: Server, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(server.index, index)
    with running(index) as read_only:
        request = urllib.request.Request(read_only.url + "articles", data=b'{"id": "a", "text": "A."}', method="POST")
        status, _, body = _fetch(request)
        assert status == 403 and "--allow-writes" in json.loads(body)["error"]
        assert read_only.get_json("health")[0] == 200
        shutil.rmtree(index)
        for path in ("health", "stats", "search?q=defence"):
            status, document = read_only.get_json(path)
            assert status == 503 and "rebuild" in document["error"], (path, document)


def test_a_port_in_use_is_one_line(server: Server) -> None:
    port = urllib.parse.urlsplit(server.url).port
    done = subprocess.run([sys.executable, str(SERVER), "--index", str(server.index), "--port", str(port)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in done.stderr
