"""Large input files are read a line at a time: memory does not grow with the file."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from searchidx.articles import count_articles, find_sources, read_articles


def test_a_large_json_lines_file_is_read_in_memory_that_does_not_grow_with_it(tmp_path: Path):
    file = tmp_path / "wire.jsonl"
    text = "Oil prices rose on Tuesday as traders weighed supply. " * 40
    with file.open("w", encoding="utf-8") as out:
        for n in range(2500):  # about 5.5 MB
            out.write(json.dumps({"id": f"w{n}", "title": f"Story {n}", "text": f"{text}\n\nParagraph two."}) + "\n")
    size = file.stat().st_size
    sources = find_sources([file])
    tracemalloc.start()
    try:
        read = sum(1 for _ in read_articles(sources))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == count_articles(sources) == 2500
    assert peak < size / 10, f"peak {peak:,} bytes for a file of {size:,}"


def test_a_json_lines_file_with_a_line_not_in_utf8_warns_about_that_line_and_reads_the_rest(tmp_path: Path):
    file = tmp_path / "wire.jsonl"
    file.write_bytes(b'{"id": "a", "text": "Caf\xe9 prices rose."}\n{"id": "b", "text": "Tea fell."}\n')
    warnings: list[str] = []
    articles = list(read_articles(find_sources([file]), warnings.append))
    assert [a.paragraphs for a in articles] == [("Café prices rose.",), ("Tea fell.",)]
    assert warnings == [f"{file}:1: not UTF-8 (byte 24); read as Windows-1252"]
