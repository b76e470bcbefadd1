"""Console habits (issue 17), in-process: bare help/exit/quit, \\next after \\like, the
toolbar's problems, did-you-mean above the results, \\o FILE, saved queries."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from searchidx import SearchIndex
from searchidx.console import Repl
from searchidx.console.repl import fit_problems, screen_rows
from searchidx.terminal import Env


def make_env(stdin: str = "") -> Env:
    return Env(stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO(),
               stdin_isatty=False, stdout_isatty=False, stderr_isatty=False)


def run_piped(index: Path, lines: str) -> tuple[int, str, str]:
    env = make_env(lines)
    with SearchIndex.open(index) as idx:
        code = Repl(idx, env).run()
    return code, env.stdout.getvalue(), env.stderr.getvalue()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEARCHIDX_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_bare_help_exit_and_quit_are_commands(seed_index_path: Path):
    code, out, err = run_piped(seed_index_path, "help\nquit\nplace:dhaka\n")
    assert code == 0 and "Commands:" in out and "paragraphs (" not in out  # quit left before the search
    code, out, _ = run_piped(seed_index_path, "EXIT\nplace:dhaka\n")
    assert code == 0 and out == ""
    _, out, _ = run_piped(seed_index_path, "text:help\n")  # the word itself can still be searched
    assert "paragraphs (" in out or "paragraph (" in out


def test_next_after_like_pages_the_related_paragraphs(seed_index_path: Path):
    code, out, err = run_piped(seed_index_path, "\\limit 3\ndefence\n\\like 1\n\\next\n")
    assert code == 0 and err == ""
    like, after = out.split("\\next for more\n")[1:3]
    assert "3 of " in like and "¶" in like
    assert after.lstrip().startswith("4  ") and "4-6 of" in after


def test_did_you_mean_and_warnings_come_with_the_results(seed_index_path: Path):
    _, out, err = run_piped(seed_index_path, 'person:"haluk gorgn"\n"army chief\n')
    assert 'did you mean: person:"Haluk Gorgun"' in out and "did you mean" not in err
    assert "warning: the quote at column 1 was not closed" in out


def test_the_toolbar_shows_every_problem_fitted_to_the_width(seed_index_path: Path):
    with create_pipe_input() as pipe, SearchIndex.open(seed_index_path) as idx:
        repl = Repl(idx, make_env(), input=pipe, output=DummyOutput())
        text = "".join(part[1] for part in repl.toolbar('colour:red (navy "army chief', 150))
    assert text.startswith(" 3 problems: ") and "colour" in text and "quote" in text and "unmatched" in text
    many = [f"problem number {i} with a long explanation" for i in range(10)]
    line = fit_problems(many, 150)
    assert len(line) <= 149 and line.endswith("…") and line.startswith(" 10 problems: ")


def test_screen_rows_count_wrapped_lines_and_ignore_colour():
    assert screen_rows("a\n" + "x" * 250 + "\n\x1b[1;33mbold\x1b[0m\n", 100) == 1 + 3 + 1


def test_o_sends_results_to_a_file_until_o_alone(seed_index_path: Path, tmp_path: Path):
    target = tmp_path / "out.txt"
    code, out, err = run_piped(seed_index_path, f"\\o {target}\nplace:dhaka\nperson:yunus\n\\o\nplace:dhaka\n")
    written = target.read_text(encoding="utf-8")
    assert code == 0 and written.count("paragraph") >= 2 and "*Dhaka*" in written and "\x1b[" not in written
    assert out.count("1 paragraph (") == 1  # only the search after \o alone reached the screen
    assert f"results go to {target}" in err


def test_saved_queries_run_by_name_and_survive_the_session(seed_index_path: Path, data_dir: Path):
    code, out, err = run_piped(seed_index_path, "place:dhaka\n\\save dhaka\n\\save zaman person:zaman\n")
    assert code == 0 and "saved dhaka: place:dhaka" in out and "saved zaman: person:zaman" in out
    code, out, err = run_piped(seed_index_path, "\\run\n\\run zaman\n\\forget dhaka\n\\run dhaka\n")
    assert "dhaka  place:dhaka" in out and "2 paragraphs (" in out and "forgot dhaka" in out
    assert code == 1 and "no saved query 'dhaka'; saved: zaman" in err
