"""Types and names decided by the whole corpus: the evidence rules (pure), and the index
settling its paragraphs to them (mentions written by hand, so no model is needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.reading import IndexReader

from searchidx import SearchIndex
from searchidx.engine.schema import CATALOGUE_FILE, JOINED_FILE
from searchidx.indexing import fingerprint
from searchidx.models import Article, Entity
from searchidx.ner import corpus
from searchidx.ner.corpus import Catalogue, is_abbreviation


def mentions_of(text: str, *names: tuple[str, str], role: str = "") -> list[Entity]:
    """Mentions of each (name, field) at its first place in ``text``."""
    found = []
    for name, field in names:
        start = text.index(name)
        found.append(Entity(name, field, start, start + len(name), name, role))
    return found


def decide(*paragraphs: tuple[str, list[Entity]]) -> dict[str, corpus.Decision]:
    return corpus.gather(paragraphs).decide()


# -- the evidence rules -------------------------------------------------------------------


def test_a_name_written_after_the_is_no_persons_name():
    texts = ["Bayern lead the Bundesliga.", "The Bundesliga title race.", "Bundesliga clubs agreed."]
    decisions = decide(*[(t, mentions_of(t, ("Bundesliga", "person"))) for t in texts[:2]],
                       (texts[2], mentions_of(texts[2], ("Bundesliga", "org"))))
    assert decisions["bundesliga"].field == "org"


def test_a_persons_surname_stays_a_person_after_the():
    texts = ["James Baker said.", "James Baker left.", "The Baker plan.", "The Baker team.", "Baker said."]
    paragraphs = [(t, mentions_of(t, ("James Baker", "person"))) for t in texts[:2]]
    paragraphs += [(t, mentions_of(t, ("Baker", "person"))) for t in texts[2:]]
    assert decide(*paragraphs)["baker"].field == "person"


def test_a_name_at_the_head_of_companies_names_is_the_companys():
    """"Crazy Eddie Inc" in some paragraphs and "Crazy Eddie" voted a person in others: the
    corpus writes the name at the head of a company's name, so it is an organisation's."""
    companies = [f"Crazy Eddie Inc said sales rose {i} pct." for i in range(3)]
    people = [f"Crazy Eddie said it would cut {i} jobs." for i in range(4)]
    decisions = decide(*[(t, mentions_of(t, ("Crazy Eddie Inc", "org"))) for t in companies],
                       *[(t, mentions_of(t, ("Crazy Eddie", "person"))) for t in people])
    assert decisions["crazy eddie"].field == "org"
    # ... unless the corpus names more people with it as their surname than companies
    people = [f"John C. Emery said so on day {i}." for i in range(4)] + ["Emery said.", "Emery left.", "Emery won."]
    decisions = decide(*[(t.replace("Crazy Eddie", "Emery Air Freight"),
                          mentions_of(t.replace("Crazy Eddie", "Emery Air Freight"), ("Emery Air Freight Inc", "org")))
                         for t in companies],
                       *[(t, mentions_of(t, ("John C. Emery" if "John" in t else "Emery", "person"))) for t in people])
    assert decisions["emery"].field == "person"
    # ... or a place's name mostly (the Gulf, Gulf Oil Corp)
    places = [f"Tankers in the Gulf, day {i}." for i in range(6)]
    decisions = decide(*[(t.replace("Crazy Eddie", "Gulf Oil"), mentions_of(t.replace("Crazy Eddie", "Gulf Oil"),
                                                                             ("Gulf Oil Inc", "org")))
                         for t in companies],
                       *[(t, mentions_of(t, ("Gulf", "place"))) for t in places],
                       ("Gulf said.", mentions_of("Gulf said.", ("Gulf", "person"))))
    assert decisions["gulf"].field == "place"


def test_a_towns_name_written_as_a_teams_is_the_clubs_and_a_countrys_stays_a_place():
    """The gazetteer calls Liverpool and England places; the corpus writes both as teams'
    ("Liverpool striker", "beat England"): the town's is the club, the country's team is a
    national team, still a place. A name voted a person's ("Blackburn boss") is the club's
    too, but "beat Roddick" makes no player a club."""
    town = ["Liverpool striker Milan Baros scored.", "Chelsea beat Liverpool on Sunday.",
            "Liverpool fans were happy.", "Fog in Liverpool today.", "Liverpool docks closed."]
    country = ["England captain Martin Johnson.", "Wales beat England in Cardiff.",
               "England coach Andy Robinson.", "Rain in England.", "England exports rose."]
    voted = ["Blackburn boss Mark Hughes.", "Blackburn fans left.", "Blackburn manager Hughes.",
             "Blackburn scored.", "Blackburn won.", "Blackburn lost."]
    player = ["Federer beat Roddick again.", "He beat Roddick in Miami.", "Fish beat Roddick.", "Roddick won."]
    decisions = decide(*[(t, mentions_of(t, ("Liverpool", "place"))) for t in town],
                       *[(t, mentions_of(t, ("England", "place"))) for t in country],
                       *[(t, mentions_of(t, ("Blackburn", "person"))) for t in voted],
                       *[(t, mentions_of(t, ("Roddick", "person"))) for t in player])
    assert decisions["liverpool"].field == "org"
    assert decisions["england"].field == "place"
    assert decisions["blackburn"].field == "org"
    assert decisions["roddick"].field == "person"
    # ... and team sheets: a name in brackets after a player's, voted a person's
    sheets = [f"P Vickery (Gloucester) and J Forrester ({i})." for i in range(3)]
    decisions = decide(*[(t, mentions_of(t, ("P Vickery", "person"), ("Gloucester", "person"))) for t in sheets],
                       *[("Gloucester won.", mentions_of("Gloucester won.", ("Gloucester", "person")))] * 4)
    assert decisions["gloucester"].field == "org" and decisions["p vickery"].field == "person"
    # ... and once in a while is not enough: one team's word in five mentions of twelve
    quiet = town + [f"Liverpool, day {i}." for i in range(7)]
    assert decide(*[(t, mentions_of(t, ("Liverpool", "place"))) for t in quiet[1:]])["liverpool"].field == "place"


def test_a_name_written_as_a_works_title_is_misc():
    """The model files films as people or organisations; a name the corpus writes after
    "film", "comedy", "drama" ... often enough is a work's title. A person now and then
    after such a word ("a Scorsese film" is no cue: the word comes after) stays a person."""
    film = ["The comedy Sideways won.", "Quirky comedy Sideways leads.", "British film 'Sideways' opened.",
            "Sideways was praised.", "Sideways star Paul Giamatti.", "Giamatti in Sideways.",
            "Sideways is up.", "Sideways again."]
    person = ["The film Scorsese made.", "Martin Scorsese said."] + [f"Scorsese said {i}." for i in range(8)]
    decisions = decide(*[(t, mentions_of(t, ("Sideways", "org" if i % 2 else "person"))) for i, t in enumerate(film)],
                       *[(t, mentions_of(t, ("Scorsese", "person"))) for t in person])
    assert decisions["sideways"].field == "misc"
    assert decisions["scorsese"].field == "person"
    # ... and two such mentions are not enough
    assert decide(*[(t, mentions_of(t, ("Sideways", "org"))) for t in film[1:]])["sideways"].field == "org"


def test_an_organisation_mostly_written_as_half_of_a_name_joined_by_and_is_that_name():
    """The model cuts "Cable and Wireless Plc" in two at "and"; where a one-word
    organisation is mostly written so, both halves are the one company. Two companies
    named side by side now and then stay apart."""
    texts = [f"Cable and Wireless Plc bid {i} dlrs." for i in range(3)] + ["Cable said."]
    texts += [f"Exxon and Mobil Corp, day {i}." for i in range(2)] + [f"Exxon said {i}." for i in range(3)]
    decisions = decide(*[(t, mentions_of(t, ("Cable", "org"), ("Wireless Plc", "org"))) for t in texts[:3]],
                       (texts[3], mentions_of(texts[3], ("Cable", "org"))),
                       *[(t, mentions_of(t, ("Exxon", "org"), ("Mobil Corp", "org"))) for t in texts[4:6]],
                       *[(t, mentions_of(t, ("Exxon", "org"))) for t in texts[6:]])
    assert decisions["cable"].name == decisions["wireless plc"].name == "Cable and Wireless"
    assert decisions["exxon"].name == "Exxon"


def test_a_clipped_name_written_beside_the_full_one_in_articles_is_that_entity():
    """"Man Utd" is "Manchester United" where two articles write both; "Costa Ltd" and
    "Costain Ltd", which no article writes together, stay apart, as does a clipped name
    that two full names could stand for."""
    catalogue = Catalogue()
    for article in ("a1", "a2"):
        text = "Manchester United beat Man Utd fans."
        catalogue.observe(text, mentions_of(text, ("Manchester United", "org"), ("Man Utd", "org")), article)
    for article, name in (("b1", "Costa Ltd"), ("b2", "Costain Ltd"), ("b3", "Costa Ltd"), ("b4", "Costain Ltd")):
        catalogue.observe(f"{name} rose.", mentions_of(f"{name} rose.", (name, "org")), article)
    for article in ("c1", "c2"):
        text = "Gen Motors, General Motors and Genuine Motors met."
        catalogue.observe(text, mentions_of(text, ("Gen Motors", "org"), ("General Motors", "org"),
                                            ("Genuine Motors", "org")), article)
    decisions = catalogue.decide()
    assert decisions["man utd"].name == decisions["manchester united"].name == "Manchester United"
    assert decisions["costa ltd"].name == "Costa Ltd" and decisions["costain ltd"].name == "Costain Ltd"
    assert decisions["gen motors"].name == "Gen Motors"
    assert corpus._clips("man utd", "manchester united") and not corpus._clips("man utd", "man united fc")


def test_a_titled_name_stays_a_person():
    texts = ["The Oscar nominations.", "Mr Oscar said.", "An Oscar for her.", "Oscar spoke."]
    paragraphs = [(t, mentions_of(t, ("Oscar", "person"), role="Mr" if "Mr" in t else "")) for t in texts]
    assert decide(*paragraphs)["oscar"].field == "person"


def test_the_majority_decides_for_every_mention_and_datelines_do_not_vote():
    prose = [f"Talks in Frankfurt went on, day {i}." for i in range(3)]
    datelines = [f"FRANKFURT, March {i} - Shares rose." for i in range(5)]
    decisions = decide(*[(t, mentions_of(t, ("Frankfurt", "place"))) for t in prose],
                       *[(t, mentions_of(t, ("FRANKFURT", "org"))) for t in datelines])
    assert decisions["frankfurt"] == corpus.Decision("place", "Frankfurt")


def test_no_clear_majority_leaves_each_mention_its_own_field():
    texts = [f"Jordan {verb}." for verb in ("said", "left", "won", "lost")]
    decisions = decide(*[(t, mentions_of(t, ("Jordan", field))) for t, field in
                         zip(texts, ("person", "person", "place", "place"))])
    assert decisions["jordan"].field == ""


def test_too_few_mentions_decide_nothing():
    text = "The Gadget launched."
    assert decide((text, mentions_of(text, ("Gadget", "person"))))["gadget"].field == ""


def test_an_abbreviation_defined_after_a_name_is_that_entity_named_as_written_most():
    defined = "The Organization of Petroleum Exporting Countries (OPEC) met."
    mentions = mentions_of(defined, ("Organization of Petroleum Exporting Countries", "org"), ("OPEC", "org"))
    later = [f"OPEC output rose {i} pct." for i in range(3)]
    decisions = decide((defined, mentions), *[(t, mentions_of(t, ("OPEC", "org"))) for t in later])
    opec = corpus.Decision("org", "OPEC", ("Organization of Petroleum Exporting Countries",))
    assert decisions["opec"] == decisions["organization of petroleum exporting countries"] == opec


def test_an_abbreviation_defined_after_two_names_stays_apart():
    first = "The European Community (EC) met."
    second = "The European Commission (EC) said."
    decisions = decide((first, mentions_of(first, ("European Community", "org"), ("EC", "org"))),
                       (second, mentions_of(second, ("European Commission", "org"), ("EC", "org"))))
    assert decisions["ec"].name == "EC" and decisions["ec"].aliases == ()
    assert decisions["european community"].name == "European Community"


def test_a_company_is_one_entity_with_and_without_its_corp():
    texts = ["Exxon Corp said.", "Exxon said.", "Exxon rose.", "Shares of Exxon fell."]
    decisions = decide(*[(t, mentions_of(t, ("Exxon Corp" if "Corp" in t else "Exxon", "org"))) for t in texts])
    assert decisions["exxon corp"] == decisions["exxon"] == corpus.Decision("org", "Exxon", ("Exxon Corp",))


def test_a_dateline_is_not_joined_with_a_company_named_after_it():
    texts = ["SAN MATEO, Calif. - It rose.", "San Mateo Inc. said."]
    decisions = decide((texts[0], mentions_of(texts[0], ("SAN MATEO", "org"))),
                       (texts[1], mentions_of(texts[1], ("San Mateo Inc.", "org"))))
    assert decisions["san mateo"].name == "SAN MATEO"


@pytest.mark.parametrize(
    ("short", "name", "expected"),
    [
        ("OPEC", "Organization of Petroleum Exporting Countries", True),
        ("WHO", "World Health Organisation", True),
        ("SEC", "Securities and Exchange Commission", True),
        ("USDA", "U.S. Agriculture Department", True),
        ("USDA", "U.S. Department of Agriculture", True),
        ("EC", "European Community", True),
        ("IMF", "World Bank", False),
        ("US", "Utah", False),  # one word: no initials to compare
        ("Reuters", "Reuters Holdings", False),
    ],
)
def test_is_abbreviation(short: str, name: str, expected: bool):
    assert is_abbreviation(short, name) is expected


def test_the_usual_spelling_leaves_out_capitals_amid_capitals():
    catalogue = Catalogue()
    for text in ("TOKYO, March 3 - Shares fell.", "TOKYO, March 4 - Shares rose.", "Talks in Tokyo ended."):
        catalogue.observe(text, mentions_of(text, ("TOKYO" if "TOKYO" in text else "Tokyo", "place")))
    assert catalogue.decide()["tokyo"].name == "Tokyo"


def test_decisions_do_not_depend_on_the_order_paragraphs_are_read():
    """An index gives its paragraphs in an order its commits and merges change: ties are
    broken by field and name, never by what was read first. "Kingsley" after "the" twice
    is no person's name, and its other fields tie, one vote each: the first field wins."""
    texts = ["The Kingsley said so.", "The Kingsley went home.", "Kingsley rose.", "Kingsley fell."]
    fields = ["person", "person", "misc", "org"]
    paragraphs = [(t, mentions_of(t, ("Kingsley", f))) for t, f in zip(texts, fields)]
    orders = [paragraphs, paragraphs[::-1], paragraphs[2:] + paragraphs[:2]]
    assert {decide(*order)["kingsley"] for order in orders} == {corpus.Decision("org", "Kingsley")}
    joined = [("Tate and Lyle rose.", mentions_of("Tate and Lyle rose.", ("Tate", "org"), ("Lyle", "org"))),
              ("Tate & Lyle fell.", mentions_of("Tate & Lyle fell.", ("Tate", "org"), ("Lyle", "org")))] * 3
    assert len({decide(*order)["tate"] for order in (joined, joined[::-1])}) == 1


# -- an index settled to the decisions ------------------------------------------------------


def put(index: SearchIndex, article_id: str, text: str, *names: tuple[str, str]) -> None:
    """Index a one-paragraph article with the mentions given (no NER)."""
    article = Article(id=article_id, paragraphs=(text,))
    with index.writer() as writer:
        writer.put(article, fingerprint(article, index.model), [mentions_of(text, *names)], replacing=False)


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    idx = SearchIndex.create(tmp_path / "index")
    put(idx, "a1", "Bayern lead the Bundesliga by two points.", ("Bundesliga", "person"))
    put(idx, "a2", "The Bundesliga title is close.", ("Bundesliga", "person"))
    put(idx, "a3", "Bundesliga clubs met the FA.", ("Bundesliga", "org"))
    put(idx, "b1", "The Organization of Petroleum Exporting Countries (OPEC) met in Vienna.",
        ("Organization of Petroleum Exporting Countries", "org"), ("OPEC", "org"), ("Vienna", "place"))
    put(idx, "b2", "OPEC output rose.", ("OPEC", "org"))
    put(idx, "b3", "Opec ministers agreed.", ("Opec", "org"))
    put(idx, "b4", "OPEC prices held.", ("OPEC", "org"))
    return idx


def paragraphs(index: SearchIndex, query: str) -> set[str]:
    return {hit.article for hit in index.search(query, limit=None)}


def test_settling_gives_every_list_and_query_the_corpus_decision(index: SearchIndex):
    assert paragraphs(index, "person:bundesliga") == {"a1", "a2"}  # as each article had it
    assert index.settle() == 4  # a1 and a2 become org; b1's full name and b3's "Opec" become "OPEC"
    assert paragraphs(index, "person:bundesliga") == set()
    assert paragraphs(index, "org:bundesliga") == {"a1", "a2", "a3"}
    assert [e.name for e in index.entities("person")] == []
    orgs = {e.name: e.paragraphs for e in index.entities("org")}
    assert orgs == {"OPEC": 4, "Bundesliga": 3}
    results = index.search("bundesliga", facets=5)
    assert results.facets["org"] == [("Bundesliga", 3)] and results.facets["person"] == []
    assert index.entity("org", "bundesliga").paragraphs == 3


def test_a_full_name_finds_the_paragraphs_of_its_abbreviation(index: SearchIndex):
    index.settle()
    expected = {"b1", "b2", "b3", "b4"}
    assert paragraphs(index, 'org:"Organization of Petroleum Exporting Countries"') == expected
    assert paragraphs(index, "org:opec") == expected
    assert paragraphs(index, "opec") == expected  # the catch-all holds the canonical name


def test_halves_of_a_name_joined_by_and_are_one_entity_found_by_either(tmp_path: Path):
    idx = SearchIndex.create(tmp_path / "index")
    for i in range(3):
        put(idx, f"c{i}", f"Cable and Wireless Plc rose {i} pct.", ("Cable", "org"), ("Wireless Plc", "org"))
    put(idx, "d1", "Wireless Plc shares fell.", ("Wireless Plc", "org"))
    put(idx, "d2", "Cable said it would bid.", ("Cable", "org"))
    idx.settle()
    assert {e.name: e.paragraphs for e in idx.entities("org")} == {"Cable and Wireless": 5}
    every = {"c0", "c1", "c2", "d1", "d2"}
    assert paragraphs(idx, 'org:"wireless plc"') == paragraphs(idx, "org:cable") == every


def test_settling_keeps_what_each_article_found_so_that_new_evidence_can_change_it(index: SearchIndex):
    index.settle()
    [hit] = index.search("bayern", limit=1)
    stored = index.article("a1")[0]
    assert stored.entities == {"org": ["Bundesliga"]}
    for i in range(8):  # more articles that write it as a person's name, without "the"
        put(index, f"c{i}", f"Bundesliga scored {i} goals.", ("Bundesliga", "person"))
    index.settle()
    assert paragraphs(index, "person:bundesliga") >= {"a1", "a2", "c0"}
    assert hit.article == "a1"


def test_settling_again_with_nothing_new_writes_nothing(index: SearchIndex, tmp_path: Path):
    index.settle()
    record = json.loads((tmp_path / "index" / CATALOGUE_FILE).read_text())
    joined = json.loads((tmp_path / "index" / JOINED_FILE).read_text())["names"]
    assert joined["organization of petroleum exporting countries"] == joined["opec"] == [
        "OPEC", "Organization of Petroleum Exporting Countries"]
    assert index.settle() == 0
    assert json.loads((tmp_path / "index" / CATALOGUE_FILE).read_text()) == record


def test_after_deleting_articles_the_next_settle_decides_again(index: SearchIndex):
    index.settle()
    index.delete(["a1"])
    assert paragraphs(index, "org:bundesliga") == {"a2", "a3"}  # as decided before
    assert index.settle() == 1  # two mentions left: too few to decide, each has its article's field again
    assert paragraphs(index, "person:bundesliga") == {"a2"}
    assert paragraphs(index, "org:bundesliga") == {"a3"}


def test_an_article_written_later_takes_the_recorded_decisions(index: SearchIndex):
    index.settle()
    put(index, "d1", "Bundesliga leaders won again.", ("Bundesliga", "person"))
    assert paragraphs(index, "person:bundesliga") == set()
    assert paragraphs(index, "org:bundesliga") == {"a1", "a2", "a3", "d1"}
    assert index.settle() == 0  # (it was written as decided)


def test_a_users_gazetteer_line_decides_over_the_evidence(own_gazetteer):
    texts = ["The Bundesliga title.", "Bayern lead the Bundesliga.", "The Bundesliga clubs met."]
    paragraphs = [(t, mentions_of(t, ("Bundesliga", "person"))) for t in texts]
    assert decide(*paragraphs)["bundesliga"].field == "org"
    own_gazetteer("misc\tBundesliga\n")
    assert decide(*paragraphs)["bundesliga"].field == "misc"


def test_a_new_gazetteer_line_settles_the_index_again(index: SearchIndex, own_gazetteer):
    index.settle()
    assert index.settle() == 0
    own_gazetteer("misc\tBundesliga\n")
    assert index.settle() == 3
    assert paragraphs(index, "misc:bundesliga") == {"a1", "a2", "a3"}


def test_indexing_runs_settle_once_their_changes_reach_a_share_of_the_index(index: SearchIndex,
                                                                           monkeypatch: pytest.MonkeyPatch):
    from searchidx.engine import catalogue

    index.settle()
    monkeypatch.setattr(catalogue, "SETTLE_SHARE", 0.3)
    put(index, "e1", "Bundesliga leaders won again.", ("Bundesliga", "person"))
    assert index._settle(5.0, changed=1) == 0  # 1 of 8 paragraphs: pending; written as recorded
    record = json.loads((index.path / CATALOGUE_FILE).read_text())
    assert record["pending"] == 1
    for i in range(3):
        put(index, f"e{i + 2}", f"Bundesliga scored {i} goals.", ("Bundesliga", "person"))
    assert index._settle(5.0, changed=3) == 0  # 4 pending of 11 paragraphs: settled, nothing to write again
    assert json.loads((index.path / CATALOGUE_FILE).read_text())["pending"] == 0


def test_a_rebuild_swapped_in_brings_its_catalogue(index: SearchIndex, tmp_path: Path):
    other = SearchIndex.create(tmp_path / "other")
    put(other, "x1", "The Bundesliga title.", ("Bundesliga", "person"))
    other.settle()
    with index._engine.locked():
        index._engine.replace_with(other._engine)
    record = json.loads((index.path / CATALOGUE_FILE).read_text())
    assert record["generation"] == index._engine._ix.latest_generation()
    assert index._settle(5.0, changed=0) == 0 and paragraphs(index, "person:bundesliga") == {"x1"}
    from searchidx.engine import evidence

    kept = evidence.load(index.path, index._engine._ix.latest_generation())  # (its evidence came too)
    assert kept is not None and kept.catalogue.to_json() == counted(index).to_json() and kept.catalogue.evidence


def test_a_damaged_catalogue_record_is_read_as_no_decisions(index: SearchIndex):
    index.settle()
    record = json.loads((index.path / CATALOGUE_FILE).read_text())
    (index.path / CATALOGUE_FILE).write_text(json.dumps({**record, "decided": {"opec": "org", "x": [1]},
                                                         "pending": "many"}))
    assert index._engine.entity_decisions() == {}
    put(index, "f1", "OPEC met again.", ("OPEC", "org"))
    assert index._settle(5.0, changed=1) == 0  # (the pending count is read as none)


def test_joined_names_recorded_before_they_had_a_file_of_their_own_still_widen_queries(index: SearchIndex):
    index.settle()
    expected = paragraphs(index, 'org:"Organization of Petroleum Exporting Countries"')
    record = json.loads((index.path / CATALOGUE_FILE).read_text())
    (index.path / CATALOGUE_FILE).write_text(json.dumps(
        {**record, "aliases": {"OPEC": ["Organization of Petroleum Exporting Countries"]}}))
    (index.path / JOINED_FILE).unlink()
    again = SearchIndex.open(index.path)
    assert paragraphs(again, 'org:"Organization of Petroleum Exporting Countries"') == expected
    (index.path / JOINED_FILE).write_text('{"names": {"opec": [1, 2]}, "x": ')  # damaged: as if none
    assert paragraphs(SearchIndex.open(index.path), "org:opec") == paragraphs(again, "org:opec")


# -- any stored mentions --------------------------------------------------------------------

WORDS = ["Cable", "and", "Wireless", "Plc", "Liverpool", "striker", "beat", "(", ")", "&", "the", "Mr",
         "England", "P", "Vickery", "Inc", "OPEC", "said", "v", ",", "Gloucester", "boss"]


@st.composite
def paragraph(draw: st.DrawFn) -> tuple[str, list[Entity]]:
    text = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12)))
    mentions = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        field = draw(st.sampled_from(["person", "org", "place", "misc", "date"]))
        mentions.append(Entity(text[start:end], field, start, end, text[start:end]))
    return text, mentions


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraph(), max_size=12))
def test_any_stored_mentions_are_decided_without_error_and_keep_their_places(paragraphs):
    decisions = corpus.gather(paragraphs).decide()
    for _, mentions in paragraphs:
        places = [(m.start, m.end, m.text) for m in mentions]
        settled = corpus.settle_mentions(mentions, decisions)
        remaining = iter(places)  # (the settled mentions are some of the stored ones, in order, where they were)
        assert all((m.start, m.end, m.text) in remaining for m in settled)
        assert all(m.field in corpus.NAME_FIELDS or m.field == "date" for m in settled)


def test_a_run_into_an_empty_index_decides_from_what_it_counted_as_it_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The run counts the evidence of what it writes; the corpus step at the end decides
    from that count, not from the mentions read back, and decides as reading would (a
    forced settle, which reads the index, then writes nothing)."""
    from searchidx import analysis
    from searchidx.engine import catalogue

    people = [f"Mr Kingsley Hall said {n} things." for n in range(8)]
    clubs = [f"Kingsley Hall won {n} games." for n in range(4)]

    def found(text: str) -> list[tuple[str, str, int, int]]:
        start = text.index("Kingsley Hall")
        return [("Kingsley Hall", "person" if text in people else "org", start, start + 13)]

    monkeypatch.setattr(analysis, "extract", lambda model, texts: [found(t) for t in texts])
    given = []
    settle = catalogue.settle
    monkeypatch.setattr(catalogue, "settle", lambda writer, *args: given.append(args[0]) or settle(writer, *args))
    articles = [Article(id=f"a{n:02}", paragraphs=(text,)) for n, text in enumerate(people + clubs)]
    with SearchIndex.create(tmp_path / "index") as idx:
        report = idx.add_articles(articles, commit_every=4, workers=1)
        assert report.paragraphs_settled == 4  # the clubs, written as their articles found them
        assert paragraphs(idx, 'person:"Kingsley Hall"') == {f"a{n:02}" for n in range(12)}
        assert len(given) == 1 and given[0] is not None and given[0].evidence["kingsley hall"].mentions == 12
        assert idx.settle() == 0
    with SearchIndex.create(tmp_path / "other") as idx:  # (an article in already: the step reads the index)
        idx.add_articles(articles[:1], workers=1)
        report = idx.add_articles(articles[1:], commit_every=4, workers=1)
        assert given[-1] is None and report.paragraphs_settled == 4
        assert paragraphs(idx, 'person:"Kingsley Hall"') == {f"a{n:02}" for n in range(12)}


def test_evidence_of_other_articles_than_the_index_holds_is_not_taken(index: SearchIndex):
    """Another process may write between a run's commits: evidence that does not cover
    exactly the index's articles is set aside and the index is read."""
    settled = index._engine.settle_entities(5.0, None, Catalogue(), {"a1", "a2"})
    assert settled is not None and settled.rewritten == 4


# -- the evidence kept with the index -------------------------------------------------------


@st.composite
def articles_drawn(draw: st.DrawFn) -> list[tuple[str, list[tuple[str, list[Entity]]]]]:
    count = draw(st.integers(1, 6))
    return [(f"x{n}", draw(st.lists(paragraph(), min_size=1, max_size=3))) for n in range(count)]


def observed(articles: list[tuple[str, list[tuple[str, list[Entity]]]]]) -> Catalogue:
    catalogue = Catalogue()
    for article, texts in articles:
        for text, mentions in texts:
            if mentions:
                catalogue.observe(text, mentions, article)
    return catalogue


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles_drawn(), st.data())
def test_evidence_added_and_taken_away_is_that_of_what_is_left(articles, data):
    """Taking away the evidence of deleted articles, or adding that of new ones, gives what
    counting the articles left would, and the JSON kept on disk gives it back whole."""
    gone = data.draw(st.sets(st.sampled_from([article for article, _ in articles])))
    whole = observed(articles)
    assert Catalogue.from_json(json.loads(json.dumps(whole.to_json()))).to_json() == whole.to_json()
    whole.absorb(observed([a for a in articles if a[0] in gone]), -1)
    left = observed([a for a in articles if a[0] not in gone])
    assert whole.to_json() == left.to_json()
    left.absorb(observed([a for a in articles if a[0] in gone]))
    assert left.to_json() == observed(articles).to_json()


def counted(index: SearchIndex) -> Catalogue:
    """The evidence of an index's paragraphs, counted from their stored mentions."""
    catalogue = Catalogue()
    with index._engine._snapshot() as reader:
        for _, stored in reader.iter_docs():
            mentions = [Entity.from_stored(item) for item in stored.get("entities", ())]
            if mentions:
                catalogue.observe(stored["text"], mentions, stored["article"])
    return catalogue


def change(index: SearchIndex) -> None:
    """Commits after a settle: an article added, one replaced, one deleted."""
    put(index, "c1", "The Kingsley said so in Vienna.", ("Kingsley", "person"), ("Vienna", "place"))
    put(index, "c2", "The Kingsley went home.", ("Kingsley", "person"))
    put(index, "c3", "Kingsley rose.", ("Kingsley", "org"))
    text = "OPEC output fell in Vienna."
    article = Article(id="b2", paragraphs=(text,))
    with index.writer() as writer:
        writer.put(article, fingerprint(article, index.model),
                   [mentions_of(text, ("OPEC", "org"), ("Vienna", "place"))], replacing=True)
    index.delete(["a3"])


def test_the_evidence_kept_with_the_index_is_what_its_paragraphs_show(index: SearchIndex):
    from searchidx.engine import evidence

    index.settle()
    change(index)
    generation = index._engine._ix.latest_generation()
    kept = evidence.load(index.path, generation)
    assert kept is not None and kept.catalogue.to_json() == counted(index).to_json()
    assert kept.written == {"c1", "c2", "c3", "b2"} and kept.decided and kept.decided["opec"] == ["org", "OPEC"]
    assert len(list(index.path.glob("evidence-*.json"))) == 5  # (the settle's own commit is in the record)


def test_a_settle_decides_from_the_kept_evidence_and_as_counting_would(index: SearchIndex, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch):
    """It counts nothing again, and decides and writes as a settle that counts (on a copy
    whose kept evidence is gone)."""
    import shutil

    index.settle()
    change(index)
    copy = tmp_path / "copy"
    shutil.copytree(index.path, copy)
    (copy / "evidence.json").unlink()
    observing = []
    observe = Catalogue.observe
    monkeypatch.setattr(Catalogue, "observe", lambda self, *args: observing.append(1) or observe(self, *args))
    with SearchIndex.open(copy) as other:
        rewritten = other.settle()  # (among them, the new name after "the" is no person's)
        assert rewritten > 0 and observing
    observing.clear()
    reading = []
    iter_docs = IndexReader.iter_docs
    monkeypatch.setattr(IndexReader, "iter_docs", lambda self: reading.append(1) or iter_docs(self))
    assert index.settle() == rewritten and not observing and not reading  # (only the paragraphs concerned read)
    with SearchIndex.open(copy) as other:
        ours = sorted((h.article, h.paragraph, sorted(h.entities.items()))
                      for h in index.search("vienna OR kingsley OR opec", limit=None))
        theirs = sorted((h.article, h.paragraph, sorted(h.entities.items()))
                        for h in other.search("vienna OR kingsley OR opec", limit=None))
        assert ours == theirs and len(ours) == 7


@pytest.mark.parametrize("damage", ["journal lost", "record damaged", "counts not numbers", "other rules",
                                    "commit without a journal"])
def test_evidence_kept_incompletely_is_counted_again(index: SearchIndex, damage: str, monkeypatch):
    from searchidx.engine import evidence

    index.settle()
    change(index)
    generation = index._engine._ix.latest_generation()
    if damage == "journal lost":
        (index.path / f"evidence-{generation - 1}.json").unlink()
    elif damage == "record damaged":
        (index.path / "evidence.json").write_text('{"generation": 1, "catalogue": [', encoding="utf-8")
    elif damage == "counts not numbers":
        record = json.loads((index.path / "evidence.json").read_text(encoding="utf-8"))
        record["catalogue"]["evidence"]["opec"][0] = {"org": "many"}
        (index.path / "evidence.json").write_text(json.dumps(record), encoding="utf-8")
    elif damage == "other rules":
        monkeypatch.setattr(corpus, "signature", lambda: "another")
    else:  # (another program, or an older searchidx, wrote to the index)
        from whoosh import index as whoosh_index

        with whoosh_index.open_dir(str(index.path)).writer() as writer:
            writer.delete_by_term("article", "b3")
        generation += 1
    assert evidence.load(index.path, generation) is None
    assert index.settle() >= 0  # (counted from the paragraphs)
    kept = evidence.load(index.path, index._engine._ix.latest_generation())
    assert kept is not None and kept.catalogue.to_json() == counted(index).to_json()


def test_a_settle_from_kept_evidence_writes_again_old_paragraphs_whose_names_it_decides_anew(
        index: SearchIndex, tmp_path: Path):
    """"Vienna" is a place where the index was settled; articles written since make it a
    club's name: the settle finds the old paragraph by its name and writes it again, as a
    settle that reads every paragraph does."""
    import shutil

    index.settle()
    assert paragraphs(index, "place:vienna") == {"b1"}
    for n in range(4):
        put(index, f"v{n}", f"Vienna striker {n} scored twice.", ("Vienna", "place"))
    copy = tmp_path / "copy"
    shutil.copytree(index.path, copy)
    (copy / "evidence.json").unlink()
    with SearchIndex.open(copy) as other:
        rewritten = other.settle()
        theirs = {h.article: h.entities for h in other.search("vienna", limit=None)}
    assert index.settle() == rewritten == 5
    assert paragraphs(index, "org:vienna") == {"b1", "v0", "v1", "v2", "v3"}
    assert paragraphs(index, "place:vienna") == set()
    assert {h.article: h.entities for h in index.search("vienna", limit=None)} == theirs


def test_a_settle_whose_record_was_lost_makes_the_next_one_read_every_paragraph(
        index: SearchIndex, monkeypatch: pytest.MonkeyPatch):
    """Which paragraphs agree with which decisions is known only from a settle's record: when
    a settle's was lost (a crash after its commit), the next takes the evidence but reads
    every paragraph's mentions to find those to write again."""
    from searchidx.engine import evidence

    index.settle()
    change(index)
    with monkeypatch.context() as patched:
        patched.setattr(evidence, "record", lambda *args: None)
        assert index.settle() > 0
    kept = evidence.load(index.path, index._engine._ix.latest_generation())
    assert kept is not None and kept.decided is None
    assert kept.catalogue.to_json() == counted(index).to_json()
    assert index.settle() == 0


TEMPLATES = [("The {} said so.", "person"), ("{} striker scored twice.", "place"), ("Mr {} said.", "person"),
             ("{} rose.", "org"), ("The {} title race.", "misc"), ("{} beat Leeds.", "person")]
NAMES = ["Kingsley", "Vienna"]


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, str, int, int]]:
    ops = []
    for _ in range(draw(st.integers(4, 16))):
        kind = draw(st.sampled_from(["put", "put", "put", "put", "delete", "settle"]))
        ops.append((kind, f"a{draw(st.integers(0, 9))}", draw(st.integers(0, len(TEMPLATES) - 1)),
                    draw(st.integers(0, len(NAMES) - 1))))
    ops.append(("settle", "", 0, 0))
    return ops


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(operations())
def test_settles_from_kept_evidence_write_what_counting_settles_write(tmp_path_factory, ops):
    """Any writes and settles: an index whose settles take the kept evidence holds the same
    paragraphs and entities as one whose settles count every paragraph again."""
    import shutil

    folder = tmp_path_factory.mktemp("kept")
    kept, counting = SearchIndex.create(folder / "kept"), SearchIndex.create(folder / "counting")
    for kind, article_id, template, name in ops:
        for index in (kept, counting):
            if kind == "settle":
                if index is counting:
                    for file in [index.path / "evidence.json", *index.path.glob("evidence-*.json")]:
                        file.unlink(missing_ok=True)
                index.settle()
            elif kind == "delete":
                index.delete([article_id])
            else:
                text, field = TEMPLATES[template]
                text = text.format(NAMES[name])
                article = Article(id=article_id, paragraphs=(text,))
                with index.writer() as writer:
                    writer.put(article, fingerprint(article, index.model), [mentions_of(text, (NAMES[name], field))],
                               replacing=article_id in index.fingerprints())
        def held(index: SearchIndex) -> list[tuple[str, int, tuple[tuple[str, list[str]], ...]]]:
            return sorted((h.article, h.paragraph, tuple(sorted(h.entities.items())))
                          for h in index.search(" OR ".join(NAMES), limit=None))
        assert held(kept) == held(counting)
    kept.close()
    counting.close()
    shutil.rmtree(folder)
