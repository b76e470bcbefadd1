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
