"""Canonical names: one entity, one name (pure text work, no model needed)."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from searchidx.models import Entity
from searchidx.ner.article import canonical_names, find_missed_people, occurrences, resolve
from searchidx.ner.forms import clean, display_name, is_name, key


def mention(paragraph: str, text: str, field: str = "person", nth: int = 0) -> Entity:
    start = -1
    for _ in range(nth + 1):
        start = paragraph.index(text, start + 1)
    return Entity(text, field, start, start + len(text))


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("Gen. Waker-Uz-Zaman", "person", ("Waker-Uz-Zaman", "Gen.")),
        ("Prime Minister Narendra Modi", "person", ("Narendra Modi", "Prime Minister")),
        ("Mr Smith", "person", ("Smith", "Mr")),
        ("Zaman\u2019s", "person", ("Zaman", "")),
        ("Yunus'", "person", ("Yunus", "")),
        ("the Bay of Bengal", "place", ("Bay of Bengal", "")),
        ("The Netherlands", "place", ("Netherlands", "")),
        ("The Hague", "place", ("The Hague", "")),
        ("The Godfather", "misc", ("The Godfather", "")),
        ("General", "person", ("General", "")),  # a title alone stays a name
    ],
)
def test_clean(text: str, field: str, expected: tuple[str, str]):
    assert clean(text, field) == expected


def test_key_folds_case_accents_and_apostrophes():
    assert key("Türkiye") == key("TURKIYE") == "turkiye"
    assert key("O\u2019Neill") == key("o'neill")


def test_short_mentions_take_the_full_name_written_in_the_article():
    paragraphs = [
        "Haluk Gorgun met Gen. Waker-Uz-Zaman in Dhaka.",
        "Gorgun and Zaman's office agreed; Haluk was pleased.",
    ]
    found = [
        [mention(paragraphs[0], "Haluk Gorgun"), mention(paragraphs[0], "Waker-Uz-Zaman"),
         mention(paragraphs[0], "Dhaka", "place")],
        [mention(paragraphs[1], "Gorgun"), mention(paragraphs[1], "Zaman's"), mention(paragraphs[1], "Haluk")],
    ]
    named = canonical_names(paragraphs, found)
    assert [(m.text, m.name, m.role) for m in named[0]] == [
        ("Haluk Gorgun", "Haluk Gorgun", ""), ("Waker-Uz-Zaman", "Waker-Uz-Zaman", "Gen."), ("Dhaka", "Dhaka", "")]
    assert [m.name for m in named[1]] == ["Haluk Gorgun", "Waker-Uz-Zaman", "Haluk Gorgun"]


def test_a_role_is_the_titles_right_before_a_name():
    paragraph = "He met Mr Major. Mr Blair and Navy chief Admiral Mohammad Nazmul Hassan."
    found = [[mention(paragraph, "Blair"), mention(paragraph, "Mohammad Nazmul Hassan")]]
    assert [m.role for m in canonical_names([paragraph], found)[0]] == ["Mr", "Admiral"]


def test_an_ambiguous_surname_keeps_its_own_name():
    paragraphs = ["John Smith and Jane Smith arrived.", "Smith spoke first."]
    found = [[mention(paragraphs[0], "John Smith"), mention(paragraphs[0], "Jane Smith")],
             [mention(paragraphs[1], "Smith")]]
    assert canonical_names(paragraphs, found)[1][0].name == "Smith"


def test_nested_full_names_resolve_to_the_longest():
    paragraphs = ["Mehmet Haluk Gorgun spoke. Haluk Gorgun smiled. Gorgun left."]
    found = [[mention(paragraphs[0], "Mehmet Haluk Gorgun"), mention(paragraphs[0], "Haluk Gorgun", nth=1),
              mention(paragraphs[0], "Gorgun", nth=2)]]
    assert {m.name for m in canonical_names(paragraphs, found)[0]} == {"Mehmet Haluk Gorgun"}


def test_aliases_give_places_and_groups_their_preferred_name():
    paragraphs = ["Turkey and the U.S. met Turks and Americans in Turkiye."]
    found = [[mention(paragraphs[0], "Turkey", "place"), mention(paragraphs[0], "U.S.", "place"),
              mention(paragraphs[0], "Turks", "group"), mention(paragraphs[0], "Americans", "group"),
              mention(paragraphs[0], "Turkiye", "place")]]
    assert [m.name for m in canonical_names(paragraphs, found)[0]] == [
        "Türkiye", "United States", "Turkish", "American", "Türkiye"]


def test_people_the_model_missed_are_found_by_their_names():
    paragraphs = ["Haluk Gorgun met Yunus.", "Gorgun assured support.", "Gorgun Holdings grew. Gorgun's team left."]
    found = [[mention(paragraphs[0], "Haluk Gorgun"), mention(paragraphs[0], "Yunus")], [], []]
    completed = find_missed_people(paragraphs, found)
    assert [(m.text, m.start) for m in completed[1]] == [("Gorgun", 0)]
    # "Gorgun Holdings" is another name; the possessive one is him
    assert [(m.text, m.start) for m in completed[2]] == [("Gorgun", 22)]
    assert [m.name for m in resolve(paragraphs, found)[1]] == ["Haluk Gorgun"]


def test_missed_people_never_overlap_what_was_found():
    paragraphs = ["Haluk Gorgun met Gorgun Street residents.", "Labour won. Labour lost."]
    found = [[mention(paragraphs[0], "Haluk Gorgun"), mention(paragraphs[0], "Gorgun Street", "place")],
             [mention(paragraphs[1], "Labour")]]  # a one-word "person" is not spread
    assert find_missed_people(paragraphs, found) == found


def test_table_words_are_not_names_and_capitals_are_not_shown():
    assert not is_name("cts") and not is_name("Avg") and not is_name("Revs") and not is_name("X.")
    assert is_name("OPEC") and is_name("Reagan")
    assert display_name({"TOKYO": 9, "Tokyo": 3}) == "Tokyo"
    assert display_name({"OPEC": 5}) == "OPEC"
    paragraph = "Shr 1.20 dlrs vs 1.10 dlrs; Revs 12 mln, 5 cts."
    found = [[mention(paragraph, "Revs", "org"), mention(paragraph, "cts", "org")]]
    assert resolve([paragraph], found) == [[]]


@pytest.mark.parametrize(("written", "field", "standard"), [
    ("Organization of Petroleum Exporting Countries", "org", "OPEC"),
    ("Opec", "org", "OPEC"),
    ("Securities and Exchange Commission", "org", "SEC"),
    ("World Health Organisation", "org", "WHO"),
    ("European Economic Community", "org", "European Community"),
    ("EC", "org", "European Community"),
    ("Calif.", "place", "California"),
    ("N.J.", "place", "New Jersey"),
    ("Lib Dems", "org", "Liberal Democrats"),
])
def test_standard_forms_make_one_name_of_abbreviations_and_full_names(written, field, standard):
    paragraph = f"On Monday {written} said so."
    [[named]] = canonical_names([paragraph], [[mention(paragraph, written, field)]])
    assert named.name == standard


def test_a_query_for_one_standard_form_finds_the_others():
    from searchidx import variants

    table = variants.aliases()
    assert "Organization of Petroleum Exporting Countries" in table.names("opec", any_case=True)
    assert "OPEC" in table.names("Organization of Petroleum Exporting Countries")
    assert "N.J." in table.names("New Jersey")
    assert table.names("who") == []  # the word, unless a field is named: three letters count only in capitals


_LETTERS = st.sampled_from(["Al", "Bo", "al", "-", "'", "\u2019", " ", "_", "é", "1", ".", "Al Bo", "Bo-Al"])


@given(text=st.lists(_LETTERS, max_size=30).map("".join), names=st.sets(st.lists(_LETTERS, min_size=1, max_size=3)
                                                                       .map("".join), min_size=1, max_size=5),
       not_before=st.sampled_from(["'-", "'\u2019-"]))
@example(text="Al Bo met Al-Bo and Al", names={"Al", "Al Bo", "Bo"}, not_before="'-")
def test_names_are_found_where_a_regular_expression_of_them_finds_them(text: str, names: set[str],
                                                                       not_before: str) -> None:
    """The rules find an article's names without compiling an expression for each
    article: the same places as the expression, longest name first, would find."""
    pattern = re.compile(r"(?<![\w" + re.escape(not_before) + r"])(?:"
                         + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?![\w-])")
    assert occurrences(text, names, not_before) == [match.span() for match in pattern.finditer(text)]
