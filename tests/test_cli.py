"""The command line, driven in-process through an injected environment."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SEED_ID
from conftest import run_cli as run

from searchidx.cli import ExitStatus, build_parser


def test_search_jsonl_has_the_documented_keys(seed_index_path: Path):
    code, out, err = run("search", "place:dhaka OR org:navy", "--index", str(seed_index_path), "-f", "jsonl")
    assert code == ExitStatus.OK and err == ""
    hits = [json.loads(line) for line in out.splitlines()]
    assert sorted(hit["paragraph"] for hit in hits) == [3, 4]
    for hit in hits:
        assert hit["article"] == SEED_ID and isinstance(hit["paragraph"], int)
        assert {"title", "score", "text", "entities", "highlights"} <= set(hit)
    assert "<em>Dhaka</em>" in next(h for h in hits if h["paragraph"] == 3)["highlights"]


def test_search_json_csv_and_table(seed_index_path: Path):
    index = ("--index", str(seed_index_path))
    code, out, _ = run("search", "person:waker-uz-zaman", *index, "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["total"] == 2 and len(document["hits"]) == 2

    _, out, _ = run("search", "person:waker-uz-zaman", *index, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(row["paragraph"] for row in rows) == ["4", "6"]
    for row in rows:  # "Zaman's office" counts as Waker-Uz-Zaman, under that name
        assert "Waker-Uz-Zaman" in row["person"].split("; ") and "Zaman" not in row["person"].split("; ")

    _, out, _ = run("search", "person:gorgun", *index)
    assert f"{SEED_ID} ¶2" in out and "*Gorgun*" in out and "\x1b[" not in out
    assert out.rstrip().splitlines()[-1].startswith("5 paragraphs (")

    _, out, _ = run("search", "person:gorgun", *index, tty=True)
    assert "\x1b[1;33mGorgun\x1b[0m" in out


def test_limit(seed_index_path: Path):
    _, out, _ = run("search", "bangladesh", "--index", str(seed_index_path), "-f", "jsonl", "--limit", "2")
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["search", "AND"], ExitStatus.USAGE, "nothing to search"),
        (["search", "x", "--limit", "-1"], ExitStatus.USAGE, "must be 0 or more"),
        (["search", "x", "--format", "xml"], ExitStatus.USAGE, "invalid choice"),
        (["frobnicate"], ExitStatus.USAGE, "invalid choice"),
        # "-navy" (not navy) is read as "-n avy": the error says how to write it
        (["search", "-navy"], ExitStatus.USAGE, "after '--': searchidx search [OPTIONS] -- -navy"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(seed_index_path: Path, argv, status, message):
    code, out, err = run(*argv, "--index", str(seed_index_path)) if argv[0] == "search" else run(*argv)
    assert code == status
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("searchidx: error:") and message in err


def test_bad_syntax_warns_and_still_searches(seed_index_path: Path):
    code, out, err = run("search", '"defence cooperation', "--index", str(seed_index_path), "-f", "jsonl")
    assert code == ExitStatus.OK and len(out.splitlines()) == 2
    assert err == "searchidx: warning: query: the quote at column 1 was not closed; closed it at the end\n"


def test_missing_index_says_how_to_build_one(tmp_path: Path):
    code, _, err = run("search", "x", "--index", str(tmp_path / "none"))
    assert code == ExitStatus.NO_INDEX
    assert "searchidx index --index" in err and err.count("\n") == 1


def test_index_then_stats_and_warnings_for_bad_files(tmp_path: Path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("Ferries in Lisbon\n\nBoats sail from Lisbon to Tangier.\n", encoding="utf-8")
    (corpus / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    index = tmp_path / "ix"
    code, _, err = run("index", str(corpus), "--index", str(index))
    assert code == 0
    assert "warning:" in err and "bin.txt: binary file (skipped)" in err
    assert "1 new" in err and "1 skipped" in err

    code, out, _ = run("stats", "--index", str(index), "-f", "json")
    stats = json.loads(out)
    assert code == 0 and stats["articles"] == 1 and stats["paragraphs"] == 1

    code, _, err = run("index", str(tmp_path / "nope"), "--index", str(index))
    assert code == ExitStatus.ERROR and "no such file" in err

    code, _, err = run("index", str(corpus / "bin.txt"), "--index", str(index))
    assert code == ExitStatus.ERROR and "nothing could be read" in err


def test_index_rebuild_recovers_a_foreign_folder(tmp_path: Path):
    index = tmp_path / "ix"
    run("index", str(FIXTURES / "corpus"), "--index", str(index))
    (index / "searchidx.json").write_text('{"schema_version": 999}', encoding="utf-8")
    code, _, err = run("search", "lisbon", "--index", str(index))
    assert code == ExitStatus.NO_INDEX and "--rebuild" in err
    code, _, _ = run("index", str(FIXTURES / "corpus"), "--index", str(index), "--rebuild", "-q")
    assert code == 0
    code, out, _ = run("search", "lisbon", "--index", str(index), "-f", "jsonl")
    assert code == 0 and out


def test_index_path_from_environment(seed_index_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEARCHIDX_INDEX", str(seed_index_path))
    code, out, _ = run("search", "person:zaman", "-f", "jsonl")
    assert code == 0 and len(out.splitlines()) == 2


def test_help_and_readme_list_every_command():
    from conftest import ROOT

    from searchidx.cli import COMMANDS

    text = build_parser().format_help()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"    {command} " in text or f"    {command}\n" in text  # a long name: its help on the next line
        assert f"searchidx {command}" in readme


def test_the_parser_of_one_command_parses_as_the_whole_parser():
    from searchidx.cli import COMMANDS

    examples = [["search", "person:gorgun", "-n", "3", "--facets", "2", "-f", "csv"], ["index", "a", "b", "-j", "2"],
                ["entity", "person:Haluk Gorgun", "--related", "4"], ["export", "out", "--max-mb", "5"],
                ["completion", "bash"], ["stats", "--index", "x"], ["repl"], ["serve", "--port", "0"]]
    for argv in examples:
        assert vars(build_parser(argv[0]).parse_args(argv)) == vars(build_parser().parse_args(argv))
    for command in COMMANDS:
        only = build_parser(command)
        assert only._subparsers._group_actions[0].choices.keys() == {command}  # type: ignore[union-attr]
    assert build_parser("serch").format_help() == build_parser().format_help()  # not a command: all of them


def test_one_shot_search_never_imports_spacy(seed_index_path: Path):
    """Nor what only other queries or outputs need (start-up: bench/startup.py)."""
    lazy = ["spacy", "searchidx.engine.feedback", "whoosh.support.charset", "csv", "numpy", "rapidfuzz",
            "urllib.request", "asyncio", "multiprocessing"]
    code = (
        "import sys; from searchidx.cli import main; "
        f"status = main(['search', 'person:gorgun', '--index', {str(seed_index_path)!r}, '-f', 'jsonl']); "
        f"print([m for m in {lazy!r} if m in sys.modules], status)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[] 0"


def test_python_dash_m_runs_the_command(seed_index_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "searchidx", "search", "person:yunus", "--index", str(seed_index_path), "-f", "jsonl"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2


def test_the_command_ends_through_run_with_the_objects_frozen(seed_index_path: Path):
    """``searchidx`` and ``python -m searchidx`` end through ``cli.run``: main's status, with what
    is left in memory frozen so that the interpreter's last collections skip it."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"searchidx": "searchidx.cli:run"}
    code = (
        "import atexit, gc, sys; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
        "from searchidx.cli import run; "
        f"sys.argv = ['searchidx', 'search', 'person:(', '--index', {str(seed_index_path)!r}]; run()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "frozen True"
    missing = [sys.executable, "-c", code.replace(repr(str(seed_index_path)), repr(str(seed_index_path / "nowhere")))]
    result = subprocess.run(missing, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3 and result.stdout.splitlines()[-1] == "frozen True"
    assert len(result.stderr.splitlines()) == 1


def test_paging_sorting_and_whole_paragraphs(seed_index_path: Path):
    index = ("--index", str(seed_index_path), "-f", "jsonl", "--limit", "2")
    first = [json.loads(line)["rank"] for line in run("search", "bangladesh", *index)[1].splitlines()]
    second = [json.loads(line)["rank"] for line in run("search", "bangladesh", *index, "--page", "2")[1].splitlines()]
    offset = [json.loads(line)["rank"] for line in run("search", "bangladesh", *index, "--offset", "2")[1].splitlines()]
    assert (first, second, offset) == ([1, 2], [3, 4], [3, 4])
    code, out, _ = run("search", "person:gorgun", *index, "--sort", "newest", "--whole")
    assert code == 0 and all(json.loads(line)["highlights"].count("<em>") >= 1 for line in out.splitlines())


def test_explain_and_similar_commands(seed_index_path: Path):
    code, out, _ = run("explain", "person:gorgun defence", "--index", str(seed_index_path))
    assert code == 0 and "runs as:" in out and "default operator between words: AND" in out
    assert "content:defenc" in out and "person:gorgun" in out
    code, out, _ = run("explain", "person:gorgun", "--index", str(seed_index_path), "-f", "json")
    assert code == 0 and json.loads(out)["hits"][0]["terms"][0]["field"] == "person"
    code, out, _ = run("similar", SEED_ID, "5", "--index", str(seed_index_path), "-f", "jsonl", "-n", "3")
    assert code == 0 and len(out.splitlines()) == 3
    code, _, err = run("similar", "nope", "1", "--index", str(seed_index_path))
    assert code == ExitStatus.USAGE and "no paragraph 1" in err


def test_facets_in_table_and_json(seed_index_path: Path):
    code, out, _ = run("search", "defence", "--index", str(seed_index_path), "--facets", "2", "-n", "1")
    assert code == 0 and "place:" in out.splitlines()[-4] + "".join(out.splitlines()[-6:])
    _, out, _ = run("search", "defence", "--index", str(seed_index_path), "--facets", "2", "-f", "json")
    assert json.loads(out)["facets"]["place"][0]["count"] == 5


def test_did_you_mean_on_stderr(seed_index_path: Path):
    code, out, err = run("search", "bangladsh", "--index", str(seed_index_path), "-f", "json")
    assert code == 0 and json.loads(out)["suggestion"] == "bangladesh"
    assert "did you mean: bangladesh" in err


def test_the_indexing_progress_bar_starts_no_thread():
    """tqdm starts a monitor thread with its first bar; a second thread would slow the model
    and keep the NER workers from being forked (searchidx.workers.start_method)."""
    import threading

    from searchidx.terminal import Env, ProgressBar

    before = threading.active_count()
    err = io.StringIO()
    with ProgressBar(Env(stdin=io.StringIO(), stdout=io.StringIO(), stderr=err, stderr_isatty=True)) as bar:
        bar.update(3, 10)
        assert threading.active_count() == before
    assert "3/10" in err.getvalue()
