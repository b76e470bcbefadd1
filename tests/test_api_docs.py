"""The library as other programs embed it: documented, exported, quiet, serialisable, and
without leaks over thousands of searches while the index changes."""

from __future__ import annotations

import dataclasses
import gc
import importlib.util
import inspect
import json
import logging
import os
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SEEDS

import searchidx
from searchidx import SearchIndex, errors, models

spec = importlib.util.spec_from_file_location("make_api", ROOT / "docs" / "make_api.py")
assert spec and spec.loader
make_api = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_api)


def test_every_public_name_has_a_docstring():
    assert make_api.undocumented() == []


def test_the_api_reference_is_current():
    written = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert written == make_api.render(), "docs/api.md is out of date: run `python docs/make_api.py`"


def test_public_classes_are_exported_from_the_package():
    defined = {name for module in (models, errors) for name, obj in vars(module).items()
               if inspect.isclass(obj) and obj.__module__ == module.__name__ and not name.startswith("_")}
    defined |= {"SearchIndex", "IndexWriter", "SearchOptions", "IndexingOptions"}
    assert defined - set(searchidx.__all__) == set()
    assert (Path(searchidx.__file__).parent / "py.typed").exists()


def test_results_serialise_to_json(seed_index: SearchIndex):
    results = seed_index.search("person:gorgun", facets=3)
    data = json.loads(json.dumps(results.to_dict()))
    assert data["query"] == "person:gorgun" and data["total"] == results.total == 5 and data["offset"] == 0
    assert [(h["article"], h["paragraph"], h["score"]) for h in data["hits"]] == [
        (h.article, h.paragraph, h.score) for h in results]
    assert data["hits"][0]["entities"]["person"] == results.hits[0].entities["person"]
    assert data["facets"]["person"][0] == {"name": "Haluk Gorgun", "count": 5}
    # every other result type: each of its fields, as JSON
    page = seed_index.entity("person", "gorgun")
    things = [seed_index.explain("defence cooperation"), page, seed_index.stats(), *seed_index.entities("place"),
              *seed_index.article(seed_index.search("dhaka").hits[0].article)]
    for thing in things:
        data = json.loads(json.dumps(thing.to_dict()))
        assert data == json.loads(json.dumps(dataclasses.asdict(thing))), type(thing).__name__
        assert set(data) >= {f.name for f in dataclasses.fields(thing)}
    assert json.loads(json.dumps(page.to_dict()))["written"][0] == {"name": "Gorgun", "count": 4}


def test_the_library_never_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  caplog: pytest.LogCaptureFixture):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(bytes(range(256)))
    (bad / "good.txt").write_text("Ferries sail from Lisbon to Tangier.\n", encoding="utf-8")
    progress: list[tuple[int, int | None]] = []
    with caplog.at_level(logging.INFO, logger="searchidx"), SearchIndex.create(tmp_path / "index") as idx:
        report = idx.add_paths([bad, FIXTURES / "corpus"], on_progress=lambda done, total: progress.append(
            (done, total)))
        idx.search("ferries OR lisbn~", facets=2)
        idx.search('broken "quote')
        idx.delete(["nothing"])
    assert capsys.readouterr() == ("", "")
    assert report.skipped == 1
    warnings = [r for r in caplog.records if r.name.startswith("searchidx") and r.levelno == logging.WARNING]
    assert any("binary.txt" in r.getMessage() for r in warnings)
    assert progress and progress[-1][0] == report.articles_added


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_no_file_handles_leak_over_thousands_of_searches_while_the_index_changes(tmp_path: Path):
    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    path = tmp_path / "index"
    with SearchIndex.create(path) as first:
        first.add_paths([SEEDS])  # and the NER model is loaded before counting
    baseline = open_files()
    most = 0
    with SearchIndex.open(path) as reader, SearchIndex.open(path) as writer:
        for n in range(2000):
            if n % 100 == 0:  # 20 commits by another writer while the reader keeps searching
                writer.add_article(f"Report {n} on shipping in Rotterdam.", id=f"r{n}")
            reader.search("defence OR shipping", limit=5)
            if n % 100 == 99:
                reader.stats()
                gc.collect()
                # each of the two open indexes may hold each segment file open, no more
                most = max(most, open_files() - baseline - 2 * len(list(path.glob("*.seg"))))
        assert reader.search("shipping", limit=None).total == 20
    gc.collect()  # Whoosh's readers sit in reference cycles: their files close when collected
    assert most <= 2, f"{most} more files were open while searching than the segments explain"
    assert open_files() <= baseline, "files stay open after closing"
