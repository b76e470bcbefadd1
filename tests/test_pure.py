"""Direct tests of the pure modules, with no index and no model: the query language's
scanner and repairs, other names and spellings, dates, fragments, and the formatters."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from searchidx import syntax, variants
from searchidx.dates import parse_date
from searchidx.entities import EntityCount
from searchidx.formatters import (
    FORMATS,
    describe_check,
    describe_report,
    summary_line,
    wrap_fragment,
    write_entity_list,
    write_results,
    write_stats,
)
from searchidx.models import Hit, SearchResults
from searchidx.reports import IndexCheck, IndexingReport, IndexStats
from searchidx.snippets import ELLIPSIS, MARK_END, MARK_START, best_fragment

# -- syntax ---------------------------------------------------------------------------------


def kinds(query: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in syntax.tokenize(query) if t.kind != "space"]


def test_tokens_cover_the_query_and_name_their_kind():
    query = 'person:"Haluk Gorgun" AND (navy OR -place:dhaka) [a TO b] "army chief"~2 turk*'
    assert "".join(t.text for t in syntax.tokenize(query)) == query
    assert kinds(query) == [("field", "person:"), ("phrase", '"Haluk Gorgun"'), ("operator", "AND"), ("paren", "("),
                            ("word", "navy"), ("operator", "OR"), ("field", "-place:"), ("word", "dhaka"),
                            ("paren", ")"), ("range", "[a TO b]"), ("phrase", '"army chief"~2'), ("word", "turk*")]


def test_mistakes_are_error_tokens():
    assert kinds('colour:red "open (x') == [("error", "colour:"), ("word", "red"), ("error", '"open (x')]
    assert kinds("a ) b") == [("word", "a"), ("error", ")"), ("word", "b")]
    assert kinds("(a b") == [("error", "("), ("word", "a"), ("word", "b")]
    assert kinds("x published:[1987 TO") == [("word", "x"), ("field", "published:"), ("error", "[1987 TO")]


@pytest.mark.parametrize(("query", "repaired", "warnings"), [
    ("defence", "defence", 0),
    ('"defence cooperation', '"defence cooperation"', 1),
    ("defence AND", "defence ", 1),
    ("OR navy", " navy", 1),
    ("colour:red navy", "red navy", 1),
    ("(navy", "navy", 1),
    ("1987~", "1987", 1),
    ('" lone', '" lone"', 1),
    ("published:[1987 TO", "published: 1987 TO", 1),
    ("x [a TO b] y [c {d", "x [a TO b] y  c  d", 1),
])
def test_repairs_make_the_smallest_change_and_say_it(query: str, repaired: str, warnings: int):
    text, found = syntax.repair(query)
    assert text == repaired
    assert len(found) == warnings
    assert syntax.problems(query) == found


def test_field_names_take_any_case_and_aliases():
    assert syntax.field_name("People") == "person"
    assert syntax.field_name("orgs") == "org"
    assert syntax.field_name("colour") is None
    assert syntax.normalize("-Places:dhaka PEOPLE:yunus") == "-place:dhaka person:yunus"


def test_ranges_are_removed_with_their_field():
    assert syntax.without_ranges("navy published:[2020 TO 2021] dhaka") == "navy  dhaka"


@pytest.mark.parametrize(("text", "expected"), [
    ('person:"Haluk Gorgun" defence', ("person", "Haluk Gorgun", "defence")),
    ("place:turkey", ("place", "turkey", "")),
    ("turkey", ("", "", "turkey")),
])
def test_entity_references(text: str, expected: tuple[str, str, str]):
    assert syntax.entity_reference(text) == expected


# -- variants -------------------------------------------------------------------------------


def test_fold_ignores_case_accents_and_spacing():
    assert variants.fold("  Türkiye\tÇay ") == "turkiye cay"


@pytest.mark.parametrize(("word", "expected"), [
    ("defence", ["defense"]), ("colour", ["color"]), ("organise", ["organize"]), ("centre", ["center"]),
    ("cat", []), ("1987", []),
])
def test_british_and_american_spellings(word: str, expected: list[str]):
    assert variants.spellings(word) == expected


def test_alias_table_groups_and_demonyms():
    table = variants.parse_aliases("# comment\nTürkiye | Turkey | Turkiye\tTurkish | Turks\nUnited States | US\n")
    assert table.names("turkey") == ["Türkiye", "Turkey", "Turkiye"]
    assert table.names("us") == []  # a short name counts only in capitals...
    assert table.names("US") == ["United States", "US"]
    assert table.names("us", any_case=True) == ["United States", "US"]  # ...unless given to a field
    assert table.place_of("Turks") == ["Türkiye", "Turkey", "Turkiye"]
    assert table.demonyms_of("Turkey") == ["Turkish", "Turks"]
    assert table.names("Atlantis") == []


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1987-03-02", dt.datetime(1987, 3, 2)),
    ("1987-03-02T10:20:30Z", dt.datetime(1987, 3, 2)),
    ("2024-05-01 23:59:59+02:00", dt.datetime(2024, 5, 1)),
    ("31-MAR-1987 605:12:19.12", None),
    ("", None),
    ("yesterday", None),
])
def test_publication_dates_are_days(text: str, expected: dt.datetime | None):
    assert parse_date(text) == expected


# -- snippets -------------------------------------------------------------------------------


def test_a_short_text_is_marked_whole():
    assert best_fragment("Navy chiefs met.", [(0, 4)]) == f"{MARK_START}Navy{MARK_END} chiefs met."


def test_a_long_text_shows_the_window_with_most_matches():
    text = "Filler words here. " * 30 + "The navy and the army met. " + "More filler. " * 30
    start = text.index("navy")
    army = text.index("army")
    fragment = best_fragment(text, [(start, start + 4), (army, army + 4)], maxchars=80)
    assert fragment.startswith(ELLIPSIS) and fragment.endswith(ELLIPSIS)
    assert f"{MARK_START}navy{MARK_END}" in fragment and f"{MARK_START}army{MARK_END}" in fragment
    assert len(fragment.replace(MARK_START, "").replace(MARK_END, "")) <= 80 + 2


# -- formatters -----------------------------------------------------------------------------

HIT = Hit(rank=1, article="a/1", paragraph=2, score=1.5, text="The navy met in Dhaka.", title="Talks",
          published="2024-05-01", entities={"place": ["Dhaka"]}, highlights="The <em>navy</em> met in Dhaka.")
RESULTS = SearchResults(query="navy", hits=[HIT], total=7, seconds=0.012, offset=3,
                        facets={"place": [("Dhaka", 4)], "person": []})


def test_every_result_format_is_written():
    outputs = {}
    for fmt in FORMATS["results"]:
        out = io.StringIO()
        write_results(RESULTS, out, fmt)
        outputs[fmt] = out.getvalue()
    assert outputs["table"].splitlines()[0] == "  1  a/1 ¶2  “Talks”  2024-05-01"
    assert "     The *navy* met in Dhaka." in outputs["table"]
    assert "4-4 of 7 paragraphs (12 ms)" in outputs["table"] and "place:   Dhaka 4" in outputs["table"]
    assert "text       | The *navy* met in Dhaka." in outputs["vertical"]
    assert json.loads(outputs["jsonl"]) == HIT.to_dict()
    assert json.loads(outputs["json"])["total"] == 7
    assert outputs["csv"].splitlines()[1].startswith("1,a/1,2,Talks,2024-05-01,1.5,,,Dhaka,")


def test_colour_only_when_asked():
    assert wrap_fragment("a <em>b</em> c", 80, color=False) == ["a *b* c"]
    assert wrap_fragment("a <em>b</em> c", 80, color=True) == ["a \x1b[1;33mb\x1b[0m c"]
    assert wrap_fragment("one two three", 7, color=False) == ["one two", "three"]


@pytest.mark.parametrize(("total", "offset", "shown", "expected"), [
    (1, 0, 1, "1 paragraph (5 ms)"), (7, 0, 7, "7 paragraphs (5 ms)"), (7, 0, 3, "3 of 7 paragraphs (5 ms)"),
    (7, 3, 3, "4-6 of 7 paragraphs (5 ms)"),
])
def test_summary_line(total: int, offset: int, shown: int, expected: str):
    results = SearchResults(query="q", hits=[HIT] * shown, total=total, seconds=0.005, offset=offset)
    assert summary_line(results) == expected


def test_reports_and_statistics_read_the_same_everywhere():
    report = IndexingReport(articles_added=2, articles_unchanged=1, paragraphs_written=9, skipped=1)
    assert describe_report(report, 1.25, "idx") == (
        "indexed 9 paragraphs into idx in 1.2 s (articles: 2 new, 0 updated, 1 unchanged); 1 skipped "
        "(see warnings above)")
    assert describe_check(IndexCheck("idx", [], 3, 10)) == ["idx is sound: 10 paragraphs read, 3 files match "
                                                            "their digests"]
    assert describe_check(IndexCheck("idx", ["x is missing"], 0, 0))[-1].startswith("idx is damaged; rebuild")
    stats = IndexStats("idx", 2, 10, {"person": 1200}, 2_500_000, "m", 3)
    out = io.StringIO()
    write_stats(stats, out)
    assert out.getvalue().splitlines() == ["index          idx", "articles       2", "paragraphs     10",
                                           "person names   1,200", "size           2.5 MB", "model          m",
                                           "schema         3"]


def test_entity_lists():
    entities = [EntityCount("person", "Haluk Gorgun", 5, 1), EntityCount("person", "Yunus", 2, 1)]
    out = io.StringIO()
    write_entity_list(entities, out, "csv")
    assert out.getvalue().splitlines() == ["field,name,paragraphs,articles", "person,Haluk Gorgun,5,1",
                                           "person,Yunus,2,1"]
    out = io.StringIO()
    write_entity_list(entities, out)
    assert out.getvalue().splitlines()[-1] == "2 names"
