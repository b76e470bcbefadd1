"""Indexing with NER on a real Dask cluster: a scheduler and two worker processes on
loopback, started here. The index it builds must be the one a local run builds, and a
worker killed in the middle of a run must cost no article and write none twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, SEEDS, run_cli

from searchidx import Article, SearchIndex

distributed = pytest.importorskip("distributed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A Dask scheduler and worker processes (one thread each) on loopback."""

    def __init__(self, folder: Path, workers: int) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
        log = (folder / "cluster.log").open("w")
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", self.address.rsplit(":", 1)[1], "--no-dashboard"],
            stdout=log, stderr=log, env=env, start_new_session=True)
        self.workers = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1",
             "--nworkers", "1", "--no-dashboard", "--no-nanny", "--local-directory", str(folder / f"w{n}")],
            stdout=log, stderr=log, env=env, start_new_session=True) for n in range(workers)]
        self.wait_for(workers)

    def wait_for(self, workers: int, timeout: float = 60) -> None:
        with distributed.Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(workers, timeout=timeout)

    def kill_worker(self, n: int) -> None:
        os.killpg(self.workers[n].pid, signal.SIGKILL)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    started = Cluster(tmp_path, 2)
    try:
        yield started
    finally:
        started.stop()


def contents(path: Path) -> list[tuple[object, ...]]:
    """Every paragraph of an index with what is stored for it: text, title, entities."""
    with SearchIndex.open(path) as idx:
        hits = idx.search("*", limit=None, highlight=False).hits
    return sorted((h.article, h.paragraph, h.text, h.title, h.published, sorted(h.entities.items())) for h in hits)


def test_an_index_built_on_a_cluster_is_the_one_built_here(cluster: Cluster, tmp_path: Path) -> None:
    paths = [str(SEEDS), str(FIXTURES / "corpus")]
    code, _, err = run_cli("index", *paths, "--index", str(tmp_path / "here"), "--quiet")
    assert code == 0, err
    code, _, err = run_cli("index", *paths, "--index", str(tmp_path / "there"), "--quiet",
                           "--cluster", cluster.address)
    assert code == 0, err
    here = contents(tmp_path / "here")
    assert here and any(entities for *_, entities in here)
    assert contents(tmp_path / "there") == here


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    code, out, err = run_cli("index", str(SEEDS), "--index", str(tmp_path / "ix"),
                             "--cluster", f"tcp://127.0.0.1:{free_port()}")
    assert code == 1
    assert err.startswith("searchidx: error: cannot reach the Dask scheduler at tcp://127.0.0.1:")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("address", ["nonsense", "tcp://127.0.0.1", "tcp://127.0.0.1:port"])
def test_a_malformed_scheduler_address_is_one_line(tmp_path: Path, address: str) -> None:
    code, _, err = run_cli("index", str(SEEDS), "--index", str(tmp_path / "ix"), "--cluster", address)
    assert code == 1
    assert err.startswith(f"searchidx: error: not a Dask scheduler address: {address!r}")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.reliability
def test_a_worker_killed_mid_run_loses_no_article_and_writes_none_twice(cluster: Cluster, tmp_path: Path) -> None:
    seed = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    paragraphs = [p for p in seed.split("\n\n") if p.strip()]
    # 400 articles of 4 paragraphs each: seven chunks, four in flight, so work is under way when a worker dies
    articles = [Article(id=f"a{n:03d}", title=f"Article {n}",
                        paragraphs=tuple(f"{paragraphs[(n + k) % len(paragraphs)]} ({n}-{k})" for k in range(4)))
                for n in range(400)]
    killed: list[float] = []

    def kill_once(done: int, total: int | None) -> None:
        if done >= 1 and not killed:
            cluster.kill_worker(0)
            killed.append(time.monotonic())

    with SearchIndex.create(tmp_path / "there") as idx:
        report = idx.add_articles(articles, cluster=cluster.address, on_progress=kill_once, commit_every=10_000)
    assert killed and report.articles_added == 400
    with SearchIndex.create(tmp_path / "here") as idx:
        idx.add_articles(articles)
    there = contents(tmp_path / "there")
    assert len(there) == 1600 and len({(a, p) for a, p, *_ in there}) == 1600
    assert there == contents(tmp_path / "here")
