"""The console in-process: prompt-toolkit pipe input and dummy output, completion from
``Document`` objects, commands, mistakes, and piped mode."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from searchidx import SearchIndex
from searchidx.console import Repl
from searchidx.console.commands import COMMANDS
from searchidx.console.completion import Catalog, QueryCompleter
from searchidx.console.config import load_config
from searchidx.console.lexer import QueryLexer
from searchidx.terminal import Env


def make_env(stdin: str = "", tty: bool = False) -> Env:
    return Env(stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO(),
               stdin_isatty=tty, stdout_isatty=False, stderr_isatty=False)


@pytest.fixture(scope="module")
def catalog(seed_index_path: Path) -> Catalog:
    with SearchIndex.open(seed_index_path) as idx:
        return Catalog.from_index(idx)


def complete(catalog: Catalog, text: str) -> list[str]:
    completer = QueryCompleter(catalog, {c.name: c.help for c in COMMANDS.values()})
    return [c.text for c in completer.get_completions(Document(text, len(text)), CompleteEvent())]


def test_field_names_complete(catalog: Catalog):
    assert complete(catalog, "per") == ["person:", "persons:"]
    assert "place:" in complete(catalog, "defence pl")


def test_entity_values_complete_fuzzily_as_phrases(catalog: Catalog):
    assert complete(catalog, "person:yun") == ['"Muhammad Yunus"']  # one entity: "Yunus" is his short name
    assert complete(catalog, "place:turk") == ["Türkiye"]  # accents folded
    assert complete(catalog, 'place:"bay of')[0] == '"Bay of Bengal"'
    assert '"Bangladesh Navy"' in complete(catalog, "org:nvy")  # letters in order


def test_completion_replaces_the_partial_value(catalog: Catalog):
    completer = QueryCompleter(catalog, {})
    [first, *_] = completer.get_completions(Document('defence person:"haluk', 21), CompleteEvent())
    assert first.start_position == -len('"haluk') and first.text == '"Haluk Gorgun"'


def test_operators_and_commands_complete(catalog: Catalog):
    assert complete(catalog, "defence O") == ["OR"]
    assert complete(catalog, "\\lim") == ["\\limit"]
    assert sorted(complete(catalog, "\\format j")) == ["json", "jsonl"]


def test_lexer_marks_fields_operators_phrases_and_errors():
    lexer = QueryLexer()
    line = lexer.lex_document(Document('person:yunus OR "army chief" colour:red (x'))(0)
    styles = {text: style for style, text in line}
    assert styles["person:"] == "class:field"
    assert styles["OR"] == "class:operator"
    assert styles['"army chief"'] == "class:phrase"
    assert styles["colour:"] == "class:error"
    assert styles["("] == "class:error"


def run_session(index_path: Path, keys: str, tmp_path: Path) -> tuple[str, str]:
    env = make_env(tty=True)
    with create_pipe_input() as pipe, SearchIndex.open(index_path) as idx:
        pipe.send_text(keys)
        repl = Repl(idx, env, history_path=tmp_path / "history", input=pipe, output=DummyOutput())
        assert repl.run() == 0
    return env.stdout.getvalue(), env.stderr.getvalue()


def test_session_searches_pages_and_shows_articles(seed_index_path: Path, tmp_path: Path):
    out, err = run_session(seed_index_path,
                           "\\limit 2\rbangladesh\r\\next\r\\show 3\r\\format jsonl\rperson:zaman\r\\quit\r",
                           tmp_path)
    assert err == ""
    assert "2 of 6 paragraphs" in out and "3-4 of 6 paragraphs" in out
    assert "▶" in out  # the article view marks the hit's paragraph
    assert '"paragraph": 6' in out and '"paragraph": 4' in out  # person:zaman, as JSON Lines
    assert (tmp_path / "history").read_text().count("bangladesh") == 1


def test_mistakes_are_reported_and_the_session_goes_on(seed_index_path: Path, tmp_path: Path):
    out, err = run_session(seed_index_path,
                           'AND\r\\bogus\r\\limit zero\r\\show 9\r"army chief\rperson:gorgun\r\x04', tmp_path)
    lines = err.splitlines()
    assert len(lines) == 4 and all(line.startswith("searchidx: error:") for line in lines)
    assert "nothing to search" in lines[0] and "unknown command" in lines[1]
    # a query's warnings come with its results (and through the pager with them)
    assert "warning: the quote at column 1 was not closed; closed it at the end" in out
    assert "5 paragraphs" in out  # the last query still ran; Ctrl-D then quits


def test_ctrl_c_drops_the_line_and_the_console_goes_on(seed_index_path: Path, tmp_path: Path):
    out, _ = run_session(seed_index_path, "person:nobody\x03person:zaman\r\x04", tmp_path)
    assert "2 paragraphs" in out and "nobody" not in out


def test_piped_input_prints_plain_results(seed_index_path: Path):
    env = make_env("person:yunus\n\\format jsonl\nplace:dhaka\n")
    with SearchIndex.open(seed_index_path) as idx:
        assert Repl(idx, env).run() == 0
    out = env.stdout.getvalue()
    assert "\x1b[" not in out and "searchidx>" not in out
    assert "*Yunus*" in out and '"Dhaka"' in out


def test_piped_input_with_a_bad_query_exits_non_zero(seed_index_path: Path):
    env = make_env('AND\nperson:yunus\n')
    with SearchIndex.open(seed_index_path) as idx:
        assert Repl(idx, env).run() == 1
    assert "2 paragraphs" in env.stdout.getvalue()


def test_readme_lists_every_console_command():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for cmd in COMMANDS.values():
        assert f"`{cmd.name}" in readme, cmd.name


def test_every_command_has_help(seed_index_path: Path):
    env = make_env("\\help\n")
    with SearchIndex.open(seed_index_path) as idx:
        Repl(idx, env).run()
    for cmd in COMMANDS.values():
        assert cmd.help and cmd.name in env.stdout.getvalue()


def test_config_file_layers_over_defaults(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('limit = 3\nformat = "vertical"\nkey_bindings = "vi"\nbogus = 1\npager = 5\n'
                    '[colors]\nfield = "ansired"\n', encoding="utf-8")
    config, problems = load_config(path)
    assert (config.limit, config.format, config.key_bindings) == (3, "vertical", "vi")
    assert config.colors["field"] == "ansired" and config.pager == "less -RFX"
    assert len(problems) == 2 and "bogus" in problems[0] and "pager" in problems[1]
    path.write_text("limit = [", encoding="utf-8")
    config, problems = load_config(path)
    assert config.limit == 10 and "cannot read" in problems[0]


def test_explain_and_like_commands(seed_index_path: Path):
    env = make_env("person:zaman\n\\explain\n\\like 1\n\\sort newest\n\\whole on\nnavy\n")
    with SearchIndex.open(seed_index_path) as idx:
        assert Repl(idx, env).run() == 0
    out = env.stdout.getvalue()
    assert "runs as:  person:zaman" in out and "person:zaman" in out
    assert out.count("paragraphs (") >= 2 and "sort newest" in out and "whole paragraphs on" in out
