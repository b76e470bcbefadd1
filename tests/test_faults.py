"""Faults of real machines, made real: a disk that fills up (a small tmpfs mounted by the
test), read-only media (the same tmpfs remounted read-only), and errors the system reports
(permissions, open-file limits, I/O errors). Each gives one line naming the cause, and the
index stays at its last commit.

Mounting needs root: those tests skip elsewhere, or where mounting is not allowed.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, SEED_ID, SEEDS, run_cli

from searchidx import SearchIndex
from searchidx.articles import split_blocks
from searchidx.errors import DiskFullError, IndexAccessError, access_error, os_error

MARK = "zebulon"


def write_corpus(folder: Path, articles: int, start: int = 0) -> Path:
    """``articles`` text files made of the seed article's paragraphs (real text for the NER model)."""
    seed = split_blocks(next(SEEDS.glob("*.txt")).read_text(encoding="utf-8"))[1:]
    folder.mkdir(exist_ok=True)
    for n in range(start, start + articles):
        paragraphs = [f"Report {n} ({MARK}). {seed[(n + k) % len(seed)]}" for k in range(3)]
        (folder / f"{n:03}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder


def mount_tmpfs(where: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    where.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB file system of its own, unmounted afterwards."""
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "2m")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` with a file until about ``leave`` bytes are free; the file."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb") as out:
        out.write(b"\0" * max(0, free - leave))
    return filler


def leftovers(index: Path) -> list[str]:
    """Names in the index folder beyond the files of its last commit (which ``check``
    verifies, one by one, against the digests recorded at the commit)."""
    with SearchIndex.open(index) as idx:
        report = idx.check()
    assert report.ok, report.problems
    names = sorted(e.name for e in index.iterdir() if e.name.startswith(("MAIN_", "_MAIN_", "MAIN.")))
    names.remove("MAIN_WRITELOCK")
    return names if len(names) != report.files_verified else []


def holds(index: Path) -> tuple[int, int]:
    with SearchIndex.open(index) as idx:
        stats = idx.stats()
    return stats.articles, stats.paragraphs


def test_a_full_disk_gives_one_line_keeps_the_last_commit_and_the_same_command_completes_later(
        tmp_path: Path, small_disk: Path):
    corpus = write_corpus(tmp_path / "corpus", 12)
    index = small_disk / "index"
    code, _, err = run_cli("index", str(corpus), "--index", str(index), "--commit-every", "4", "-q")
    assert code == 0, err
    write_corpus(corpus, 60, start=12)
    filler = fill(small_disk, leave=60_000)
    code, _, err = run_cli("index", str(corpus), "--index", str(index), "--commit-every", "4", "-q")
    assert code == 1
    [line] = err.strip().splitlines()
    articles, paragraphs = holds(index)
    assert 12 <= articles < 72
    assert "no space left on the disk" in line and f"mounted at {small_disk}" in line, line
    assert f"the index is at its last commit ({articles} articles, {paragraphs} paragraphs)" in line, line
    assert "free some space there and run the same command again" in line, line
    assert "Traceback" not in err
    assert leftovers(index) == []  # the half-written segment is gone
    filler.unlink()
    code, _, err = run_cli("index", str(corpus), "--index", str(index), "--commit-every", "4", "-q")
    assert code == 0, err
    assert holds(index) == (72, 216)
    assert leftovers(index) == []


@pytest.fixture
def read_only_index(tmp_path: Path) -> Iterator[Path]:
    """An index of the seed article on a file system then remounted read-only."""
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "4m")
    try:
        code, _, err = run_cli("index", str(SEEDS), "--index", str(disk / "index"), "-q")
        assert code == 0, err
        done = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot remount read-only here: {done.stderr.strip()}")
        yield disk / "index"
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_read_only_index_is_searched_checked_and_exported_and_writing_is_one_line(
        read_only_index: Path, tmp_path: Path):
    from test_repl import run_session

    index = str(read_only_index)
    for argv in (["search", "bangladesh"], ["stats"], ["check"], ["explain", "army chief"],
                 ["entities", "person"], ["export", str(tmp_path / "out")]):
        code, out, err = run_cli(*argv, "--index", index)
        assert code == 0 and "error" not in err, (argv, err)
        assert out or err
    assert (tmp_path / "out" / "mapping.json").exists()
    out, err = run_session(read_only_index, "bangladesh\r\\stats\r\\quit\r", tmp_path)
    assert err == "" and "paragraphs" in out

    for argv in (["index", str(SEEDS), "--rebuild"], ["index", str(FIXTURES)], ["delete", SEED_ID]):
        code, _, err = run_cli(*argv, "--index", index, *(["-q"] if argv[0] == "index" else []))
        assert code == 1, argv
        [line] = err.strip().splitlines()
        assert f"cannot write to the index at {index}: the file system is read-only" in line, line
        assert "searching works" in line
    code, out, _ = run_cli("stats", "--index", index)
    assert code == 0


@pytest.mark.parametrize("number, cause", [
    (errno.EACCES, "permission denied"),
    (errno.EMFILE, "too many open files in this process (raise the limit: `ulimit -n`)"),
    (errno.ENFILE, "too many open files on this machine"),
    (errno.EIO, "an input/output error (the disk or its connection may be failing)"),
    (errno.EFBIG, "a file grew past what the file system allows"),
])
def test_each_refusal_of_the_machine_is_named_for_what_it_is(number: int, cause: str):
    error = access_error(OSError(number, os.strerror(number), "/ix/MAIN_x.seg"), "/ix", "write to the index at")
    assert isinstance(error, IndexAccessError) and error.errno == number
    assert str(error) == f"cannot write to the index at /ix: {cause} (/ix/MAIN_x.seg)"


def test_a_full_disk_names_the_disk_and_other_errors_their_system_description(tmp_path: Path):
    full = access_error(OSError(errno.ENOSPC, "No space left on device"), tmp_path, "write to the index at")
    assert isinstance(full, DiskFullError)
    assert str(full).startswith(f"cannot write to the index at {tmp_path}: no space left on the disk mounted at /")
    assert " free of " in str(full)
    assert access_error(OSError(errno.ENOENT, "No such file or directory"), tmp_path, "read") is None  # damage
    other = os_error(OSError(errno.ENOTCONN, os.strerror(errno.ENOTCONN)), tmp_path, "write to the index at")
    assert str(other) == f"cannot write to the index at {tmp_path}: {os.strerror(errno.ENOTCONN)}"


def test_a_disk_full_during_a_rebuild_leaves_the_old_index_and_the_rebuild_resumes(tmp_path: Path, small_disk: Path):
    corpus = write_corpus(tmp_path / "corpus", 12)
    index = small_disk / "index"
    assert run_cli("index", str(corpus), "--index", str(index), "-q")[0] == 0
    write_corpus(corpus, 60, start=12)
    filler = fill(small_disk, leave=150_000)
    code, _, err = run_cli("index", str(corpus), "--index", str(index), "--rebuild", "--commit-every", "4", "-q")
    assert code == 1
    [line] = err.strip().splitlines()
    assert "no space left on the disk" in line, line
    assert f"the index is unchanged (12 articles, 36 paragraphs); the rebuild keeps what it built in {index}/rebuild"\
        in line, line
    assert holds(index) == (12, 36) and leftovers(index) == []
    filler.unlink()
    code, _, err = run_cli("index", str(corpus), "--index", str(index), "--rebuild", "--commit-every", "4", "-q")
    assert code == 0, err
    assert holds(index) == (72, 216) and leftovers(index) == []
    assert not (index / "rebuild").exists()
