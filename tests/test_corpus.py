"""Slow tests on the real corpora in ../shared (``pytest -m corpus``); they skip without it."""

from __future__ import annotations

import json
import time
from itertools import islice
from pathlib import Path

import pytest

from searchidx import Article, SearchIndex
from searchidx.articles import find_sources, read_articles, split_blocks

pytestmark = pytest.mark.corpus


def test_bbc_indexes_whole_and_reindexes_in_seconds(shared: Path, tmp_path: Path):
    warnings: list[str] = []
    with SearchIndex.create(tmp_path) as idx:
        report = idx.add_paths([shared / "corpus" / "bbc"], on_warning=warnings.append)
        assert report.articles_added >= 2225 and report.skipped == 1  # README.TXT: the corpus's notes
        assert any("README.TXT: a corpus's notes, not an article" in w for w in warnings)
        assert any("sport/199.txt: not UTF-8" in w for w in warnings)
        stats = idx.stats()
        assert stats.paragraphs > 10000 and stats.articles == report.articles_added
        # the same file name in every category: ids keep the folder
        assert {h.article for h in idx.search("paragraph:1 AND article:*/001", limit=None)} >= {
            "business/001", "sport/001", "tech/001"}
        [hit] = idx.search("article:business/001 paragraph:1").hits
        assert hit.title == "Ad sales boost Time Warner profit"
        # exact duplicates are different articles with the same paragraphs
        assert [h.text for h in idx.article("business/007")] == [h.text for h in idx.article("business/253")]
        assert idx.search("person:blair").total > 100
        assert idx.search('org:"bank of england"').total > 5
        # one entity, one name: "Mr Blair" in an article that names Tony Blair is Tony Blair
        blair = idx.entity("person", "blair", limit=1)
        assert blair.name == "Tony Blair" and blair.paragraphs > 300 and blair.articles > 100
        assert {"Blair", "Tony Blair"} <= {n.name for n in blair.written} and blair.roles[0].name == "Mr"
        assert "Tony Blair" in [e.name for e in idx.entities("person", prefix="bla", limit=5)]
        people = dict(idx.search("iraq", facets=10, limit=1).facets["person"])
        assert people["Tony Blair"] > 3 * people.get("Blair", 0)

        started = time.perf_counter()
        again = idx.add_paths([shared / "corpus" / "bbc"])
        assert again.articles_unchanged == report.articles_added and again.paragraphs_written == 0
        assert time.perf_counter() - started < 60


def test_reuters_records_with_dates_and_a_malformed_date(shared: Path, tmp_path: Path):
    path = shared / "corpus" / "reuters21578.jsonl"
    articles = list(islice(read_articles(find_sources([path])), 1500))
    with path.open(encoding="utf-8") as handle:
        odd = next(json.loads(line) for line in handle if '"reuters-17192"' in line)
    articles.append(Article(id=odd["id"], paragraphs=tuple(split_blocks(odd["text"])), title=odd["title"],
                            date=odd["date"]))
    with SearchIndex.create(tmp_path) as idx:
        report = idx.add_articles(articles)
        assert report.articles_added == len(articles)
        assert idx.search("published:[19870226 TO 19870227]").total > 50
        assert idx.search("article:reuters-17192").hits[0].published == odd["date"]
        assert idx.search("cocoa").total > 0 and idx.search("place:brazil").total > 0
        # aliases give places their preferred name: "U.S." is the United States
        places = dict(idx.search("trade", facets=10, limit=1).facets["place"])
        assert "United States" in places and "U.S." not in places
        assert idx.entity("place", "U.S.").name == "United States"
        assert idx.search("place:usa").total == idx.search('place:"united states"').total
