"""Ranking: unfielded words in one catch-all field, each counted once; descriptions without
their question words; fielded queries as before; the merge policy's choices."""

from __future__ import annotations

import pytest

from searchidx import SearchIndex
from searchidx.engine.writing import MERGE_FANOUT, catch_all, to_merge
from searchidx.models import Entity


def paragraphs(idx: SearchIndex, query: str) -> set[int]:
    return {hit.paragraph for hit in idx.search(query, limit=None)}


def test_a_name_is_scored_once_not_once_per_field(seed_index: SearchIndex):
    top = seed_index.explain("gorgun", limit=1).hits[0]
    assert [(t.field, t.term) for t in top.terms] == [("content", "gorgun")]


def test_unfielded_words_find_canonical_names_the_text_does_not_write(seed_index: SearchIndex):
    # the seed article writes "Gorgun" in paragraphs 3, 4, 6 and 10, "Haluk Gorgun" once (2)
    assert paragraphs(seed_index, "haluk") == {2, 3, 4, 6, 10}
    assert paragraphs(seed_index, "gorgun") == {2, 3, 4, 6, 10}
    hit = next(h for h in seed_index.search("haluk").hits if h.paragraph == 3)
    assert "<em>Gorgun</em>" in hit.highlights


def test_fielded_queries_keep_their_meaning(seed_index: SearchIndex):
    assert paragraphs(seed_index, "person:gorgun") == {2, 3, 4, 6, 10}
    assert paragraphs(seed_index, "text:haluk") == {2}  # only the text, not the canonical names
    assert paragraphs(seed_index, 'text:"defence cooperation"') == paragraphs(seed_index, '"defence cooperation"')
    assert paragraphs(seed_index, 'text:"cooperation defence"') == set()


def test_descriptions_drop_question_words(seed_index: SearchIndex):
    parsed = seed_index.explain("What did Haluk Gorgun say about the navy?").parsed
    assert "content:gorgun" in parsed and "content:navi" in parsed
    for word in ("what", "did", "say", "about"):
        assert f"content:{word}" not in parsed
    assert seed_index.search("What did Haluk Gorgun say about the navy?").hits[0].paragraph in {2, 3, 4, 6, 10}


def test_a_query_of_stop_words_finds_nothing_and_says_why(seed_index: SearchIndex):
    results = seed_index.search("the")
    assert results.total == 0 and "only stop words" in results.warnings[0]


def test_catch_all_holds_each_word_of_a_name_once():
    mentions = [Entity("Gorgun", "person", 0, 6, "Haluk Gorgun"), Entity("Dhaka", "place", 20, 25)]
    assert catch_all("A title", "Gorgun arrived in Dhaka", mentions) == "A title\nGorgun arrived in Dhaka\nhaluk"


def test_merge_policy_keeps_few_segments_and_rewrites_each_paragraph_about_once_per_tier():
    sizes: list[int] = []
    written = 0
    for _ in range(40):  # a long run: 40 commits of 2,800 paragraphs
        chosen = to_merge(sizes, 2800)
        new = 2800 + sum(sizes[i] for i in chosen)
        written += new
        sizes = [size for i, size in enumerate(sizes) if i not in chosen] + [new]
        assert len(sizes) <= 2 * MERGE_FANOUT
    assert sum(sizes) == 40 * 2800
    assert written < 3 * sum(sizes)  # Whoosh's own policy left 18 segments; merging all each time would be 20x
    assert to_merge([100, 100, 100]) == []
    assert to_merge([100, 100, 100], 100) == [0, 1, 2]


def test_a_commit_that_fills_a_tier_merges_it_itself():
    """A settle writing a large segment beside three of its tier merges them then, not at the
    next (small) run's commit."""
    big = [5 * 4000, 5 * 4000, 5 * 4000]
    assert to_merge(big, 5 * 4000) == [0, 1, 2]
    assert to_merge(big + [10], 10) == []


@pytest.mark.parametrize("query", ["oil", "defence", '"defence cooperation"', "navy chief"])
def test_top_hits_are_those_of_a_full_ranking(seed_index: SearchIndex, query: str):
    """Skipping what cannot reach the top must not change the top."""
    full = [(h.paragraph, h.score) for h in seed_index.search(query, limit=None)]
    assert [(h.paragraph, h.score) for h in seed_index.search(query, limit=3)] == full[:3]


def test_totals_beyond_the_floor_are_an_honest_lower_bound(seed_index: SearchIndex):
    from searchidx import SearchOptions
    from searchidx.formatters import summary_line

    exact = seed_index.search("defence OR navy")
    with SearchIndex.open(seed_index.path, options=SearchOptions(total_floor=3)) as idx:
        bounded = idx.search("defence OR navy")
        assert not bounded.total_exact and bounded.total == 3 <= exact.total
        assert [h.paragraph for h in bounded] == [h.paragraph for h in exact]
        assert "of 3+ paragraphs" in summary_line(bounded) and bounded.to_dict()["total_exact"] is False
        assert idx.search("defence navy").total_exact  # an AND: the dictionary cannot tell, so counted
        faceted = idx.search("defence OR navy", facets=2)  # facets count every match
        assert faceted.total_exact and faceted.total == exact.total
    assert exact.total_exact and "paragraphs" in summary_line(exact) and "+" not in summary_line(exact)


def test_plain_words_rank_alike_whatever_the_model_makes_of_capitals(tmp_path):
    """Wire copy in capitals: the entity model labels it differently, and must not change the
    ranking of words given with no field (it did when every entity field was scored too)."""
    paragraphs_ = ["Gordon Brown said pensions for older people would rise next year.",
                   "The Chancellor, Gordon Brown, met union leaders in London on Tuesday.",
                   "Pension funds in London reported losses, said analysts at Brown Brothers.",
                   "Older people in Scotland asked the government about pensions and care."]
    scores = []
    for name, transform in (("lower", str), ("caps", str.upper)):
        with SearchIndex.create(tmp_path / name) as idx:
            idx.add_article("\n\n".join(transform(p) for p in paragraphs_), id="a")
            scores.append([(h.paragraph, h.score) for h in idx.search("brown pensions OR london", limit=None)])
    assert scores[0] == scores[1] and len(scores[0]) == 3


@pytest.fixture(scope="module")
def segmented_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """Paragraphs of a few common words, written in three commits (three segments), some
    deleted since, some with a canonical name the text does not write."""
    import random

    from searchidx.indexing import fingerprint
    from searchidx.models import Article

    words = "oil price trade deficit bank rate cut grain wheat export japan surplus tariff".split()
    draw = random.Random(7)
    idx = SearchIndex.create(tmp_path_factory.mktemp("segments") / "index")
    for batch in range(3):
        with idx.writer() as writer:
            for i in range(40):
                text = " ".join(draw.choice(words) for _ in range(draw.randint(3, 30))) + " said Gorgun."
                article = Article(id=f"a{batch}-{i}", title=" ".join(draw.sample(words, 2)), paragraphs=(text,))
                start = text.index("Gorgun")
                name = Entity("Gorgun", "person", start, start + 6, "Haluk Gorgun" if i % 3 else "Gorgun")
                writer.put(article, fingerprint(article, idx.model), [[name]], replacing=False)
    idx.delete([f"a{batch}-{i}" for batch in range(3) for i in range(0, 40, 7)])
    return idx


@pytest.mark.parametrize("query", ["oil", "oil price", "japan trade surplus", "haluk wheat", "title:grain bank",
                                   "bank^2 rate", "tariff tariff cut", "person:gorgun", "nosuchword oil",
                                   "oil OR wheat", "oil OR nosuchword", "bank OR title:grain OR haluk",
                                   "what are the japan trade surplus and the wheat export tariff"])
def test_plain_words_are_scored_as_whoosh_scores_them(segmented_index: SearchIndex, query: str):
    """Plain words, all or any of them, are ranked a posting block at a time (engine/bm25.py):
    the same paragraphs, scores and order as Whoosh's ranking of every match, across
    segments and deletions, with an OR's coordination bonus."""
    from searchidx.engine import bm25

    engine = segmented_index._engine
    with engine._read() as reading:
        searcher = reading.searcher
        assert len(searcher.reader().leaf_readers()) == 3 and searcher.reader().has_deletions()
        parsed = engine._parser.parse(query, searcher).query
        plain = bm25.plain_query(parsed, searcher)
        assert plain is not None, parsed
        found = bm25.best(searcher, bm25.scored(searcher, plain) or [], None)
        whoosh = searcher.search(parsed, limit=None)
        assert {hit.docnum: pytest.approx(hit.score, rel=1e-9) for hit in found} == \
            {hit.docnum: hit.score for hit in whoosh}
        assert [hit.docnum for hit in found] == [hit.docnum for hit in whoosh] or not plain[1]  # (OR: near ties)
        assert found or query.startswith("nosuchword")
        results = segmented_index.search(query, limit=5)
        assert results.total == len(whoosh) or any("every word" in w for w in results.warnings)


@pytest.mark.parametrize("query", ['"oil price"', '"oil price" bank', '"said gorgun" OR wheat', 'title:"grain bank"',
                                   '(oil OR wheat) AND bank', 'person:"haluk gorgun" oil', '"price price"',
                                   "oil -wheat", "oil NOT wheat", "oil bank NOT (wheat OR title:grain)",
                                   '"oil price" NOT japan', "(oil NOT wheat) OR tariff", "published:2026 oil",
                                   '"oil price"~3', '"oil price"~2 -wheat', '"price oil bank"~4', '"price price"~2',
                                   'text:"oil bank"~10 OR japan'])
def test_words_and_phrases_are_scored_as_whoosh_scores_them(segmented_index: SearchIndex, query: str):
    """Words and phrases under AND, OR and NOT are ranked a posting block at a time too:
    the same paragraphs and scores as Whoosh's ranking of every match."""
    from whoosh import query as whoosh_query

    from searchidx.engine import bm25

    engine = segmented_index._engine
    with engine._read() as reading:
        searcher = reading.searcher
        parsed = engine._parser.parse(query, searcher).query
        assert bm25.plain_query(parsed, searcher) is None
        found = bm25.tree_scored(searcher, parsed)
        assert found is not None, parsed
        if isinstance(parsed, whoosh_query.AndNot):
            # Whoosh's own AND NOT lets paragraphs of the excluded word through behind a phrase
            # with a slop (its span matcher's skipping); its mask keeps the meaning
            whoosh = searcher.search(parsed.a, limit=None, mask=parsed.b)
        else:
            whoosh = searcher.search(parsed, limit=None)
        assert {-negated: pytest.approx(score, rel=1e-9) for score, negated in found} == \
            {hit.docnum: hit.score for hit in whoosh}
        assert found or query in ('"price price"', 'title:"grain bank"', "published:2026 oil")


def test_sets_of_paragraphs_are_scored_as_whoosh_scores_them(segmented_index: SearchIndex):
    """A date range or a wildcard of many words is a set of paragraphs (``DocSet``) that
    adds its boost to each: the same scores as Whoosh's, with it in an AND, an OR, a NOT."""
    from whoosh import query

    from searchidx.engine import bm25
    from searchidx.engine.matching import DocSet

    with segmented_index._engine._read() as reading:
        searcher = reading.searcher
        live = [docnum for docnum in range(searcher.doc_count_all()) if not searcher.reader().is_deleted(docnum)]
        some = DocSet("content", [], live[::3], "some")
        oil, wheat = query.Term("content", "oil"), query.Term("content", "wheat")
        for parsed in (query.And([some, oil]), query.Or([some, wheat]), query.AndNot(oil, some), some,
                       query.And([oil, query.Not(some)]), query.Every(), query.AndNot(query.Every(), oil)):
            found = bm25.tree_scored(searcher, parsed)
            assert found is not None, parsed
            assert {-negated: pytest.approx(score, rel=1e-9) for score, negated in found} == \
                {hit.docnum: hit.score for hit in searcher.search(parsed, limit=None)}, parsed


def test_other_queries_are_left_to_whoosh(segmented_index: SearchIndex):
    """An OR with a coordination bonus inside another query is ranked by Whoosh."""
    from whoosh import query

    from searchidx.engine import bm25

    oil = query.Term("content", "oil")
    parsed = query.And([oil, query.Or([oil, query.Term("content", "bank")], scale=0.9)])
    with segmented_index._engine._read() as reading:
        assert bm25.plain_query(parsed, reading.searcher) is None
        assert bm25.tree_scored(reading.searcher, parsed) is None


def test_explain_names_numeric_terms_by_their_values(seed_index: SearchIndex):
    """A paragraph number is stored as bytes that are no text: explain showed a traceback."""
    [hit] = seed_index.explain("paragraph:1 defence", limit=1).hits
    assert ("paragraph", "1") in {(t.field, t.term) for t in hit.terms}


def test_an_or_with_whooshs_coordination_bonus_is_scored_as_whoosh_scores_it(segmented_index: SearchIndex):
    """Whoosh's ``Or(scale=...)`` adds a bonus for each further word a paragraph holds (the
    parser's own ORs carry none: Whoosh's query rewriting drops the scale)."""
    from whoosh import query

    from searchidx.engine import bm25

    parsed = query.Or([query.Term("content", word) for word in ("oil", "wheat", "haluk", "nosuchword")], scale=0.9)
    with segmented_index._engine._read() as reading:
        searcher = reading.searcher
        plain = bm25.plain_query(parsed, searcher)
        assert plain is not None and plain[2] == 0.9
        found = bm25.scored(searcher, plain) or []
        whoosh = searcher.search(parsed, limit=None)
        assert {-negated: pytest.approx(score, rel=1e-9) for score, negated in found} == \
            {hit.docnum: hit.score for hit in whoosh}
        assert len({round(score, 6) for score, _ in found}) > 3


DESCRIPTION = "what are the japan trade surplus and the wheat export tariff"


@pytest.mark.parametrize("arrays", [False, True])
def test_descriptions_gain_the_words_their_best_paragraphs_share(segmented_index: SearchIndex, arrays: bool,
                                                                   monkeypatch: pytest.MonkeyPatch):
    """Pseudo-relevance feedback (RM3): a description is searched with words of its best
    paragraphs added; every match is scored as Whoosh scores the expanded query (with the
    dictionaries of small ORs, and with the arrays of large ones, which read the asked
    words' postings once for both searches)."""
    from searchidx.engine import bm25, feedback
    from searchidx.settings import SearchOptions

    if arrays:
        monkeypatch.setattr(bm25, "DENSE_POSTINGS", 0)

    # every word of this small index is in more than a fifth of its paragraphs: the default
    # adds none of them (they would say little); allowed, the words shared most are added
    assert "^" not in segmented_index.explain(DESCRIPTION).parsed
    wide = SearchIndex.open(segmented_index.path, options=SearchOptions(feedback_share=1.0))
    engine = wide._engine
    with engine._read() as reading:
        searcher = reading.searcher
        parsed = engine._parser.parse(DESCRIPTION, searcher).query
        fed = feedback.expanded(parsed, searcher, engine.options)
        assert fed is not None
        asked = {leaf.text for leaf in parsed.leaves()}
        added = {leaf.text for leaf in fed.query.leaves()} - asked
        assert added and added <= {"oil", "price", "deficit", "bank", "rate", "cut", "grain", "said", "gorgun", "haluk"}
        whoosh = searcher.search(fed.query, limit=None)
        assert {-negated: pytest.approx(score, rel=1e-9) for score, negated in fed.found} == \
            {hit.docnum: hit.score for hit in whoosh}
    explained = wide.explain(DESCRIPTION, limit=1)
    assert any(f"content:{word}^" in explained.parsed for word in added)
    [top] = explained.hits
    assert top.score == pytest.approx(sum(term.score for term in top.terms), abs=1e-3)  # weights included
    assert wide.search(DESCRIPTION, limit=1).hits[0].score == pytest.approx(top.score, abs=1e-3)
    wide.close()


def test_feedback_leaves_other_queries_and_small_indexes_as_they_are(segmented_index: SearchIndex,
                                                                      seed_index: SearchIndex):
    from searchidx.settings import SearchOptions

    wide = SearchIndex.open(segmented_index.path, options=SearchOptions(feedback_share=1.0))
    for query in ("japan trade surplus", "japan OR wheat OR tariff", "person:gorgun japan"):
        assert "^" not in wide.explain(query).parsed
    wide.close()
    # one article: its best paragraphs are most of it, and would say nothing about the question
    assert "^" not in seed_index.explain("Which navy chief did the visitor from Türkiye meet in Dhaka?").parsed
    off = SearchIndex.open(segmented_index.path, options=SearchOptions(feedback_terms=0, feedback_share=1.0))
    with off:
        assert "^" not in off.explain(DESCRIPTION).parsed


def test_the_relevance_model_weighs_words_by_their_share_of_the_best_paragraphs(segmented_index: SearchIndex):
    from searchidx.engine.feedback import relevance_model

    with segmented_index._engine._read() as reading:
        searcher = reading.searcher
        model = relevance_model(searcher, [(0, 3.0), (1, 1.0)])
        assert sum(model.values()) == pytest.approx(1.0)
        words = {token.text for token in searcher.schema["content"].analyzer(searcher.stored_fields(0)["text"])}
        assert set(model) >= words
        assert relevance_model(searcher, []) == {}


@pytest.mark.parametrize("query", ["oil OR wheat", "oil OR nosuchword", "bank OR title:grain OR haluk",
                                   "bank^2 OR rate", DESCRIPTION])
def test_large_ors_scored_with_arrays_give_whooshs_scores(segmented_index: SearchIndex, query: str,
                                                            monkeypatch: pytest.MonkeyPatch):
    """An OR of many postings is scored with numpy arrays: the same matches, scores and
    coordination bonus as Whoosh's ranking, deleted paragraphs left out."""
    from whoosh import query as whoosh_query

    from searchidx.engine import bm25

    with segmented_index._engine._read() as reading:
        searcher = reading.searcher
        parsed = segmented_index._engine._parser.parse(query, searcher).query
        scaled = whoosh_query.Or(list(parsed.subqueries), scale=0.9)
        for each in (parsed, scaled):
            plain = bm25.plain_query(each, searcher)
            assert plain is not None and not plain[1]
            by_dictionaries = bm25.scored(searcher, plain)
            monkeypatch.setattr(bm25, "DENSE_POSTINGS", 0)
            found = bm25.scored(searcher, plain)
            monkeypatch.undo()
            assert found is not None and by_dictionaries is not None
            scores = {-negated: pytest.approx(score, rel=1e-12) for score, negated in found}
            assert scores == {-negated: score for score, negated in by_dictionaries}
            if each is parsed:
                assert scores == {hit.docnum: hit.score for hit in searcher.search(each, limit=None)}


def test_near_words_are_whooshs_terms_within(segmented_index: SearchIndex):
    """Fuzzy terms and "did you mean" list a field's words once per reader and compare them
    in C: the same words as Whoosh's ``terms_within``, in the same order."""
    from searchidx.engine.vocabulary import words_within

    with segmented_index._engine._read() as reading:
        reader = reading.searcher.reader()
        for fieldname, word, edits in [("text", "wheet", 1), ("text", "tarif", 2), ("content", "oli", 1),
                                       ("person", "gorgon", 2), ("text", "zzz", 2), ("text", "x", 1)]:
            for prefix in (0, 1, 2):
                assert words_within(reader, fieldname, word, edits, prefix) == \
                    list(reader.terms_within(fieldname, word, edits, prefix=prefix))
        assert words_within(reader, "text", "wheet", 1) == ["wheat"]
