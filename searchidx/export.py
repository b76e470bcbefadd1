"""Export an index for OpenSearch or Elasticsearch: an index mapping and bulk NDJSON files.

For users who outgrow one machine: the same paragraphs, with the same entity fields, in a
cluster. :func:`mapping` is the body of the create-index request (analysers equivalent to
ours, see :mod:`searchidx.engine`), :func:`bulk_lines` the body of ``_bulk`` requests, and
:func:`export` writes both to a folder in files of a size a cluster accepts in one request.

One exported document is one paragraph, its ``_id`` ``article#paragraph``:

- ``text`` and ``title``: full text, analysed like ours (standard tokenizer, lower case, our
  stop words, words of one character dropped, Porter2 stemming, accents folded). Our title
  counts 1.5 times a paragraph's words; OpenSearch boosts at query time: ``"title^1.5"``
  (the mapping's ``_meta.query_fields`` lists the fields a query without field names searches);
- ``person``, ``org``, ``place``, ``date``, ``group``, ``misc``: the canonical names as
  ``keyword`` (exact, for filters and ``terms`` aggregations: facets), with the sub-fields
  ``.text`` (their words, case and accents ignored, not stemmed: ``person.text:gorgun``) and
  ``.folded`` (the whole name, case and accents ignored: aggregations that count "Türkiye"
  and "Turkiye" as one, as ours do);
- ``mentions``: each name as written, ``nested`` (see :func:`mapping`);
- ``article`` (keyword), ``paragraph`` (integer), ``published`` (the day of the publication
  date, when it is an ISO 8601 date) and ``date_text`` (the date as written, kept only in
  ``_source``).

Only the standard library and our own modules are used: no client, no server needed.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dates import parse_date
from .engine.schema import DEFAULT_FIELDS, SCHEMA_VERSION
from .errors import InputError
from .models import ENTITY_FIELDS, Entity

if TYPE_CHECKING:
    from .reports import ExportReport

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_NAME",
    "bulk_lines",
    "check_name",
    "document",
    "document_id",
    "export",
    "mapping",
]

#: The default name of the index in the cluster.
DEFAULT_NAME = "searchidx"
#: One megabyte, as ``--max-mb`` counts it.
MB = 1_000_000
#: Largest bulk file by default: OpenSearch and Elasticsearch advise bulk requests of 5-15 MB.
DEFAULT_MAX_BYTES = 10 * MB
MAPPING_FILE = "mapping.json"
BULK_FILE = "bulk-{:04d}.ndjson"
_BULK_PATTERN = re.compile(r"bulk-\d{4,}\.ndjson")
#: How much more a title's words count than a paragraph's (``field_boost`` in ``build_schema``).
TITLE_BOOST = 1.5
#: Whoosh's English stop words, which our text analyser drops (not Lucene's ``_english_``).
STOP_WORDS: tuple[str, ...] = (
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in", "is", "it",
    "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "us", "we", "when", "will", "with",
    "yet", "you", "your",
)
TEXT_ANALYZER = "searchidx_text"
NAME_ANALYZER = "searchidx_name"
FOLDED = "searchidx_folded"
#: Longest name kept as a keyword term (longer ones stay in ``_source`` and ``.text``).
KEYWORD_MAX = 256
#: Characters an OpenSearch or Elasticsearch index name may not hold.
_BAD_NAME_CHARS = set(' ,:"*+/\\|?#<>')


def mapping() -> dict[str, Any]:
    """The body of the request that creates the index: analysis settings and mappings.

    Analysers mirror ours: ``searchidx_text`` for ``text`` and ``title`` (standard tokenizer,
    lower case, our stop words, no one-letter words, the ``porter2`` stemmer (Snowball
    English, as ours), then ``asciifolding``, in the same order), ``searchidx_name`` for
    names (standard tokenizer, lower case, ``asciifolding``; no stop words, no stemming).
    The standard tokenizer splits a little differently from ours ("U.S." is "u.s" for us).

    ``mentions`` is ``nested``, not an array of plain objects, so that a query or an
    aggregation sees each mention whole: "how is Haluk Gorgun written" (``terms`` on
    ``mentions.text.keyword`` where ``mentions.name`` is his name) or "whom is "Gen." the
    role of" would otherwise mix the parts of different mentions of the same paragraph.
    ``"dynamic": "strict"`` makes a document with an undeclared field fail to load.
    """
    keyword = {"type": "keyword", "ignore_above": KEYWORD_MAX}
    name_field = {
        **keyword,
        "fields": {
            "text": {"type": "text", "analyzer": NAME_ANALYZER},
            "folded": {"type": "keyword", "normalizer": FOLDED, "ignore_above": KEYWORD_MAX},
        },
    }
    properties: dict[str, Any] = {
        "article": {"type": "keyword"},
        "paragraph": {"type": "integer"},
        "title": {"type": "text", "analyzer": TEXT_ANALYZER},
        "text": {"type": "text", "analyzer": TEXT_ANALYZER},
        "published": {"type": "date", "format": "strict_date_optional_time||yyyy-MM-dd"},
        "date_text": {"type": "keyword", "index": False, "doc_values": False},
    }
    for name in ENTITY_FIELDS:
        properties[name] = copy.deepcopy(name_field)
    properties["mentions"] = {
        "type": "nested",
        "properties": {
            "text": {"type": "text", "analyzer": NAME_ANALYZER, "fields": {"keyword": dict(keyword)}},
            "field": {"type": "keyword"},
            "start": {"type": "integer"},
            "end": {"type": "integer"},
            "name": dict(keyword),
            "role": {"type": "keyword"},
        },
    }
    query_fields = [{"text": "text", "title": f"title^{TITLE_BOOST}"}.get(name, f"{name}.text")
                    for name in DEFAULT_FIELDS]
    return {
        "settings": {
            "analysis": {
                "filter": {
                    "searchidx_stop": {"type": "stop", "stopwords": list(STOP_WORDS)},
                    "searchidx_min_length": {"type": "length", "min": 2},
                    "searchidx_porter2": {"type": "stemmer", "language": "porter2"},
                },
                "analyzer": {
                    TEXT_ANALYZER: {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "searchidx_stop", "searchidx_min_length", "searchidx_porter2",
                                   "asciifolding"],
                    },
                    NAME_ANALYZER: {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
                },
                "normalizer": {FOLDED: {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {
                "created_by": "searchidx",
                "schema_version": SCHEMA_VERSION,
                "id": "article#paragraph",
                "query_fields": query_fields,
                "default_operator": "AND",
            },
            "properties": properties,
        },
    }


def document_id(stored: Mapping[str, Any]) -> str:
    """The ``_id`` of a paragraph: ``article#paragraph``."""
    return f"{stored['article']}#{stored['paragraph']}"


def document(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenSearch document of a paragraph, from its stored fields in our index.

    Empty fields are left out; entity fields hold the distinct canonical names in order of
    mention, ``mentions`` each name as written with its offsets (in characters of ``text``),
    field, canonical name and role (when it has one).
    """
    doc: dict[str, Any] = {"article": str(stored["article"]), "paragraph": int(stored["paragraph"])}
    if stored.get("title"):
        doc["title"] = str(stored["title"])
    doc["text"] = str(stored.get("text", ""))
    date_text = str(stored.get("date_text", "") or "")
    if date_text:
        doc["date_text"] = date_text
        published = parse_date(date_text)
        if published is not None:
            doc["published"] = published.date().isoformat()
    mentions = [Entity.from_stored(item) for item in stored.get("entities", ())]
    for name in ENTITY_FIELDS:
        names = list(dict.fromkeys(m.canonical for m in mentions if m.field == name))
        if names:
            doc[name] = names
    if mentions:
        doc["mentions"] = [
            {"text": m.text, "field": m.field, "start": int(m.start), "end": int(m.end), "name": m.canonical,
             **({"role": m.role} if m.role else {})}
            for m in mentions
        ]
    return doc


def check_name(name: str) -> str:
    """``name`` if OpenSearch and Elasticsearch accept it as an index name, else InputError."""
    if (not name or name != name.lower() or name.startswith(("-", "_", "+", "."))
            or any(c in _BAD_NAME_CHARS for c in name) or len(name.encode("utf-8")) > 255):
        raise InputError(f"not a valid index name: {name!r}; use lower-case letters, digits, '-' and '_' "
                         "(not first)")
    return name


def _pairs(documents: Iterable[Mapping[str, Any]], name: str) -> Iterator[tuple[str, str]]:
    """Each paragraph's action line and document line, newlines included."""
    for stored in documents:
        action = {"index": {"_index": name, "_id": document_id(stored)}}
        yield (json.dumps(action, ensure_ascii=False, separators=(",", ":")) + "\n",
               json.dumps(document(stored), ensure_ascii=False, separators=(",", ":")) + "\n")


def bulk_lines(documents: Iterable[Mapping[str, Any]], name: str = DEFAULT_NAME) -> Iterator[str]:
    """The lines of a ``_bulk`` request body indexing ``documents`` (stored fields of our
    paragraphs) into the index ``name``: an action line, then its document, each one JSON
    object ending in a newline (UTF-8 text, not escaped)."""
    check_name(name)  # now, not on the first line read
    return (line for pair in _pairs(documents, name) for line in pair)


def export(documents: Iterable[Mapping[str, Any]], folder: str | os.PathLike[str], *, name: str = DEFAULT_NAME,
           max_bytes: int = DEFAULT_MAX_BYTES, overwrite: bool = False) -> ExportReport:
    """Write ``mapping.json`` and ``bulk-0001.ndjson``, ``bulk-0002.ndjson``, ... into ``folder``.

    Each bulk file holds at most ``max_bytes`` (a paragraph larger than that alone goes in a
    file of its own); a document is never parted from its action line. No documents: no bulk
    files. A folder that is not empty raises :class:`InputError` unless ``overwrite``, which
    replaces the files an export writes (``mapping.json``, ``bulk-NNNN.ndjson``) and leaves
    every other file alone. The folder is made when missing.
    """
    check_name(name)
    if max_bytes < 1:
        raise InputError(f"the largest bulk file must be 1 byte or more, not {max_bytes}")
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file, not a folder to export into")
    try:
        if out.is_dir() and any(out.iterdir()):
            if not overwrite:
                raise InputError(f"{out} is not empty; export into a new or empty folder "
                                 "(or overwrite: --overwrite replaces the export files in it)")
            for entry in out.iterdir():
                if entry.is_file() and (entry.name == MAPPING_FILE or _BULK_PATTERN.fullmatch(entry.name)):
                    entry.unlink()
        out.mkdir(parents=True, exist_ok=True)
        mapping_path = out / MAPPING_FILE
        mapping_path.write_text(json.dumps(mapping(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        files: list[Path] = []
        count = total = size = 0
        stream = None
        try:
            for action, source in _pairs(documents, name):
                data = (action + source).encode("utf-8")
                if stream is None or (size and size + len(data) > max_bytes):
                    if stream is not None:
                        stream.close()
                    files.append(out / BULK_FILE.format(len(files) + 1))
                    stream = files[-1].open("wb")
                    size = 0
                stream.write(data)
                size += len(data)
                total += len(data)
                count += 1
        finally:
            if stream is not None:
                stream.close()
    except OSError as error:
        raise InputError(f"cannot write the export to {out}: {error.strerror or error}") from error
    from .reports import ExportReport

    return ExportReport(folder=out, name=name, mapping=mapping_path, files=files, documents=count,
                        size_bytes=total)
