"""The index folder on disk: opening it while others commit, telling damage from other
failures, and the digests that ``searchidx check`` compares files with.

Whoosh names each commit's table of contents ``_MAIN_<generation>.toc`` and its segments
``MAIN_<id>.seg``; searchidx adds ``searchidx.json`` (:class:`~.schema.Meta`) and
``searchidx-sums.json`` (a digest of every file of the last commit).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from whoosh.index import FileIndex

from ..errors import IndexCorruptError, IndexNotFoundError, IndexVersionError, SearchidxError, access_error
from . import compat
from .schema import (
    CATALOGUE_FILE,
    EVIDENCE_FILE,
    JOINED_FILE,
    JOURNAL_PREFIX,
    META_FILE,
    SCHEMA_VERSION,
    Meta,
    build_schema,
)

#: Digests of the files of the last commit, so that ``check`` can tell damage from a change.
SUMS_FILE = "searchidx-sums.json"
#: Tries at opening an index or a searcher while other processes commit to it.
OPEN_ATTEMPTS = 5
#: What Whoosh raises when a segment's bytes are damaged under it.
READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)

_TOC_NAME = re.compile(r"_MAIN_(\d+)\.toc")
T = TypeVar("T")


class IndexStorage(compat.MappedStorage):
    """The index folder's storage, making each commit durable: before Whoosh renames a
    commit's table of contents into place (written under a temporary name), every file
    written since the last commit that still exists (the new segment's, the table of
    contents) is synced to disk, then the folder; after the rename the folder again. A
    power cut at any moment then leaves the last commit or the new one: never a table of
    contents naming data that did not reach the disk. (Files deleted before the commit,
    like the parts Whoosh assembles into one compound segment file, are never synced.)"""

    def __init__(self, path: str, readonly: bool = False) -> None:
        super().__init__(path, readonly)
        self._written: set[str] = set()

    def create_file(self, name: str, **kwargs: Any) -> Any:
        self._written.add(name)
        return super().create_file(name, **kwargs)

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        folder = Path(self.folder)
        written, self._written = self._written, set()
        for name in sorted(written):
            if (folder / name).is_file():
                sync_file(folder / name)
        sync_folder(folder)  # the new files' names before the name of the commit
        super().rename_file(oldname, newname, safe)
        sync_folder(folder)


def sync_folder(path: Path) -> None:
    """Make the names in folder ``path`` (files created, renamed or removed) durable."""
    sync_file(path)


def sync_file(path: Path) -> None:
    """Make the contents of the file (or the names of the folder) at ``path`` durable."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


#: The folder inside an index where ``--rebuild`` builds the new index, until it is swapped in.
REBUILD_FOLDER = "rebuild"


def adopt(path: Path, ix: Any, other: Path, other_ix: Any) -> None:
    """Make the last commit of the index at ``other`` (a folder on the same disk) the next
    commit of the index at ``path``, in one step: its segment files are linked (or copied)
    into ``path``, synced, then a table of contents naming them replaces the old one. Call it
    holding the writer's lock of ``path``; a crash before the rename leaves the old commit."""
    schema, segments = compat.last_commit(other_ix)
    for segment in segments:
        for file in other.glob(f"{segment.segment_id()}.*"):
            target = path / file.name
            target.unlink(missing_ok=True)  # (linked by a swap cut short)
            try:
                os.link(file, target)
            except OSError:  # a file system without hard links
                shutil.copyfile(file, target)
                sync_file(target)
    sync_folder(path)
    compat.commit_segments(ix, schema, segments)


def exists(path: Path) -> bool:
    """True when ``path`` holds a Whoosh index (a table of contents of one)."""
    return path.is_dir() and any(path.glob("_MAIN_*.toc"))


def owns_file(name: str) -> bool:
    """True for the names of files an index keeps in its folder."""
    return name in (META_FILE, SUMS_FILE, CATALOGUE_FILE, JOINED_FILE, EVIDENCE_FILE) \
        or name.startswith(("_MAIN_", "MAIN_", JOURNAL_PREFIX))


def latest_generation(path: Path) -> int:
    """The number of an index folder's latest commit: Whoosh names its tables of contents by it."""
    found = (_TOC_NAME.fullmatch(entry.name) for entry in path.glob("_MAIN_*.toc"))
    return max((int(match.group(1)) for match in found if match), default=-1)


def damaged(path: Path, error: BaseException) -> SearchidxError:
    """The error to raise for ``error`` met while reading the index at ``path``: the
    machine's refusal when that is the cause (permissions, open files), else damage."""
    refused = access_error(error, path, "read the index at")
    if refused is not None:
        return refused
    return IndexCorruptError(f"{path}: the index is damaged ({type(error).__name__}: {error}); "
                             f"rebuild it with `searchidx index --rebuild --index {path}`")


def retry_if_committed(path: Path, opening: Callable[[], T], generation: Callable[[], int]) -> T:
    """``opening()``, tried again when it failed because a commit of another process replaced
    the files it was opening (a merge deletes the segments it merged); an error without a
    new commit is damage (or the machine's refusal, see :func:`damaged`)."""
    attempt = 0
    while True:
        before = generation()
        try:
            return opening()
        except Exception as error:  # Whoosh raises many kinds for missing or damaged files
            attempt += 1
            if attempt == OPEN_ATTEMPTS or generation() == before or access_error(error, path, "") is not None:
                raise damaged(path, error) from error
        time.sleep(0.01 * attempt)


def open_folder(path: Path) -> tuple[Any, Any, Meta]:
    """The Whoosh index at ``path``, its schema and its :class:`Meta`, checking that this
    version of searchidx can read it."""
    compat.check_whoosh()
    if not path.exists():
        raise IndexNotFoundError(f"no index at {path}; build one with `searchidx index --index {path}`")
    if not path.is_dir():
        raise IndexNotFoundError(f"{path} is a file, not an index folder; give the folder of an index")
    if not exists(path):
        if any(path.glob("MAIN_*.seg")):  # segments without their table of contents
            raise IndexCorruptError(f"{path}: the index is damaged (its table of contents, _MAIN_*.toc, is "
                                    f"missing); rebuild it with `searchidx index --rebuild --index {path}`")
        raise IndexNotFoundError(f"{path} holds no index; build one with `searchidx index --index {path}`")
    meta = Meta.read(path)
    if meta.schema_version != SCHEMA_VERSION:
        raise IndexVersionError(
            f"{path} was built by another version of searchidx (schema {meta.schema_version}, "
            f"this one reads {SCHEMA_VERSION}); rebuild it with `searchidx index --rebuild --index {path}`"
        )
    storage = IndexStorage(str(path))
    ix, schema = retry_if_committed(path, lambda: _index_and_schema(storage), lambda: latest_generation(path))
    return ix, schema, meta


def _index_and_schema(storage: Any) -> tuple[Any, Any]:
    # Whoosh reads the latest table of contents both when it opens an index and for each
    # ``ix.schema``: a commit in between deletes the one it listed, so both are read together.
    ix = FileIndex(storage, indexname="MAIN")
    return ix, ix.schema


def create_folder(path: Path, model: str) -> tuple[Any, Any, Meta]:
    """A new empty index at ``path`` (the folder is made when missing) and its :class:`Meta`."""
    compat.check_whoosh()
    try:
        path.mkdir(parents=True, exist_ok=True)
        schema = build_schema()
        meta = Meta(SCHEMA_VERSION, model)
        meta.write(path)  # first: a table of contents without it would not be a searchidx index
        sync_file(path / META_FILE)
        ix = IndexStorage(str(path)).create_index(schema, indexname="MAIN")
    except OSError as error:
        raise access_error(error, path, "create an index at") or error
    return ix, schema, meta


def _digest(file: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with file.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def read_sums(path: Path) -> dict[str, list[Any]]:
    """The recorded digests (file name -> [size, digest]); none when there are none or they are unreadable."""
    try:
        sums = json.loads((path / SUMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return sums if isinstance(sums, dict) else {}


def committed_files(path: Path, ix: Any) -> list[Path]:
    """The files the latest commit consists of: its table of contents and its segments'."""
    names = [f"_MAIN_{latest_generation(path)}.toc"]
    for segment in compat.segment_ids(ix):
        names += sorted(entry.name for entry in path.glob(f"{segment}.*"))
    return [path / name for name in names]


def record_sums(path: Path, ix: Any) -> None:
    """Write the digests of the latest commit's files (segment files never change once
    written, so only new ones are read)."""
    old = read_sums(path)
    sums = {}
    for file in committed_files(path, ix):
        size = file.stat().st_size
        known = old.get(file.name)
        keep = known and known[0] == size and not file.name.endswith(".toc")
        sums[file.name] = known if keep else [size, _digest(file)]
    # replaced atomically but not synced: after a power cut, digests of an older commit (or
    # none) only make ``check`` verify fewer files, never report a sound file as damaged
    tmp = path / (SUMS_FILE + ".tmp")
    tmp.write_text(json.dumps(sums, indent=0) + "\n", encoding="utf-8")
    tmp.replace(path / SUMS_FILE)


def verify(path: Path, ix: Any) -> tuple[list[str], int, int]:
    """Problems found by reading the whole index: files whose digests differ from those
    recorded at their commit, and read errors in any term, posting list, length or stored
    paragraph. Also the number of files checked against digests, and of paragraphs read.

    It reads through a reader of its own, so searches of other threads go on meanwhile."""
    problems: list[str] = []
    sums = read_sums(path)
    checked = 0
    for file in committed_files(path, ix):
        recorded = sums.get(file.name)
        if not file.exists():
            problems.append(f"{file.name} is missing")
        elif recorded is None:
            continue  # written by a searchidx that kept no digests, or a commit cut short
        elif file.stat().st_size != recorded[0] or _digest(file) != recorded[1]:
            problems.append(f"{file.name} has changed since it was written (its digest differs)")
        else:
            checked += 1
    paragraphs = 0
    try:
        with ix.reader() as reader:
            _read_everything(reader)
            paragraphs = sum(1 for _ in reader.all_stored_fields())
    except Exception as error:  # any read error of damaged contents
        problems.append(f"reading the index failed ({type(error).__name__}: {error})")
    return problems, checked, paragraphs


def _read_everything(reader: Any) -> None:
    """Every term's postings and every paragraph's field lengths (what searches read)."""
    schema = reader.schema
    for fieldname in schema.names():
        if schema[fieldname].indexed:
            for term in reader.lexicon(fieldname):
                for _ in reader.postings(fieldname, term).all_ids():
                    pass
        if schema[fieldname].scorable:
            for docnum in reader.all_doc_ids():
                reader.doc_field_length(docnum, fieldname)
