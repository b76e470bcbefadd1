"""Entity browsing on the seed article: canonical names, entity lists and pages, from the
API, the CLI and the console."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEED_ID
from test_cli import run
from test_repl import catalog, complete, make_env  # noqa: F401  (catalog is a fixture)

from searchidx import EntityNotFoundError, InputError, SearchIndex
from searchidx.cli import ExitStatus
from searchidx.console import Repl

#: Every person, place and organisation of the seed article under its canonical name, per paragraph.
SEED_ENTITIES = {
    2: {"person": {"Haluk Gorgun", "Muhammad Yunus"}, "place": {"Bangladesh"}},
    3: {"person": {"Haluk Gorgun", "Muhammad Yunus"}, "org": {"State Guest House"}, "place": {"Dhaka"}},
    4: {"person": {"Haluk Gorgun", "Waker-Uz-Zaman", "Mohammad Nazmul Hassan"}, "org": {"Bangladesh Navy"},
        "place": {"Bangladesh"}},
    6: {"person": {"Haluk Gorgun", "Waker-Uz-Zaman"}, "place": {"Bangladesh"}},
    7: {"place": {"Bangladesh", "Türkiye"}},
    12: {"place": {"Türkiye"}},
}


@pytest.mark.parametrize("paragraph", sorted(SEED_ENTITIES))
def test_seed_paragraphs_carry_canonical_names(seed_index: SearchIndex, paragraph: int):
    [hit] = seed_index.search(f"article:{SEED_ID} paragraph:{paragraph}").hits
    for field, expected in SEED_ENTITIES[paragraph].items():
        assert expected <= set(hit.entities.get(field, [])), (field, hit.entities)
    assert "Gorgun" not in hit.entities.get("person", []) and "Zaman" not in hit.entities.get("person", [])


def test_facets_count_each_person_once(seed_index: SearchIndex):
    results = seed_index.search("defence OR gorgun OR yunus", facets=10, limit=1)
    people = dict(results.facets["person"])
    assert people["Haluk Gorgun"] == 5 and "Gorgun" not in people and "Zaman" not in people


def test_written_and_canonical_names_both_match(seed_index: SearchIndex):
    written_only = {h.paragraph for h in seed_index.search('person:"haluk gorgun"', limit=None)}
    assert 6 in written_only  # ¶6 writes only "Gorgun"
    [hit] = [h for h in seed_index.search('person:"haluk gorgun"', limit=None) if h.paragraph == 6]
    assert hit.highlights.startswith("<em>Gorgun</em> assured")
    assert {h.paragraph for h in seed_index.search("place:turkey", limit=None)} == {1, 7, 10, 12, 13}


def test_entity_list_counts_paragraphs_and_articles(seed_index: SearchIndex):
    people = seed_index.entities("person")
    assert (people[0].name, people[0].paragraphs, people[0].articles) == ("Haluk Gorgun", 5, 1)
    assert [p.paragraphs for p in people] == sorted((p.paragraphs for p in people), reverse=True)
    assert [e.name for e in seed_index.entities("people", prefix="YUN")] == ["Muhammad Yunus"]
    assert [e.name for e in seed_index.entities("place", prefix="tur")] == ["Türkiye"]
    assert len(seed_index.entities("person", limit=2)) == 2
    with pytest.raises(InputError):
        seed_index.entities("colour")


def test_entity_page(seed_index: SearchIndex):
    page = seed_index.entity("person", "gorgun")
    assert page.name == "Haluk Gorgun" and (page.paragraphs, page.articles) == (5, 1)
    assert {(n.name, n.count) for n in page.written} == {("Gorgun", 4), ("Haluk Gorgun", 1)}
    assert page.mentions[0].article == SEED_ID and page.mentions[0].paragraphs == [2, 3, 4, 6, 10]
    assert [h.paragraph for h in page.hits] == [2, 3, 4, 6, 10] and "<em>Gorgun</em>" in page.hits[1].highlights
    related = {(r.field, r.name): r.paragraphs for r in page.related}
    assert related[("place", "Bangladesh")] == 3 and related[("person", "Waker-Uz-Zaman")] == 2
    assert [(r.field, r.name) for r in page.related][0] == ("place", "Bangladesh")
    json.dumps(page.to_dict())


def test_entity_page_by_alias_role_and_within_a_query(seed_index: SearchIndex):
    assert seed_index.entity("place", "Turkey").name == "Türkiye"
    assert seed_index.entity("place", "TURKIYE").paragraphs == 5
    zaman = seed_index.entity("person", "Zaman")
    assert zaman.name == "Waker-Uz-Zaman" and [r.name for r in zaman.roles] == ["Gen."]
    assert seed_index.entity("person", "Nazmul Hassan").roles[0].name == "Admiral"
    navy = seed_index.entity("person", "Haluk Gorgun", query="navy")
    assert navy.paragraphs == 1 and navy.hits[0].paragraph == 4 and navy.query == "navy"
    with pytest.raises(EntityNotFoundError):
        seed_index.entity("person", "Nobody Atall")


def test_cli_entities_and_entity(seed_index_path: Path):
    index = ("--index", str(seed_index_path))
    code, out, _ = run("entities", "person", *index)
    assert code == ExitStatus.OK and out.splitlines()[1].split() == ["Haluk", "Gorgun", "5", "1"]
    code, out, _ = run("entities", "place", "--prefix", "ban", "-f", "jsonl", *index)
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["Bangladesh"]
    code, out, _ = run("entity", "person:Haluk Gorgun", "--query", "navy", *index)
    assert code == ExitStatus.OK and out.startswith("person: Haluk Gorgun  1 paragraph matching 'navy'")
    assert "org:Bangladesh Navy" in out
    code, out, _ = run("entity", "place:turkey", "-f", "json", *index)
    assert json.loads(out)["name"] == "Türkiye"
    code, _, err = run("entity", "person:nobody", *index)
    assert code == ExitStatus.ERROR and err == "searchidx: error: no person named 'nobody' in the index\n"
    code, _, err = run("entity", "gorgun", *index)
    assert code == ExitStatus.USAGE and "FIELD:NAME" in err
    code, _, err = run("entities", "colour", *index)
    assert code == ExitStatus.ERROR and "not an entity field" in err and "\n" == err[-1] and err.count("\n") == 1


def test_console_entities_and_entity(seed_index: SearchIndex):
    env = make_env('\\entities person yu\n\\entity person:"Haluk Gorgun" navy\n\\entity person\n')
    repl = Repl(seed_index, env)
    assert repl.run() == 1  # the last line is a mistake
    out = env.stdout.getvalue()
    assert "Muhammad Yunus" in out and "Haluk Gorgun  1 paragraph matching 'navy'" in out
    assert "\\entity needs FIELD:NAME" in env.stderr.getvalue()


def test_console_completes_entity_arguments(catalog):  # noqa: F811
    assert '"Haluk Gorgun"' in complete(catalog, "\\entity person:hal")
    assert complete(catalog, "\\entities pl") == ["place"]


def test_old_default_index_is_rebuilt_by_the_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from searchidx import cli

    index = tmp_path / "index"
    with SearchIndex.create(index) as idx:
        version = idx.stats().schema_version
    meta = index / "searchidx.json"
    meta.write_text(meta.read_text().replace(f'"schema_version": {version}', '"schema_version": 2'))
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    monkeypatch.setattr(cli, "default_index_path", lambda given=None: index)
    env = make_env("person:gorgun\n")
    assert cli.main(["repl"], env) == 0
    assert "built by another version" in env.stderr.getvalue() and "5 paragraphs" in env.stdout.getvalue()
