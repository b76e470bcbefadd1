"""The command line the way people's habits expect (issue 17): names typed wrong get
suggestions, did-you-mean where people read, aliases that do not widen wrongly, facets of
real matches only, warnings instead of silent wrong orders, joined words, ``-n 0`` and
``search -``."""

from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import run_cli

from searchidx import SearchIndex
from searchidx.cli import Env, main


def search(index: Path, *argv: str) -> tuple[int, str, str]:
    return run_cli("search", *argv, "--index", str(index))


def test_a_misspelt_quoted_name_gets_the_nearest_name_on_stdout(seed_index_path: Path):
    code, out, err = search(seed_index_path, 'person:"haluk gorgn"')
    assert code == 0 and out.startswith('did you mean: person:"Haluk Gorgun"\n') and "did you mean" not in err
    code, out, _ = search(seed_index_path, 'person:"muhamad yunus"', "-f", "vertical")
    assert out.startswith('did you mean: person:"Muhammad Yunus"\n')


def test_did_you_mean_is_a_field_of_the_json_formats_and_on_stderr_beside_them(seed_index_path: Path):
    _, out, err = search(seed_index_path, 'person:"haluk gorgn"', "-f", "json")
    assert json.loads(out)["suggestion"] == 'person:"Haluk Gorgun"' and "did you mean" in err
    _, out, err = search(seed_index_path, "gorgn navy", "-f", "jsonl")  # relaxed: some hits
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines and all(line["suggestion"] == "gorgun navy" for line in lines)
    _, out, err = search(seed_index_path, "gorgn", "-f", "csv")
    assert "did you mean: gorgun" in err and "did you mean" not in out


def test_an_unknown_entity_name_suggests_the_nearest(seed_index_path: Path):
    code, out, err = run_cli("entity", "person:Haluk Gorgn", "--index", str(seed_index_path))
    assert code == 1 and "no person named 'Haluk Gorgn'" in err and "did you mean Haluk Gorgun?" in err


def test_an_alias_does_not_widen_to_a_word_of_a_longer_name(seed_index_path: Path):
    code, out, _ = run_cli("explain", 'place:"united states"', "--index", str(seed_index_path))
    assert code == 0 and "place:america" not in out and 'place:"united states of america"' in out
    _, out, _ = run_cli("explain", "place:usa", "--index", str(seed_index_path))
    assert "place:america" not in out and 'place:"united states"' in out
    _, out, _ = run_cli("explain", "place:turkey", "--index", str(seed_index_path))
    assert "place:turkiye" in out  # one-word aliases that are no part of a longer name still widen


def test_facets_count_only_paragraphs_holding_every_word(seed_index_path: Path):
    # one paragraph holds both words; the fallback lists nine more holding one of them
    code, out, _ = search(seed_index_path, "defence tuesday", "--facets", "5", "-f", "json")
    document = json.loads(out)
    assert document["total"] > 1
    counts = [count["count"] for values in document["facets"].values() for count in values]
    assert counts and max(counts) == 1


def test_a_date_order_without_dates_warns(seed_index_path: Path):
    code, _, err = search(seed_index_path, "defence", "--sort", "newest")
    assert code == 0 and "no matching paragraph has a publication date" in err


def test_an_unreadable_published_date_warns(seed_index_path: Path):
    code, _, err = search(seed_index_path, 'defence published:"march 1987"')
    assert code == 0 and 'published:"march 1987" is no date that can be searched' in err
    code, _, err = search(seed_index_path, "published:march")
    assert code == 2 and "published:1987-03" in err


def test_the_words_of_a_query_may_be_separate_arguments(seed_index_path: Path):
    code, out, err = search(seed_index_path, "haluk", "gorgun", "navy")
    assert code == 0 and "unrecognized" not in err and out.startswith("  1  000_e51cdd4034850a5f ¶4")


def test_limit_0_prints_only_the_count(seed_index_path: Path):
    code, out, _ = search(seed_index_path, "defence", "-n", "0")
    assert code == 0 and out.startswith("10 paragraphs (") and "¶" not in out
    _, out, _ = search(seed_index_path, "defence", "-n", "0", "-f", "json")
    assert json.loads(out)["total"] == 10 and json.loads(out)["hits"] == []


def run_with_stdin(stdin: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Env(stdin=io.StringIO(stdin), stdout=out, stderr=err, stdout_isatty=False, stderr_isatty=False)
    return main(list(argv), env), out.getvalue(), err.getvalue()


def test_search_dash_reads_queries_from_stdin(seed_index_path: Path):
    code, out, err = run_with_stdin("person:gorgun\n\nplace:dhaka\n", "search", "-", "--index", str(seed_index_path),
                                    "-f", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and {line["query"] for line in lines} == {"person:gorgun", "place:dhaka"}
    code, out, err = run_with_stdin("place:dhaka\nAND\nperson:yunus\n", "search", "-", "--index",
                                    str(seed_index_path))
    assert code == 2 and "bad query 'AND'" in err
    assert "== place:dhaka" in out and "== person:yunus" in out
    code, out, _ = run_with_stdin("place:dhaka\nperson:yunus\n", "search", "-", "--index", str(seed_index_path),
                                  "-f", "csv")
    assert out.count("query,rank,") == 1 and out.count("\nperson:yunus,") == 2


def test_completion_forgives_typos_after_the_prefix_matches(seed_index_path: Path):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from searchidx.console.completion import Catalog, QueryCompleter

    with SearchIndex.open(seed_index_path) as idx:
        completer = QueryCompleter(Catalog.from_index(idx), {})

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text, len(text)), CompleteEvent())]

    assert complete("person:gorgn") == ['"Haluk Gorgun"']
    assert complete('person:"muhamad yu') == ['"Muhammad Yunus"']
    assert complete("person:gor")[0] == '"Haluk Gorgun"'  # the prefix still comes first


def test_a_corpus_readme_is_no_article(tmp_path: Path):
    from searchidx.articles import find_sources

    (tmp_path / "corpus" / "sport").mkdir(parents=True)
    (tmp_path / "corpus" / "README.TXT").write_text("About this corpus\n\nLicensed for research.\n")
    (tmp_path / "corpus" / "sport" / "001.txt").write_text("Headline\n\nText.\n")
    (tmp_path / "corpus" / "LICENSE.md").write_text("Terms.\n")
    warnings: list[str] = []
    found = find_sources([tmp_path / "corpus"], warnings.append)
    assert [source.article_id() for source in found] == ["sport/001"]
    assert len(warnings) == 2 and all("not an article" in w and "(skipped)" in w for w in warnings)
    assert len(find_sources([tmp_path / "corpus" / "README.TXT"])) == 1  # given by name, it is read


def shell_complete(line: str, index: Path) -> list[str]:
    """What the shell's Tab offers after ``line``: argcomplete's protocol, as bash runs it."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COMP_LINE": line, "COMP_POINT": str(len(line)), "_ARGCOMPLETE": "1",
           "_ARGCOMPLETE_IFS": "\n", "SEARCHIDX_INDEX": str(index)}
    done = subprocess.run(["bash", "-c", f'"{sys.executable}" -m searchidx 8>&1 9>/dev/null'], env=env,
                          capture_output=True, text=True, timeout=60)
    return [c.strip() for c in done.stdout.split("\n") if c.strip()]


def test_shell_completion_of_commands_options_fields_and_names(seed_index_path: Path):
    assert shell_complete("searchidx sea", seed_index_path) == ["search"]
    assert shell_complete("searchidx search --so", seed_index_path) == ["--sort"]
    assert "person:" in shell_complete("searchidx search defence pe", seed_index_path)
    assert shell_complete("searchidx search person:hal", seed_index_path) == ['person:\\"Haluk\\ Gorgun\\"']
    assert shell_complete("searchidx entity pl", seed_index_path) == ["place:"]


def test_completion_scripts_for_bash_zsh_and_fish():
    for shell in ("bash", "zsh", "fish"):
        code, out, _ = run_cli("completion", shell)
        assert code == 0 and "searchidx" in out and "_ARGCOMPLETE" in out
    code, out, _ = run_cli("completion", "bash")
    import subprocess

    done = subprocess.run(["bash", "-c", f"{out}\ncomplete -p searchidx"], capture_output=True, text=True)
    assert "-F _python_argcomplete searchidx" in done.stdout
