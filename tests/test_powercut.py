"""Power cuts, simulated: an indexing run is recorded (every sync of a file or of the index
folder, every rename), and at each of those points the index is rebuilt as a power cut would
leave it, then opened. Two models of the disk are replayed:

- *data synced, names eager*: a file holds what it held at its last ``fsync`` (nothing if
  never synced), but every name created or renamed is already on disk (the order a file
  system may write metadata in, ahead of data);
- *data and names synced*: names too are only those of the folder's last ``fsync``.

What must hold at every point of both: the index opens at a commit of the run (a whole number
of batches, every paragraph readable, ``check`` sound).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SEEDS

from searchidx import Article, SearchIndex
from searchidx.articles import split_blocks

MARK = "zebulon"
ARTICLES, EVERY = 10, 3


class Recorder:
    """Watches the index folder's syncs and renames; at each, the images of both models."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.synced: dict[int, bytes] = {}  # inode -> contents at its last fsync
        self.names: dict[str, int] = {}  # the folder's names (-> inode) at its last fsync
        self.points: list[tuple[str, dict[str, bytes], dict[str, bytes]]] = []

    def _listing(self) -> dict[str, int]:
        if not self.folder.is_dir():
            return {}
        return {e.name: e.inode() for e in os.scandir(self.folder) if e.is_file(follow_symlinks=False)}

    def point(self, event: str) -> None:
        eager = {name: self.synced.get(inode, b"") for name, inode in self._listing().items()}
        strict = {name: self.synced.get(inode, b"") for name, inode in self.names.items()}
        self.points.append((event, eager, strict))

    def fsync(self, real: Callable[[int], None]) -> Callable[[int], None]:
        def fsync(fd: int) -> None:
            real(fd)
            path = Path(os.readlink(f"/proc/self/fd/{fd}"))
            if path == self.folder:
                self.names = self._listing()
            elif path.parent == self.folder:
                self.synced[os.fstat(fd).st_ino] = path.read_bytes()
            else:
                return
            self.point(f"fsync {path.name}")
        return fsync

    def rename(self, real: Callable[..., None]) -> Callable[..., None]:
        def rename(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            real(src, dst, *args, **kwargs)
            if Path(dst).parent == self.folder:
                self.point(f"rename {Path(dst).name}")
        return rename


def corpus() -> list[Article]:
    seed = split_blocks(next(SEEDS.glob("*.txt")).read_text(encoding="utf-8"))[1:]
    return [Article(id=f"a{n:02}", paragraphs=tuple(f"Report {n} ({MARK}). {seed[(n + k) % len(seed)]}"
                                                    for k in range(2)))
            for n in range(ARTICLES)]


def committed_states() -> set[int]:
    return {0, *range(EVERY, ARTICLES + 1, EVERY), ARTICLES}


def replay(image: dict[str, bytes], folder: Path) -> int | None:
    """The folder a power cut leaves; its article count, None when there is no index yet."""
    folder.mkdir()
    for name, data in image.items():
        (folder / name).write_bytes(data)
    if not any(re.fullmatch(r"_MAIN_\d+\.toc", name) for name in image):
        return None  # cut before the index was first created: nothing to open
    with SearchIndex.open(folder) as idx:
        stats = idx.stats()
        assert idx.search(MARK, limit=None, highlight=False).total == stats.paragraphs == 2 * stats.articles
        report = idx.check()
        assert report.ok, report.problems
        return stats.articles


def test_a_power_cut_at_any_point_of_a_run_leaves_the_index_at_a_commit(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "index"
    recorder = Recorder(folder)
    monkeypatch.setattr(os, "fsync", recorder.fsync(os.fsync))
    monkeypatch.setattr(os, "rename", recorder.rename(os.rename))
    monkeypatch.setattr(os, "replace", recorder.rename(os.replace))
    with SearchIndex.create(folder) as idx:
        idx.add_articles(corpus(), commit_every=EVERY, workers=1)
    monkeypatch.undo()
    seen: dict[str, set[int | None]] = {"eager": set(), "strict": set()}
    for n, (event, eager, strict) in enumerate(recorder.points):
        for model, image in (("eager", eager), ("strict", strict)):
            try:
                articles = replay(image, tmp_path / f"cut-{n}-{model}")
            except Exception as error:  # noqa: BLE001 - the point and the model say where
                raise AssertionError(f"power cut after point {n} ({event}), {model} model: {error}") from error
            assert articles is None or articles in committed_states(), (n, event, model, articles)
            seen[model].add(articles)
    # the points cover the whole run: every commit is seen in both models
    assert len(recorder.points) > 20
    assert committed_states() <= seen["eager"] and committed_states() <= seen["strict"]
