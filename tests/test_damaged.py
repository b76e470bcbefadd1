"""Damaged and foreign indexes: a clean one-line error that says what to do, never a traceback,
never a silent wrong answer. Each test damages its own copy of the session's seed index."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEEDS
from conftest import run_cli as run
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from searchidx import IndexCorruptError, IndexNotFoundError, IndexVersionError, SearchidxError, SearchIndex
from searchidx.cli import ExitStatus

QUERY = "defence"


# -- ways to damage a copy of an index ---------------------------------------------------


def _one(path: Path, pattern: str) -> Path:
    (found,) = path.glob(pattern)
    return found


def _seg(path: Path) -> Path:
    return _one(path, "MAIN_*.seg")


def _toc(path: Path) -> Path:
    return _one(path, "_MAIN_*.toc")


def _truncate(file: Path, size: Callable[[int], int]) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: size(len(data))])


def _overwrite(index: Path, part: str, where: str, count: int = 64, seed: int = 0) -> None:
    """Random bytes (fixed seed) over ``count`` bytes in the middle or at the end of one part of
    the compound segment file. The parts are stored in an order that changes from build to
    build, so "the middle of the .seg file" would hit a different part each session."""
    seg = _seg(index)
    storage = CompoundStorage(FileStorage(str(index)).open_file(seg.name))
    try:
        (offset, length), = ((entry["offset"], entry["length"]) for name, entry in storage._dir.items()
                             if name.endswith("." + part))
    finally:
        storage.close()
    count = min(count, length)
    start = offset + (length - count) // 2 if where == "middle" else offset + length - count
    data = bytearray(seg.read_bytes())
    data[start:start + count] = bytes(random.Random(seed).randrange(256) for _ in range(count))
    seg.write_bytes(bytes(data))


def _write_meta(path: Path, text: str) -> None:
    (path / "searchidx.json").write_text(text, encoding="utf-8")


def _meta(**fields: object) -> str:
    return json.dumps({"model": "en_core_web_sm", **fields})



# An index whose files are damaged: IndexCorruptError (or IndexVersionError), and rebuild advice.
DAMAGED: dict[str, Callable[[Path], object]] = {
    "seg-missing": lambda p: _seg(p).unlink(),
    "seg-half": lambda p: _truncate(_seg(p), lambda n: n // 2),
    "seg-empty": lambda p: _truncate(_seg(p), lambda n: 0),
    "seg-100-bytes": lambda p: _truncate(_seg(p), lambda n: 100),
    "toc-missing": lambda p: _toc(p).unlink(),
    "toc-truncated": lambda p: _truncate(_toc(p), lambda n: n // 2),
    "toc-garbage": lambda p: _toc(p).write_bytes(b"not a table of contents\n" * 8),
    "meta-missing": lambda p: (p / "searchidx.json").unlink(),
    "meta-invalid-json": lambda p: _write_meta(p, "{not json"),
    "meta-schema-2": lambda p: _write_meta(p, _meta(schema_version=2)),
    "meta-schema-99": lambda p: _write_meta(p, _meta(schema_version=99)),
    "meta-schema-word": lambda p: _write_meta(p, _meta(schema_version="three")),
    "meta-not-an-object": lambda p: _write_meta(p, "[3]"),
}
VERSION_CASES = {"meta-schema-2", "meta-schema-99"}
NOT_FOUND_CASES: set[str] = set()  # damage that may be reported as "no index" rather than as damage


def _marked(cases: dict[str, Callable[[Path], object]], xfail: dict[str, str]) -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=xfail[name])) if name in xfail
            else name for name in cases]


def _damaged_copy(seed_index_path: Path, tmp_path: Path, case: str) -> Path:
    path = tmp_path / "ix"
    shutil.copytree(seed_index_path, path)
    DAMAGED[case](path)
    return path


def _read_all(path: Path, what: str) -> object:
    with SearchIndex.open(path) as idx:
        return idx.search(QUERY) if what == "search" else idx.stats()


def _check_message(error: BaseException, path: Path) -> str:
    message = str(error)
    assert "\n" not in message and str(path) in message, message
    return message


# -- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["search", "stats"])
@pytest.mark.parametrize("case", _marked(DAMAGED, {}))
def test_api_damaged_index_raises_a_clean_error(seed_index_path: Path, tmp_path: Path, case: str, what: str):
    path = _damaged_copy(seed_index_path, tmp_path, case)
    expected = (IndexVersionError if case in VERSION_CASES
                else (IndexNotFoundError, IndexCorruptError) if case in NOT_FOUND_CASES else IndexCorruptError)
    with pytest.raises(expected) as info:
        _read_all(path, what)
    _check_message(info.value, path)


@pytest.mark.parametrize("case", _marked(DAMAGED, {}))
def test_api_damaged_index_message_says_how_to_rebuild(seed_index_path: Path, tmp_path: Path, case: str):
    path = _damaged_copy(seed_index_path, tmp_path, case)
    with pytest.raises(SearchidxError) as info:
        _read_all(path, "search")
    assert f"`searchidx index --rebuild --index {path}`" in _check_message(info.value, path)


@pytest.mark.parametrize("case", [
    pytest.param("3", id="numeric-string"),  # lenient: read as 3, and the answers are right
])
def test_api_schema_version_as_a_numeric_string_is_an_error_or_right(seed_index_path: Path, tmp_path: Path,
                                                                    case: str):
    path = tmp_path / "ix"
    shutil.copytree(seed_index_path, path)
    _write_meta(path, _meta(schema_version=case))
    with SearchIndex.open(seed_index_path) as idx:
        expected = [(h.article, h.paragraph) for h in idx.search(QUERY, limit=None)]
    try:
        with SearchIndex.open(path) as idx:
            got = [(h.article, h.paragraph) for h in idx.search(QUERY, limit=None)]
    except IndexCorruptError as error:
        _check_message(error, path)
    else:
        assert got == expected


# Random bytes over part of the segment: a clean error or the right answer, nothing else.
OVERWRITES = [
    pytest.param("trm", "middle", id="terms-middle"),
    pytest.param("pst", "middle", id="postings-middle"),
    pytest.param("trm", "end", id="terms-end"),
    pytest.param("_stored.col", "middle", id="stored-middle"),
    pytest.param("_content_len.col", "middle", id="content-lengths-middle", marks=pytest.mark.xfail(
        strict=True, reason="searches cannot see it (Whoosh keeps no checksums): damaged field lengths change "
                            "every score; `searchidx check` finds it (test_check_finds_any_overwritten_part)")),
]


def _answers(path: Path) -> tuple[list[tuple[str, int, str, float]], int]:
    with SearchIndex.open(path) as idx:
        hits = [(h.article, h.paragraph, h.text, round(h.score, 6)) for h in idx.search(QUERY, limit=None)]
        return hits, idx.stats().paragraphs


@pytest.mark.parametrize(("part", "where"), OVERWRITES)
def test_api_overwritten_segment_gives_a_clean_error_or_the_right_answer(seed_index_path: Path, tmp_path: Path,
                                                                         part: str, where: str):
    path = tmp_path / "ix"
    shutil.copytree(seed_index_path, path)
    _overwrite(path, part, where)
    try:
        got = _answers(path)
    except SearchidxError as error:
        _check_message(error, path)
    else:
        assert got == _answers(seed_index_path)


# -- not an index at all -------------------------------------------------------------------

NOT_AN_INDEX: dict[str, Callable[[Path], object]] = {
    "missing-path": lambda p: None,
    "empty-folder": lambda p: p.mkdir(),
    "unrelated-files": lambda p: (p.mkdir(), (p / "notes.txt").write_text("hello"), (p / "data.seg").write_text("x")),
    "only-searchidx-json": lambda p: (p.mkdir(), _write_meta(p, _meta(schema_version=3))),
    "regular-file": lambda p: p.write_text("hello"),
}


def _not_an_index(tmp_path: Path, case: str) -> Path:
    path = tmp_path / "target"
    NOT_AN_INDEX[case](path)
    return path


@pytest.mark.parametrize("case", NOT_AN_INDEX)
def test_api_not_an_index_raises_index_not_found(tmp_path: Path, case: str):
    path = _not_an_index(tmp_path, case)
    with pytest.raises(IndexNotFoundError) as info:
        SearchIndex.open(path)
    message = _check_message(info.value, path)
    assert ("is a file, not an index folder" if case == "regular-file" else "searchidx index") in message


# -- the command line --------------------------------------------------------------------------


def _check_cli(code: int, out: str, err: str, path: Path) -> str:
    assert "Traceback" not in err
    assert code == ExitStatus.NO_INDEX, (code, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("searchidx: error: ") and str(path) in lines[0], err
    return lines[0]


@pytest.mark.parametrize("command", ["search", "stats"])
@pytest.mark.parametrize("case", _marked(DAMAGED, {}))
def test_cli_damaged_index_exits_3_with_one_line(seed_index_path: Path, tmp_path: Path, case: str, command: str):
    path = _damaged_copy(seed_index_path, tmp_path, case)
    argv = [command, QUERY] if command == "search" else [command]
    _check_cli(*run(*argv, "--index", str(path)), path)


@pytest.mark.parametrize("case", NOT_AN_INDEX)
def test_cli_not_an_index_exits_3_with_one_line(tmp_path: Path, case: str):
    path = _not_an_index(tmp_path, case)
    _check_cli(*run("search", QUERY, "--index", str(path)), path)


@pytest.mark.parametrize(("part", "where"), [
    pytest.param("pst", "middle", id="postings-middle"),
    pytest.param("trm", "end", id="terms-end"),
])
def test_cli_overwritten_segment_in_a_real_process(seed_index_path: Path, tmp_path: Path, part: str, where: str):
    """In its own interpreter: no crash, no traceback; a clean exit 3 or the same hits as the intact index."""
    path = tmp_path / "ix"
    shutil.copytree(seed_index_path, path)
    _overwrite(path, part, where)

    def search(index: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "searchidx", "search", QUERY, "--index", str(index),
                               "-f", "jsonl", "--limit", "100"], capture_output=True, text=True, timeout=60)

    result = search(path)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    if result.returncode == ExitStatus.OK:
        assert result.stdout == search(seed_index_path).stdout
    else:
        _check_cli(result.returncode, result.stdout, result.stderr, path)


# -- repairing ---------------------------------------------------------------------------------


def _search_works(path: Path) -> None:
    code, out, err = run("search", QUERY, "--index", str(path), "-f", "jsonl")
    assert code == ExitStatus.OK and err == "" and out.strip(), (code, err)
    with SearchIndex.open(path) as idx:
        assert idx.search(QUERY).total > 0


@pytest.mark.parametrize("case", ["seg-missing", "seg-half", "toc-garbage", "toc-missing", "meta-schema-2"])
def test_rebuild_repairs_a_damaged_index(seed_index_path: Path, tmp_path: Path, case: str):
    path = _damaged_copy(seed_index_path, tmp_path, case)
    code, _, err = run("index", "--rebuild", "--quiet", "--index", str(path), str(SEEDS))
    assert code == ExitStatus.OK and err == "", err
    _search_works(path)


@pytest.mark.parametrize("case", [
    "missing-path", "unrelated-files", "toc-missing",
])
def test_the_command_the_message_suggests_works(seed_index_path: Path, tmp_path: Path, case: str):
    path = _damaged_copy(seed_index_path, tmp_path, case) if case in DAMAGED else _not_an_index(tmp_path, case)
    code, _, err = run("search", QUERY, "--index", str(path))
    advice = re.search(r"`searchidx (index [^`]*)`", err)
    assert advice, err
    code, _, err = run(*advice.group(1).split(), "--quiet", str(SEEDS))
    assert code == ExitStatus.OK, err
    _search_works(path)


# -- searchidx check: damage that searches cannot see ----------------------------------------------

def test_check_passes_a_sound_index(seed_index_path: Path):
    with SearchIndex.open(seed_index_path) as idx:
        result = idx.check()
    assert result.ok and result.files_verified >= 2 and result.paragraphs == 13
    code, _, err = run("check", "--index", str(seed_index_path))
    assert code == ExitStatus.OK and "is sound: 13 paragraphs read, " in err and "match their digests" in err


@pytest.mark.parametrize(("part", "where"), [(part.values[0], part.values[1]) for part in OVERWRITES])
def test_check_finds_any_overwritten_part(seed_index_path: Path, tmp_path: Path, part: str, where: str):
    """Including the field lengths, whose damage searches answer silently and wrongly."""
    path = tmp_path / "ix"
    shutil.copytree(seed_index_path, path)
    _overwrite(path, part, where)
    try:
        with SearchIndex.open(path) as idx:
            result = idx.check()
    except IndexCorruptError:
        return  # found when opening already
    assert not result.ok and any("has changed since it was written" in p for p in result.problems)
    code, _, err = run("check", "--index", str(path))
    assert code == ExitStatus.NO_INDEX and "searchidx index --rebuild" in err.splitlines()[-1]


def test_check_reads_an_index_without_digests(seed_index_path: Path, tmp_path: Path):
    path = tmp_path / "ix"
    shutil.copytree(seed_index_path, path)
    (path / "searchidx-sums.json").unlink()  # as an index built before digests were kept
    code, _, err = run("check", "--index", str(path))
    assert code == ExitStatus.OK and "no digests recorded" in err
