"""Reading articles: paragraphs, headlines, ids, encodings and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, SEED_ID, SEEDS

from searchidx.articles import decode, find_sources, parse_text, read_articles, split_blocks


def read(paths, warnings=None):
    warnings = [] if warnings is None else warnings
    return list(read_articles(find_sources(paths, warnings.append), warnings.append))


def test_paragraphs_split_on_blank_lines_and_wrapped_lines_join():
    assert split_blocks("one\ntwo  three\n\n  \nfour\r\nfive\n") == ["one two three", "four five"]


def test_seed_article_has_no_title_and_thirteen_paragraphs():
    [article] = read([SEEDS])
    assert article.id == SEED_ID
    assert article.title == ""
    assert len(article.paragraphs) == 13
    assert article.paragraphs[0].startswith("Bangladesh’s army chief")


def test_headline_becomes_title_and_ids_are_relative_paths():
    articles = {a.id: a for a in read([FIXTURES / "corpus"])}
    assert set(articles) == {"business/001", "world/001"}
    world = articles["world/001"]
    assert world.title == "Harbour talks open in Lisbon"
    assert world.paragraphs[0] == ("Portugal and Morocco opened talks in Lisbon on Monday about a new ferry "
                                   "link across the Strait of Gibraltar, officials said.")
    assert len(world.paragraphs) == 3


def test_single_file_id_is_its_stem():
    [article] = read([FIXTURES / "corpus" / "world" / "001.txt"])
    assert article.id == "001"


def test_sentence_first_block_is_not_a_title():
    article = parse_text("A long first sentence that ends with a full stop.\n\nSecond.", "x")
    assert article is not None and article.title == ""
    assert article.paragraphs == ("A long first sentence that ends with a full stop.", "Second.")


def test_markdown_heading_is_a_title():
    article = parse_text("# Big news\n\nBody text here.", "x")
    assert article is not None and article.title == "Big news"


def test_jsonl_records_keep_metadata_and_bad_lines_are_warned_about():
    warnings: list[str] = []
    articles = read([FIXTURES / "articles.jsonl"], warnings)
    assert [a.id for a in articles] == ["wire-1", "wire-2", "wire-4"]
    assert articles[0].title == "Grain exports rise"
    assert articles[0].date == "1987-03-02T09:30:00"
    assert articles[0].metadata == {"topics": ["grain"]}
    assert len(articles[0].paragraphs) == 2
    assert len(warnings) == 3
    assert "articles.jsonl:2: not valid JSON" in warnings[0]
    assert "articles.jsonl:4:" in warnings[1] and "text" in warnings[1]
    assert "articles.jsonl:5: \"date\" '15-APR-1987 99:00' is not an ISO 8601 date" in warnings[2]
    assert articles[2].date == "15-APR-1987 99:00"  # kept, and the article too


def test_latin1_is_decoded_with_a_warning():
    warnings: list[str] = []
    assert decode("Price: \xa3600m".encode("latin-1"), "f.txt", warnings.append) == "Price: £600m"
    assert warnings and "not UTF-8" in warnings[0]


def test_utf16_with_bom_is_read():
    assert decode("Türkiye news".encode("utf-16"), "f.txt") == "Türkiye news"


def test_bad_files_are_skipped_with_one_line_each(tmp_path: Path):
    (tmp_path / "good.txt").write_text("Fine text.\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("   \n\n  \n", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    warnings: list[str] = []
    articles = read([tmp_path], warnings)
    assert [a.id for a in articles] == ["good"]
    assert sorted(w.split(":")[0].rsplit("/", 1)[-1] for w in warnings) == ["binary.txt", "blank.md", "empty.txt"]
    assert all("\n" not in w and w.endswith("(skipped)") for w in warnings)


def test_a_date_that_is_not_iso_is_kept_with_a_warning_naming_the_line(tmp_path):
    data = tmp_path / "dated.jsonl"
    data.write_text('{"id": "a", "text": "One.", "date": "1987-03-02T10:00:00"}\n'
                    '{"id": "b", "text": "Two.", "date": "31-FEB-1987 99:00"}\n'
                    '{"id": "c", "text": "Three.", "date": 19870302}\n'
                    '{"id": "d", "text": "Four.", "date": ""}\n', encoding="utf-8")
    warnings: list[str] = []
    articles = read([data], warnings)
    assert [a.date for a in articles] == ["1987-03-02T10:00:00", "31-FEB-1987 99:00", "", ""]
    assert len(warnings) == 2 and warnings[0].startswith(f"{data}:2: \"date\" '31-FEB-1987 99:00' is not")
    assert warnings[1].startswith(f"{data}:3: \"date\" 19870302 is not")


@pytest.mark.parametrize("headline", ["Call centre users 'lose patience'", "What price for 'trusted PC security'?",
                                      "Is Euro 2008 too soon?", "Apple laptop is \u2018greatest gadget\u2019",
                                      "Ireland v USA (Sat)", "Rivals of the \u00a3400 Apple...",
                                      "'My memories of Marley...'"])
def test_headline_ending_in_a_quote_question_mark_bracket_or_ellipsis_is_a_title(headline):
    article = parse_text(f"{headline}\n\nThe first paragraph.\n\nThe second.", "x")
    assert article is not None and article.title == headline
    assert article.paragraphs == ("The first paragraph.", "The second.")


@pytest.mark.parametrize("sentence", ['"We will win."', "He said: 'No comment.'", "Prices rose (again)."])
def test_quoted_sentence_first_is_not_a_title(sentence):
    article = parse_text(f"{sentence}\n\nMore.", "x")
    assert article is not None and article.title == ""
