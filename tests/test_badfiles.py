"""Bad files given to ``searchidx index`` and to ``SearchIndex.add_paths``: each gives one
warning line naming the file (and the line, in JSON Lines), the rest of the run goes on,
what is passed over is counted as skipped, and what the index held before is kept.

One folder holds every kind of bad file next to good articles (a real 50 MB one-paragraph
file among them: it is skipped before it is read whole). It is indexed twice, by the command
(in-process) and by the API, each time into a copy of an index that already holds one
article; the tests then check each kind in both runs. An unreadable file and folder need a
user that is not root: as root they are read in a forked child that becomes ``nobody``.
``pytest -m reliability`` also indexes an article of the largest size allowed, with NER.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_cli

from searchidx import SearchIndex
from searchidx.articles import MAX_ARTICLE_CHARS, MAX_PARAGRAPH_CHARS, SKIPPED

PREFIX = "searchidx: warning: "
FIRST = ("Harbour talks open in Lisbon\n\n"
         "Portugal and Morocco opened talks in Lisbon on Monday about a new ferry link, officials said.\n\n"
         "The ferry would sail from Tarifa to Tangier twice a day from next spring.\n")
FIRST_PARAGRAPHS = [
    "Portugal and Morocco opened talks in Lisbon on Monday about a new ferry link, officials said.",
    "The ferry would sail from Tarifa to Tangier twice a day from next spring.",
]
SENTENCE = ("The central bank of Brazil raised interest rates on Tuesday, its governor said in Brasilia, "
            "as inflation in Sao Paulo rose for a third month.")
LONG_END = "Finally the zeppelin landed in Friedrichshafen."
LONG_CHARS = 2 * MAX_PARAGRAPH_CHARS + 5_000


@dataclass(frozen=True)
class Case:
    """One bad input: the file, the JSON Lines line, what its warning says (None: no warning),
    whether it is skipped, and the article it should still give with a word to find it by."""

    name: str
    file: str
    line: int | None
    says: str | None
    skipped: bool
    article: str | None = None
    word: str | None = None


CASES = [
    Case("binary", "binary.txt", None, "binary file", True),
    Case("latin-1", "latin1.txt", None, "not UTF-8 (byte 3); read as Windows-1252", False, "latin1", "zürich"),
    Case("utf-16-le", "utf16le.txt", None, None, False, "utf16le", "fisheries"),
    Case("utf-16-be", "utf16be.txt", None, None, False, "utf16be", "reindeer"),
    Case("nul-bytes", "nul.txt", None, "3 NUL characters removed", False, "nul", "pilots"),
    Case("nul-padded", "padded.txt", None, "4,096 NUL characters removed", False, "padded", "tulips"),
    Case("mostly-nul", "zeros.txt", None, "binary file", True),
    Case("empty", "empty.txt", None, "empty file", True),
    Case("whitespace", "blank.md", None, "only whitespace", True),
    Case("50-mb", "huge.txt", None, f"50.0 MB, too long for one article (at most {MAX_ARTICLE_CHARS:,} characters)",
         True),
    Case("long-paragraph", "long.txt", None,
         f"1 paragraph over {MAX_PARAGRAPH_CHARS:,} characters (the longest has {LONG_CHARS:,}) split into 3",
         False, "long", "zeppelin"),
    Case("dangling-link", "gone.txt", None, "cannot read: No such file or directory (symbolic link to missing)", True),
    Case("file-link-loop", "loop.txt", None, "cannot read: Too many levels of symbolic links (symbolic link to "
         "loop.txt)", True),
    Case("folder-link-loop", "sub/up", None, "symbolic link to a folder, not followed", True),
    Case("fifo", "pipe.txt", None, "not a regular file", True),
    Case("jsonl-broken", "wire.jsonl", 2, "not valid JSON", True),
    Case("jsonl-not-object", "wire.jsonl", 3, "not a JSON object", True),
    Case("jsonl-string-line", "wire.jsonl", 4, "not a JSON object", True),
    Case("jsonl-no-text", "wire.jsonl", 5, 'no "text" string', True),
    Case("jsonl-text-number", "wire.jsonl", 6, 'no "text" string', True),
    Case("jsonl-text-list", "wire.jsonl", 7, 'no "text" string', True),
    Case("jsonl-title-number", "wire.jsonl", 8, '"title" 5 is not a string; ignored', False, "num-title", "vienna"),
    Case("jsonl-date-number", "wire.jsonl", 9, '"date" 20240101 is not a string; ignored', False, "num-date",
         "warsaw"),
    Case("jsonl-id-object", "wire.jsonl", 10, "no usable \"id\"; using wire:10", False, "wire:10", "prague"),
    Case("jsonl-id-bool", "wire.jsonl", 11, "no usable \"id\"; using wire:11", False, "wire:11", "budapest"),
    Case("jsonl-bad-date", "wire.jsonl", 12, "\"date\" 'yesterday' is not an ISO 8601 date; kept as written", False,
         "bad-date", "bucharest"),
    Case("jsonl-huge-text", "wire.jsonl", 13, f'"text" has {MAX_ARTICLE_CHARS + 2:,} characters, too long', True),
]
#: Good articles next to the bad files, with a word each is found by.
GOOD = {"good": "tangier", "wire-ok": "rome"}


def _write_bad_folder(folder: Path) -> None:
    """Every kind of bad file of :data:`CASES`, and the good articles of :data:`GOOD`."""
    folder.mkdir()
    (folder / "good.txt").write_text("Ferries in Lisbon\n\nBoats sail from Lisbon to Tangier, officials in "
                                     "Portugal said on Friday.\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(7).randbytes(4000))
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners in Z\xfcrich said prices rose by \xa35 a cup.\n"
                                        .encode("latin-1"))
    (folder / "utf16le.txt").write_bytes(b"\xff\xfe" + "Fisheries accord\n\nTürkiye and Greece signed a fisheries "
                                         "accord in Ankara on Monday.\n".encode("utf-16-le"))
    (folder / "utf16be.txt").write_bytes(b"\xfe\xff" + "Grazing pact\n\nNorway and Sweden agreed a reindeer "
                                         "grazing pact in Oslo on Tuesday.\n".encode("utf-16-be"))
    (folder / "nul.txt").write_bytes(b"Harbour pilots in Stockholm\x00 went on strike\x00 on Friday,\x00 the "
                                     b"union said.\n")
    (folder / "padded.txt").write_bytes(b"Dockers in Rotterdam unloaded a record cargo of tulips.\n" + b"\x00" * 4096)
    (folder / "zeros.txt").write_bytes(b"Text at first.\n" + b"\x00x" * 500)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_bytes(b"  \t \n\n\t\t\n   \r\n\n \n")
    with (folder / "huge.txt").open("w", encoding="utf-8") as handle:  # one paragraph: lines, no blank one
        line = SENTENCE + "\n"
        handle.write(line * (50_000_000 // len(line)))
        handle.write(SENTENCE[: 50_000_000 % len(line)])
    words = (SENTENCE + " ") * (LONG_CHARS // (len(SENTENCE) + 1) + 1)
    (folder / "long.txt").write_text(words[: LONG_CHARS - len(LONG_END) - 1] + " " + LONG_END, encoding="utf-8")
    (folder / "gone.txt").symlink_to("missing")
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")
    os.mkfifo(folder / "pipe.txt")
    records: list[object] = [
        {"id": "wire-ok", "title": "Rome summit", "date": "2024-03-01", "text": "Italy and France met in Rome."},
        "{broken",
        [1, 2],
        "just a string",
        {"id": "no-text", "title": "Nothing to read"},
        {"id": "num-text", "text": 123},
        {"id": "list-text", "text": ["a"]},
        {"id": "num-title", "title": 5, "text": "Austria hosted the talks in Vienna."},
        {"id": "num-date", "date": 20240101, "text": "Poland signed the deal in Warsaw."},
        {"id": {"x": 1}, "text": "Czech officials met in Prague."},
        {"id": True, "text": "Hungary held the vote in Budapest."},
        {"id": "bad-date", "date": "yesterday", "text": "Romania opened a port in Bucharest."},
        {"id": "huge-record", "text": "x " * (MAX_ARTICLE_CHARS // 2 + 1)},
    ]
    lines = [r if isinstance(r, str) and r.startswith("{") else json.dumps(r) for r in records]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass
class Run:
    """What one indexing run of the bad folder said and did."""

    how: str
    folder: Path
    index: Path
    warnings: list[str]
    skipped: int
    added: int
    stderr: str = ""
    code: int = 0


def _first_index(base: Path) -> Path:
    """An index holding one article, ``harbour``, indexed in a run of its own."""
    first = base / "first"
    first.mkdir()
    (first / "harbour.txt").write_text(FIRST, encoding="utf-8")
    index = base / "first-index"
    with SearchIndex.create(index) as idx:
        report = idx.add_paths([first])
    assert report.articles_added == 1 and report.skipped == 0
    return index


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, when a run waits for ever (reading the named pipe would)."""
    def stop(_signum: int, _frame: object) -> None:
        pytest.fail(f"indexing the bad folder took over {seconds} s")  # no OSError, which readers catch

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """The bad folder indexed by the command and by the API, each into a copy of the first index."""
    base = tmp_path_factory.mktemp("badfiles")
    first = _first_index(base)
    folder = base / "bad"
    _write_bad_folder(folder)

    cli_index = base / "cli-index"
    shutil.copytree(first, cli_index)
    with _deadline(120):
        code, _, stderr = run_cli("index", str(folder), "--index", str(cli_index))
    warnings = [line[len(PREFIX):] for line in stderr.splitlines() if line.startswith(PREFIX)]
    summary = stderr.splitlines()[-1]
    cli = Run("cli", folder, cli_index, warnings, _summary_count(summary, "skipped"),
              _summary_count(summary, "new"), stderr, code)

    api_index = base / "api-index"
    shutil.copytree(first, api_index)
    said: list[str] = []
    with _deadline(120), SearchIndex.open(api_index) as idx:
        report = idx.add_paths([folder], on_warning=said.append)
    assert report.warnings == said
    api = Run("api", folder, api_index, said, report.skipped, report.articles_added)
    yield {"cli": cli, "api": api}
    (folder / "huge.txt").unlink()  # pytest keeps the last few temporary folders: not 50 MB each


def _summary_count(summary: str, what: str) -> int:
    """The number before ``what`` in the command's summary line (0 when it is not there)."""
    words = summary.replace(",", " ").replace(";", " ").replace("(", " ").split()
    return next((int(words[i - 1]) for i, word in enumerate(words) if word == what and words[i - 1].isdigit()), 0)


def _about(run: Run, case: Case) -> list[str]:
    """The warnings that name the case's file (and line)."""
    where = f"{run.folder / case.file}:" + (f"{case.line}:" if case.line else "")
    return [warning for warning in run.warnings if warning.startswith(where + " ")]


@pytest.fixture(params=["cli", "api"])
def run(request: pytest.FixtureRequest, runs: dict[str, Run]) -> Run:
    return runs[request.param]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_bad_input_gives_one_warning_line_and_what_it_can(run: Run, case: Case):
    about = _about(run, case)
    if case.says is None:
        assert about == []
    else:
        assert len(about) == 1, about
        assert case.says in about[0] and "\n" not in about[0]
        assert about[0].endswith(SKIPPED) == case.skipped
    if case.article:
        with SearchIndex.open(run.index) as idx:
            hits = idx.search(case.word or "", limit=None)
            assert case.article in {hit.article for hit in hits}


def test_nothing_else_is_said_and_the_counts_add_up(run: Run):
    expected = [case for case in CASES if case.says]
    assert len(run.warnings) == len(expected), run.warnings
    assert run.skipped == sum(case.skipped for case in CASES) == 16
    assert run.added == len(GOOD) + len({case.article for case in CASES if case.article}) == 13


def test_the_command_exits_ok_with_a_summary_and_no_traceback(runs: dict[str, Run]):
    cli = runs["cli"]
    assert cli.code == 0 and "Traceback" not in cli.stderr
    lines = cli.stderr.splitlines()
    assert all(line.startswith(PREFIX) for line in lines[:-1])
    assert lines[-1].startswith("indexed ") and lines[-1].endswith("; 16 skipped (see warnings above)")


@pytest.mark.parametrize("article", sorted(GOOD))
def test_good_articles_next_to_bad_files_are_indexed(run: Run, article: str):
    with SearchIndex.open(run.index) as idx:
        assert article in {hit.article for hit in idx.search(GOOD[article], limit=None)}


def test_what_the_index_held_before_is_kept_whole(run: Run):
    with SearchIndex.open(run.index) as idx:
        assert [hit.text for hit in idx.article("harbour")] == FIRST_PARAGRAPHS
        assert {hit.article for hit in idx.search("tarifa")} == {"harbour"}
        assert idx.stats().articles == 1 + run.added


def test_decoded_text_is_what_was_written(runs: dict[str, Run]):
    with SearchIndex.open(runs["api"].index) as idx:
        texts = {article: " ".join(hit.text for hit in idx.article(article))
                 for article in ("latin1", "utf16le", "utf16be", "nul", "padded")}
        titles = {article: idx.article(article)[0].title for article in ("utf16le", "utf16be")}
        wire = {article: idx.article(article)[0] for article in ("num-title", "num-date", "bad-date")}
    assert texts["latin1"] == "Café owners in Zürich said prices rose by £5 a cup."
    assert texts["utf16le"] == "Türkiye and Greece signed a fisheries accord in Ankara on Monday."
    assert titles == {"utf16le": "Fisheries accord", "utf16be": "Grazing pact"}
    assert texts["nul"] == "Harbour pilots in Stockholm went on strike on Friday, the union said."
    assert texts["padded"] == "Dockers in Rotterdam unloaded a record cargo of tulips."
    assert wire["num-title"].title == "" and wire["num-date"].published == ""


def test_a_long_paragraph_is_split_at_sentence_ends_and_loses_no_text(runs: dict[str, Run]):
    original = (runs["api"].folder / "long.txt").read_text(encoding="utf-8")
    with SearchIndex.open(runs["api"].index) as idx:
        pieces = [hit.text for hit in idx.article("long")]
    assert len(pieces) == 3 and all(len(piece) <= MAX_PARAGRAPH_CHARS for piece in pieces)
    assert all(piece.endswith(".") for piece in pieces)
    assert " ".join(pieces) == original.strip()


# -- an unreadable file and folder -------------------------------------------------------

NOBODY = 65534


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder that another user can enter (pytest's own are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="searchidx-badfiles-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in (folder / "in" / "locked", folder / "in" / "secret.txt"):
            if path.exists():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _cli(argv: list[str]) -> tuple[int, str]:
    code, _, err = run_cli(*argv)
    return code, err


def _cli_as_nobody(argv: list[str]) -> tuple[int, str]:
    """The command run in a forked child that has become user ``nobody``. Not a new
    interpreter: ours lives where only root may read, so the child runs the modules (and the
    model) already loaded here."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result: list[object] = list(_cli(argv))
        except OSError as error:
            result = [None, f"cannot become user {NOBODY}: {error}"]
        except BaseException:  # the parent shows it
            import traceback

            result = [-1, traceback.format_exc()]
        with os.fdopen(write, "w", encoding="utf-8") as pipe:
            json.dump(result, pipe)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    code, stderr = json.loads(data)
    if code is None:
        pytest.skip(stderr)
    return code, stderr


def test_an_unreadable_file_and_folder_are_skipped(open_tmp: Path):
    first = open_tmp / "first"
    first.mkdir()
    (first / "harbour.txt").write_text(FIRST, encoding="utf-8")
    index = open_tmp / "index"
    assert _cli(["index", str(first), "--index", str(index), "-q"]) == (0, "")  # also loads what the child needs
    folder = open_tmp / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Ferries in Lisbon\n\nBoats sail from Lisbon to Tangier.\n", encoding="utf-8")
    (folder / "secret.txt").write_text("Nobody may read this about Madrid.\n", encoding="utf-8")
    (folder / "locked").mkdir()
    (folder / "locked" / "inside.txt").write_text("Hidden text about Seville.\n", encoding="utf-8")
    (folder / "secret.txt").chmod(0)
    (folder / "locked").chmod(0)
    argv = ["index", str(folder), "--index", str(index)]
    if os.geteuid() == 0:
        for path in (index, *index.rglob("*")):
            os.chown(path, NOBODY, NOBODY)
        code, stderr = _cli_as_nobody(argv)
    else:
        if os.access(folder / "secret.txt", os.R_OK):
            pytest.skip("this user reads files whatever their mode")
        code, stderr = _cli(argv)
    lines = stderr.splitlines()
    assert code == 0 and "Traceback" not in stderr, stderr
    assert lines[:-1] == [f"{PREFIX}{folder / 'locked'}: cannot read folder: Permission denied {SKIPPED}",
                          f"{PREFIX}{folder / 'secret.txt'}: cannot read: Permission denied {SKIPPED}"]
    assert "(articles: 1 new" in lines[-1] and lines[-1].endswith("; 2 skipped (see warnings above)")
    with SearchIndex.open(index) as idx:
        assert [hit.text for hit in idx.article("harbour")] == FIRST_PARAGRAPHS
        assert "good" in {hit.article for hit in idx.search("tangier")}
        assert not idx.search("madrid OR seville").total


# -- the largest article indexed for real (slow) -------------------------------------------


@pytest.mark.reliability
def test_an_article_of_the_largest_size_is_indexed_in_pieces(tmp_path: Path):
    """A single paragraph of almost :data:`MAX_ARTICLE_CHARS` characters, with NER, becomes
    paragraphs of at most :data:`MAX_PARAGRAPH_CHARS`, all searchable."""
    body = ((SENTENCE + " ") * (MAX_ARTICLE_CHARS // (len(SENTENCE) + 1)))[: MAX_ARTICLE_CHARS - 200]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "book.txt").write_text(body + " " + LONG_END + "\n", encoding="utf-8")
    said: list[str] = []
    started = time.perf_counter()
    with SearchIndex.create(tmp_path / "index") as idx:
        report = idx.add_paths([tmp_path / "in"], on_warning=said.append)
        seconds = time.perf_counter() - started
        pieces = idx.article("book")
        found = idx.search("zeppelin", limit=None)
    assert [(hit.article, hit.paragraph) for hit in found] == [("book", pieces[-1].paragraph)]
    assert report.articles_added == 1 and report.skipped == 0 and len(said) == 1
    assert "split into" in said[0] and said[0].startswith(str(tmp_path / "in" / "book.txt"))
    assert len(pieces) >= MAX_ARTICLE_CHARS // MAX_PARAGRAPH_CHARS
    assert all(len(hit.text) <= MAX_PARAGRAPH_CHARS for hit in pieces)
    assert seconds < 300, f"{seconds:.0f} s"


def test_a_text_too_long_for_the_model_goes_to_it_in_pieces(monkeypatch: pytest.MonkeyPatch):
    """What the API is given is not split into paragraphs; the model gets it in pieces."""
    from searchidx.ner import model as entities

    text = " ".join(f"{SENTENCE} Officials met in Lisbon on day {n}." for n in range(8))
    extractor = entities.get_extractor()
    whole = extractor.extract(text)
    monkeypatch.setattr(entities, "MAX_TEXT_CHARS", 300)
    [pieces] = list(extractor.extract_many([text]))
    assert pieces == whole and len(whole) > 8 * 3
    assert all(text[entity.start:entity.end] == entity.text for entity in pieces)
