"""Limits a user sets on a search: pages, offsets and limits past the end, and the time limit."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

from searchidx import SearchIndex
from searchidx.formatters import summary_line


def test_a_page_or_an_offset_past_the_end_is_one_clear_line(seed_index_path: Path):
    index = str(seed_index_path)
    code, out, err = run_cli("search", "bangladesh", "--index", index, "--page", "1000")
    assert (code, out) == (1, "")
    assert err == ("searchidx: error: page 1000 is past the end: 6 paragraphs match, 1 page of 10 "
                   "(the last is --page 1)\n")
    code, out, err = run_cli("search", "bangladesh", "--index", index, "--page", "9", "-n", "2")
    assert (code, out) == (1, "")
    assert err == ("searchidx: error: page 9 is past the end: 6 paragraphs match, 3 pages of 2 "
                   "(the last is --page 3)\n")
    code, out, err = run_cli("search", "bangladesh", "--index", index, "--offset", "6", "-f", "jsonl")
    assert (code, out) == (1, "")
    assert err == "searchidx: error: offset 6 is past the end: 6 paragraphs match (the last is --offset 5)\n"
    code, out, err = run_cli("search", "bangladesh", "--index", index, "--page", "3", "-n", "2")
    assert code == 0 and "5-6 of 6 paragraphs" in out


def test_the_summary_of_a_page_past_the_end_has_no_nonsense_range(seed_index: SearchIndex):
    results = seed_index.search("bangladesh", limit=10, offset=990)
    assert summary_line(results).startswith("0 of 6 paragraphs: offset 990 is past the end")


QUERIES = ["*a*", "ban*", "bangladesh", "*e* AND NOT army", "NOT bangladesh", '"army chief"', "chief~",
           "person:yunus OR org:*", "date:[2000 TO 2030]"]


def test_a_search_out_of_time_still_shows_hits_and_an_honest_total(seed_index: SearchIndex):
    """A time limit of 0 s stops every step at its first check: the hits found until then
    are still shown, and the total is either exact or flagged as a lower bound."""
    for query in QUERIES:
        whole = seed_index.search(query, limit=None, time_limit=None, highlight=False)
        cut = seed_index.search(query, limit=3, time_limit=0.0)
        assert len(cut) == min(3, whole.total) or not cut.total_exact, query
        assert {(h.article, h.paragraph) for h in cut} <= {(h.article, h.paragraph) for h in whole}, query
        if cut.total_exact:
            assert cut.total == whole.total, query
        else:
            assert len(cut) <= cut.total <= whole.total, query
            assert "lower bound of the total" in cut.warnings[-1]
            assert f"{cut.total:,}+ paragraph" in summary_line(cut)
        if len(cut) == 0:
            assert whole.total == 0 or not cut.total_exact


def test_a_search_out_of_time_shows_hits_where_it_used_to_show_none(seed_index: SearchIndex):
    cut = seed_index.search("*a*", limit=5, time_limit=0.0)
    assert len(cut) == 5
    assert any("ran out of time" in warning for warning in cut.warnings)
