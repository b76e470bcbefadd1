"""Export for OpenSearch / Elasticsearch: the mapping, the bulk files, the command. No server runs:
the files are checked against the mapping they come with."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_ID, SEEDS
from test_cli import run
from whoosh import index as whoosh_index

from searchidx import ENTITY_FIELDS, Article, InputError, SearchIndex
from searchidx.cli import ExitStatus
from searchidx.export import (
    DEFAULT_MAX_BYTES,
    STOP_WORDS,
    TITLE_BOOST,
    bulk_lines,
    check_name,
    document,
    export,
    mapping,
)

BUILT_IN_FILTERS = {"lowercase", "asciifolding"}
SEED_PARAGRAPHS = [block.strip() for block in (SEEDS / f"{SEED_ID}.txt").read_text(encoding="utf-8").split("\n\n")]
LINE_SEPARATOR = "\u2028"  # a line break to some readers, plain text to JSON
ARTICLES = [
    Article(id="world/lisbon", title="Ferries in Lisbon", date="2024-05-01T10:30:00Z",
            paragraphs=("Boats sail from Lisbon to Tangier every morning.",
                        f"Türkiye’s “navy” met the Portuguese fleet near Lisbon.{LINE_SEPARATOR}A second line.")),
    Article(id="business/ankara", date="May 1987", paragraphs=("Siemens signed a deal in Ankara on Tuesday.",)),
    Article(id="plain", paragraphs=("Nothing in particular happened here at all.",)),
]


def read_export(folder: Path) -> tuple[dict[str, Any], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """The mapping and the (action, document) pairs of an export, checking the NDJSON framing."""
    body = json.loads((folder / "mapping.json").read_text(encoding="utf-8"))
    pairs = []
    for path in sorted(folder.glob("bulk-*.ndjson")):
        raw = path.read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw
        lines = raw.decode("utf-8").split("\n")[:-1]  # only "\n" ends a line in NDJSON (not U+2028)
        assert lines and len(lines) % 2 == 0, path
        for action, source in zip(lines[::2], lines[1::2]):
            pairs.append((json.loads(action), json.loads(source)))
    return body, pairs


def conform(value: Any, spec: dict[str, Any], where: str = "") -> None:
    """Assert that ``value`` fits the mapping ``spec``: every key declared, every value of its type."""
    kind = spec.get("type", "object")
    if kind in ("object", "nested"):
        for item in value if isinstance(value, list) else [value]:
            assert isinstance(item, dict), where
            for key, sub in item.items():
                assert key in spec["properties"], f"{where}.{key} is not in the mapping"
                conform(sub, spec["properties"][key], f"{where}.{key}")
        return
    values = value if isinstance(value, list) else [value]
    assert values, f"{where} is empty"
    for item in values:
        if kind in ("keyword", "text"):
            assert isinstance(item, str), where
        elif kind == "integer":
            assert isinstance(item, int) and not isinstance(item, bool) and -(2**31) <= item < 2**31, where
        elif kind == "date":
            assert isinstance(item, str) and dt.date.fromisoformat(item), where
        else:
            pytest.fail(f"{where}: a type the test does not know: {kind}")


def documents_of(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {action["index"]["_id"]: doc for action, doc in pairs}


@pytest.fixture(scope="module")
def seed_export(seed_index_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with SearchIndex.open(seed_index_path) as idx:
        report = idx.export(tmp_path_factory.mktemp("seed-export") / "out")
    assert report.documents == 13 and len(report.files) == 1
    return report.folder


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small-index")
    with SearchIndex.create(path) as idx:
        idx.add_articles(ARTICLES)
    return path


# -- the mapping ----------------------------------------------------------------------------


def test_mapping_declares_every_field_with_strict_dynamic_mapping():
    body = json.loads(json.dumps(mapping()))  # plain JSON
    properties = body["mappings"]["properties"]
    assert body["mappings"]["dynamic"] == "strict"
    assert set(properties) == {"article", "paragraph", "title", "text", "published", "date_text", "mentions",
                               *ENTITY_FIELDS}
    assert properties["text"] == properties["title"] == {"type": "text", "analyzer": "searchidx_text"}
    assert properties["article"]["type"] == "keyword" and properties["paragraph"]["type"] == "integer"
    assert properties["published"] == {"type": "date", "format": "strict_date_optional_time||yyyy-MM-dd"}
    assert properties["date_text"]["type"] == "keyword" and properties["date_text"]["index"] is False
    for name in ENTITY_FIELDS:
        assert properties[name]["type"] == "keyword" and "normalizer" not in properties[name]  # exact names
        assert properties[name]["fields"]["text"] == {"type": "text", "analyzer": "searchidx_name"}
        assert properties[name]["fields"]["folded"]["normalizer"] == "searchidx_folded"
    mentions = properties["mentions"]
    assert mentions["type"] == "nested"
    assert set(mentions["properties"]) == {"text", "field", "start", "end", "name", "role"}
    meta = body["mappings"]["_meta"]
    assert meta["query_fields"][:2] == ["text", f"title^{TITLE_BOOST}"] and "person.text" in meta["query_fields"]


def test_every_analyzer_filter_and_normalizer_referenced_is_defined():
    body = mapping()
    analysis = body["settings"]["analysis"]
    analyzers, filters, normalizers = analysis["analyzer"], analysis["filter"], analysis["normalizer"]

    def referenced(spec: dict[str, Any]) -> Any:
        for key, value in spec.items():
            if key in ("analyzer", "search_analyzer", "normalizer"):
                yield key, value
            elif isinstance(value, dict):
                yield from referenced(value)

    found = list(referenced(body["mappings"]["properties"]))
    assert {value for _, value in found} == {"searchidx_text", "searchidx_name", "searchidx_folded"}
    for key, value in found:
        assert value in (normalizers if key == "normalizer" else analyzers), value
    for spec in [*analyzers.values(), *normalizers.values()]:
        assert spec["type"] == "custom"
        assert spec.get("tokenizer", "standard") == "standard"
        for name in spec["filter"]:
            assert name in filters or name in BUILT_IN_FILTERS, name
    assert filters["searchidx_porter2"] == {"type": "stemmer", "language": "porter2"}
    text_filters = analyzers["searchidx_text"]["filter"]
    assert text_filters[0] == "lowercase" and text_filters[-1] == "asciifolding"  # accents folded, as ours
    assert "searchidx_porter2" not in analyzers["searchidx_name"]["filter"]  # names are not stemmed


def test_mapping_mirrors_the_whoosh_schema():
    from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS

    from searchidx.engine.schema import build_schema

    assert set(STOP_WORDS) == set(WHOOSH_STOP_WORDS)
    assert mapping()["settings"]["analysis"]["filter"]["searchidx_stop"]["stopwords"] == list(STOP_WORDS)
    schema = build_schema()
    assert schema["title"].format.field_boost == TITLE_BOOST and schema["text"].format.field_boost == 1.0


def test_mapping_is_a_fresh_copy_each_time():
    first = mapping()
    first["mappings"]["properties"]["person"]["fields"]["text"]["analyzer"] = "changed"
    assert mapping()["mappings"]["properties"]["person"]["fields"]["text"]["analyzer"] == "searchidx_name"
    assert mapping()["mappings"]["properties"]["org"]["fields"]["text"]["analyzer"] == "searchidx_name"


# -- the documents --------------------------------------------------------------------------


def test_seed_export_has_one_document_per_paragraph_with_unique_ids(seed_export: Path, seed_index: SearchIndex):
    body, pairs = read_export(seed_export)
    assert body == mapping()
    ids = [action["index"]["_id"] for action, _ in pairs]
    assert len(ids) == len(set(ids)) == seed_index.stats().paragraphs == 13
    for action, doc in pairs:
        assert set(action) == {"index"} and set(action["index"]) == {"_index", "_id"}
        assert action["index"]["_index"] == "searchidx"
        assert action["index"]["_id"] == f"{doc['article']}#{doc['paragraph']}"
    assert sorted(doc["paragraph"] for _, doc in pairs) == list(range(1, 14))


def test_every_document_conforms_to_the_mapping(seed_export: Path, small_index: Path, tmp_path: Path):
    with SearchIndex.open(small_index) as idx:
        idx.export(tmp_path / "small")
    for folder in (seed_export, tmp_path / "small"):
        body, pairs = read_export(folder)
        assert pairs
        for _, doc in pairs:
            conform(doc, {"properties": body["mappings"]["properties"]}, "")


def test_entity_fields_hold_canonical_names_and_mentions_the_written_ones(seed_export: Path,
                                                                         seed_index: SearchIndex):
    docs = documents_of(read_export(seed_export)[1])
    sixth = docs[f"{SEED_ID}#6"]
    assert "Gorgun" in sixth["text"] and "Haluk" not in sixth["text"]
    assert "Haluk Gorgun" in sixth["person"] and "Gorgun" not in sixth["person"]
    assert "Waker-Uz-Zaman" in sixth["person"]  # "Zaman’s office"
    gorgun = next(m for m in sixth["mentions"] if m["name"] == "Haluk Gorgun")
    assert gorgun["text"] == "Gorgun" and gorgun["field"] == "person"
    zaman = next(m for m in sixth["mentions"] if m["name"] == "Waker-Uz-Zaman")
    assert zaman["text"] != "Waker-Uz-Zaman" and "Zaman" in zaman["text"]
    general = next(m for m in docs[f"{SEED_ID}#4"]["mentions"] if m["name"] == "Waker-Uz-Zaman")
    assert general["role"] == "Gen."
    for doc in docs.values():
        hit = seed_index.article(doc["article"])[doc["paragraph"] - 1]
        assert doc["text"] == hit.text
        assert {name: doc[name] for name in ENTITY_FIELDS if name in doc} == hit.entities
        for mention in doc.get("mentions", ()):
            assert doc["text"][mention["start"]:mention["end"]] == mention["text"]
            assert mention["name"] in doc[mention["field"]]
            assert mention.get("role", "x")  # an empty role is left out


def test_unicode_round_trips_unescaped(seed_export: Path):
    raw = (seed_export / "bulk-0001.ndjson").read_bytes()
    assert "Türkiye’s".encode() in raw and b"\\u" not in raw
    docs = documents_of(read_export(seed_export)[1])
    assert [docs[f"{SEED_ID}#{n}"]["text"] for n in range(1, 14)] == SEED_PARAGRAPHS
    assert "Türkiye" in docs[f"{SEED_ID}#1"]["place"]
    assert "“cooperation and support”" in docs[f"{SEED_ID}#6"]["text"]


def test_titles_dates_and_empty_fields(small_index: Path, tmp_path: Path):
    with SearchIndex.open(small_index) as idx:
        report = idx.export(tmp_path / "out", name="news-2024")
    _, pairs = read_export(report.folder)
    assert {action["index"]["_index"] for action, _ in pairs} == {"news-2024"}
    docs = documents_of(pairs)
    assert set(docs) == {"world/lisbon#1", "world/lisbon#2", "business/ankara#1", "plain#1"}
    lisbon = docs["world/lisbon#2"]
    assert lisbon["title"] == "Ferries in Lisbon"
    assert lisbon["published"] == "2024-05-01" and lisbon["date_text"] == "2024-05-01T10:30:00Z"
    assert lisbon["text"] == ARTICLES[0].paragraphs[1] and LINE_SEPARATOR in lisbon["text"]
    ankara = docs["business/ankara#1"]
    assert ankara["date_text"] == "May 1987" and "published" not in ankara  # not an ISO date
    assert "title" not in ankara
    plain = docs["plain#1"]
    assert set(plain) == {"article", "paragraph", "text"}  # no title, date or names: nothing empty


def test_bulk_lines_of_stored_fields():
    stored = {"article": "a/1", "paragraph": 2, "title": "", "text": "Gen. Çelik spoke.", "date_text": "",
              "entities": [("Çelik", "person", 5, 10, "Ayşe Çelik", "Gen."), ("spoke", "misc", 11, 16, "", "")]}
    lines = list(bulk_lines([stored, stored], name="news"))
    assert len(lines) == 4 and all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert json.loads(lines[0]) == {"index": {"_index": "news", "_id": "a/1#2"}}
    doc = json.loads(lines[1])
    assert doc == document(stored)
    assert doc["person"] == ["Ayşe Çelik"] and doc["misc"] == ["spoke"]  # no canonical name: as written
    assert doc["mentions"][0] == {"text": "Çelik", "field": "person", "start": 5, "end": 10, "name": "Ayşe Çelik",
                                  "role": "Gen."}
    assert "role" not in doc["mentions"][1] and "Çelik" in lines[1]
    with pytest.raises(InputError):
        bulk_lines([stored], name="News")  # at once, not when the first line is read


@pytest.mark.parametrize("name", ["searchidx", "news-2024", "a_b.c", "ünï"])
def test_good_index_names(name: str):
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", "News", "_news", "-news", "+news", ".", "..", ".hidden", "a b", "a,b", "a:b",
                                  "a/b", "a*", "a?", "a#b", "a|b", 'a"b', "a<b", "a>b", "a\\b", "a+b", "x" * 256])
def test_bad_index_names(name: str):
    with pytest.raises(InputError, match="not a valid index name"):
        check_name(name)


# -- the files ------------------------------------------------------------------------------


def test_bulk_files_split_at_max_bytes_without_splitting_pairs(seed_index: SearchIndex, seed_export: Path,
                                                               tmp_path: Path):
    whole = (seed_export / "bulk-0001.ndjson").read_bytes()
    lines = whole.split(b"\n")[:-1]
    sizes = [len(lines[i]) + len(lines[i + 1]) + 2 for i in range(0, len(lines), 2)]
    limit = max(sizes) + 200
    report = seed_index.export(tmp_path / "split", max_bytes=limit)
    assert len(report.files) > 1 and report.documents == 13
    assert [path.name for path in report.files] == [f"bulk-{n:04d}.ndjson" for n in range(1, len(report.files) + 1)]
    assert b"".join(path.read_bytes() for path in report.files) == whole
    assert report.size_bytes == len(whole) == sum(sizes)
    for path in report.files:
        assert len(path.read_bytes()) <= limit
    for first, second in zip(report.files, report.files[1:]):  # each file as full as the next pair allows
        next_pair = second.read_bytes().split(b"\n", 2)
        assert len(first.read_bytes()) + len(next_pair[0]) + len(next_pair[1]) + 2 > limit
    assert len(read_export(report.folder)[1]) == 13

    tiny = seed_index.export(tmp_path / "tiny", max_bytes=1)  # a pair larger than the limit: one per file
    assert len(tiny.files) == 13 and all(path.read_bytes().count(b"\n") == 2 for path in tiny.files)
    assert DEFAULT_MAX_BYTES == 10_000_000


def test_export_leaves_the_index_alone(seed_index_path: Path, tmp_path: Path):
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in seed_index_path.iterdir()}
    with SearchIndex.open(seed_index_path) as idx:
        idx.export(tmp_path / "out")
        with pytest.raises(InputError, match="index folder"):
            idx.export(seed_index_path, overwrite=True)
    assert {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in seed_index_path.iterdir()} == before


def test_replaced_articles_are_exported_once_and_overwrite_removes_stale_files(tmp_path: Path):
    first = Article(id="a", title="Harbour", paragraphs=("Ships left Lisbon.", "Ships reached Tangier.",
                                                         "Ships came back."))
    second = Article(id="a", title="Harbour", paragraphs=("Boats left Porto.", "Boats reached Vigo."))
    out = tmp_path / "out"
    with SearchIndex.create(tmp_path / "ix") as idx:
        idx.add_articles([first])
        assert idx.export(out, max_bytes=1).documents == 3
        idx.add_articles([second])
        with whoosh_index.open_dir(str(tmp_path / "ix")).reader() as reader:
            assert reader.has_deletions()  # the old paragraphs are still on disk, deleted
        (out / "notes.txt").write_text("mine", encoding="utf-8")
        with pytest.raises(InputError, match="not empty"):
            idx.export(out)
        report = idx.export(out, max_bytes=1, overwrite=True)
        assert report.documents == idx.stats().paragraphs == 2
    assert sorted(p.name for p in out.iterdir()) == ["bulk-0001.ndjson", "bulk-0002.ndjson", "mapping.json",
                                                    "notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    docs = documents_of(read_export(out)[1])
    assert {key: doc["text"] for key, doc in docs.items()} == {"a#1": "Boats left Porto.", "a#2": "Boats reached Vigo."}


def test_empty_index_exports_a_mapping_and_no_documents(tmp_path: Path):
    with SearchIndex.create(tmp_path / "ix") as idx:
        report = idx.export(tmp_path / "out")
    assert report.documents == 0 and report.files == [] and report.size_bytes == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mapping.json"]
    assert json.loads(report.mapping.read_text(encoding="utf-8")) == mapping()
    assert len(report.curl_commands()) == 1


def test_refusals(tmp_path: Path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is a file"):
        export([], tmp_path / "file")
    with pytest.raises(InputError, match="1 byte or more"):
        export([], tmp_path / "new", max_bytes=0)
    with pytest.raises(InputError, match="not a valid index name"):
        export([], tmp_path / "new", name="Bad Name")
    assert not (tmp_path / "new").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert export([], empty).documents == 0  # an empty folder is fine


def test_curl_commands_quote_paths(tmp_path: Path):
    report = export([{"article": "a", "paragraph": 1, "text": "x"}], tmp_path / "my export", name="news")
    put, post = report.curl_commands("https://search.example:9200/")
    assert shlex.split(put) == ["curl", "-XPUT", "https://search.example:9200/news", "-H",
                                "Content-Type: application/json", "--data-binary", f"@{report.mapping}"]
    assert shlex.split(post) == ["curl", "-XPOST", "https://search.example:9200/_bulk", "-H",
                                 "Content-Type: application/x-ndjson", "--data-binary", f"@{report.files[0]}"]
    assert report.to_dict()["files"] == [str(report.files[0])] and report.to_dict()["documents"] == 1


def test_export_module_never_imports_spacy():
    code = "import sys, searchidx.export; print('SPACY' if 'spacy' in sys.modules else 'NO-SPACY')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "NO-SPACY"


# -- the command ----------------------------------------------------------------------------


def test_export_command(seed_index_path: Path, tmp_path: Path):
    out = tmp_path / "out"
    code, stdout, err = run("export", str(out), "--index", str(seed_index_path), "--name", "news")
    assert code == ExitStatus.OK and stdout == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"exported 13 paragraphs to {out}: mapping.json and 1 bulk file (")
    assert "'news'" in lines[0]
    commands = [shlex.split(line) for line in lines if line.strip().startswith("curl ")]
    assert commands[0][:3] == ["curl", "-XPUT", "http://localhost:9200/news"]
    assert commands[0][-1] == f"@{out}/mapping.json"
    assert [c[-1] for c in commands[1:]] == [f"@{out}/bulk-0001.ndjson"]
    assert len(read_export(out)[1]) == 13

    code, _, err = run("export", str(out), "--index", str(seed_index_path))
    assert code == ExitStatus.ERROR and "not empty" in err and err.count("\n") == 1
    code, _, err = run("export", str(out), "--index", str(seed_index_path), "--overwrite", "--max-mb", "1")
    assert code == ExitStatus.OK and "1 bulk file" in err


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--name", "Bad Name"], ExitStatus.ERROR, "not a valid index name"),
        (["--max-mb", "0"], ExitStatus.USAGE, "must be 1 or more"),
    ],
)
def test_export_command_errors(seed_index_path: Path, tmp_path: Path, argv: list[str], status: int, message: str):
    code, out, err = run("export", str(tmp_path / "out"), "--index", str(seed_index_path), *argv)
    assert code == status and out == "" and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_export_command_without_an_index(tmp_path: Path):
    code, _, err = run("export", str(tmp_path / "out"), "--index", str(tmp_path / "none"))
    assert code == ExitStatus.NO_INDEX and "searchidx index --index" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
