"""``--rebuild`` builds beside the old index and swaps it in with one commit: the old index
serves searches until then, and a rebuild cut short resumes where it stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from searchidx import Article, SearchIndex


def articles(word: str, count: int, stop_after: int | None = None) -> Iterator[Article]:
    for n in range(count):
        if n == stop_after:
            raise KeyboardInterrupt  # Ctrl-C half-way
        yield Article(id=f"{word}{n:02}", paragraphs=(f"Report {n} on {word} shipping in Rotterdam.",))


def test_a_rebuild_cut_short_leaves_the_old_index_serving_and_the_next_one_resumes(tmp_path: Path):
    with SearchIndex.create(tmp_path / "index") as idx, SearchIndex.open_or_create(tmp_path / "index") as reader:
        idx.add_articles(articles("tin", 6), workers=1)
        assert reader.search("tin").total == 6
        with pytest.raises(KeyboardInterrupt):
            idx.add_articles(articles("zinc", 12, stop_after=9), rebuild=True, commit_every=4, workers=1)
        # the old index is whole and searched as before; the rebuild kept its two batches
        assert (reader.stats().articles, reader.search("tin").total, reader.search("zinc").total) == (6, 6, 0)
        assert (tmp_path / "index" / "rebuild").is_dir()

        report = idx.add_articles(articles("zinc", 12), rebuild=True, commit_every=4, workers=1)
        assert (report.articles_unchanged, report.articles_added, report.commits) == (8, 4, 1)
        assert (reader.stats().articles, reader.search("tin").total, reader.search("zinc").total) == (12, 0, 12)
        assert not (tmp_path / "index" / "rebuild").exists()
        assert reader.check().ok


def test_a_resumed_rebuild_of_other_files_holds_exactly_them(tmp_path: Path):
    with SearchIndex.create(tmp_path) as idx:
        with pytest.raises(KeyboardInterrupt):
            idx.add_articles(articles("zinc", 12, stop_after=9), rebuild=True, commit_every=4, workers=1)
        idx.add_articles(articles("lead", 3), rebuild=True, workers=1)
        assert sorted(idx.fingerprints()) == ["lead00", "lead01", "lead02"]
