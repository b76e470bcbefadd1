"""Where an index's bytes go: its size beside the text of its paragraphs, by part and by field.

    python bench/size.py --index DIR [--json]

Prints the index's size on disk (every file of the folder), the UTF-8 size of its live
paragraphs' text and the ratio of the two (#15's target: at most 5x), then the segment
files by part (postings, stored fields, term dictionaries, other columns) and by codec,
and each field's postings and terms.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from whoosh.filedb.compound import CompoundStorage

from searchidx.engine.storage import open_folder
from searchidx.errors import SearchidxError

PARTS = {"pst": "postings", "trm": "term dictionaries", "_stored.col": "stored fields"}


def measure(path: Path) -> dict[str, object]:
    """The figures :func:`main` prints, for the index at ``path``."""
    ix = open_folder(path)[0]
    on_disk = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    parts: Counter[str] = Counter()
    codecs: Counter[str] = Counter()
    for segment in ix._segments():
        compound = CompoundStorage(ix.storage.open_file(segment.make_filename(".seg")), use_mmap=False)
        for name in compound.list():
            part = next((label for end, label in PARTS.items() if name.endswith(end)), "other columns")
            parts[part] += compound.file_length(name)
            codecs[type(segment.codec()).__name__] += compound.file_length(name)
    postings: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    text = 0
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            for (field, _word), info in leaf._terms.items():
                terms[field] += 1
                if not info.is_inlined():
                    length = info.extent()[1]
                    postings[field] += length[0] if isinstance(length, tuple) else length
        for stored in reader.all_stored_fields():
            text += len(stored.get("text", "").encode("utf-8"))
    return {"index": str(path), "bytes_on_disk": on_disk, "text_bytes": text,
            "ratio": round(on_disk / text, 2) if text else None, "segments": len(ix._segments()),
            "parts": dict(parts.most_common()), "codecs": dict(codecs),
            "postings_by_field": dict(postings.most_common()), "terms_by_field": dict(terms.most_common())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    try:
        figures = measure(args.index)
    except SearchidxError as error:  # no index there, or a damaged one: one line, as the CLI says it
        print(f"size.py: error: {error}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(figures))
        return 0
    mb = 1e6
    print(f"{figures['index']}: {figures['bytes_on_disk'] / mb:.1f} MB on disk, {figures['segments']} segments; "
          f"paragraph text {figures['text_bytes'] / mb:.1f} MB; ratio {figures['ratio']}x")
    print("by part:  " + ", ".join(f"{k} {v / mb:.1f} MB" for k, v in figures["parts"].items()))  # type: ignore[attr-defined]
    print("by codec: " + ", ".join(f"{k} {v / mb:.1f} MB" for k, v in figures["codecs"].items()))  # type: ignore[attr-defined]
    print(f"{'field':14} {'postings MB':>11} {'terms':>9}")
    for field, size in figures["postings_by_field"].items():  # type: ignore[attr-defined]
        print(f"{field:14} {size / mb:11.2f} {figures['terms_by_field'][field]:9,}")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
