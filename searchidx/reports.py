"""What the operations on an index report: an indexing run, the index's counts, a check
of its files, an export."""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class IndexStats:
    """Counts that describe an index on disk."""

    path: str
    articles: int
    paragraphs: int
    entities: dict[str, int]
    size_bytes: int
    model: str
    schema_version: int

    def to_dict(self) -> dict[str, Any]:
        """The statistics as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass
class IndexingReport:
    """What one indexing run or writer did. ``skipped`` counts files and records passed
    over, ``articles_missing`` the deletions of articles the index did not hold, and
    ``commits`` the commits made (a long run commits in batches)."""

    articles_added: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_deleted: int = 0
    articles_missing: int = 0
    paragraphs_written: int = 0
    #: paragraphs written again with the fields and names the whole corpus decided
    paragraphs_settled: int = 0
    skipped: int = 0
    commits: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class IndexCheck:
    """What reading a whole index found: ``problems`` (empty when it is sound), the files
    whose digests matched those recorded when they were written, and the paragraphs read."""

    path: str
    problems: list[str]
    files_verified: int
    paragraphs: int

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data."""
        return {**dataclasses.asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class ExportReport:
    """What an export (:meth:`SearchIndex.export`) wrote: the folder, the index name, the mapping file, the bulk
    files in load order, the number of documents and the bytes of the bulk files."""

    folder: Path
    name: str
    mapping: Path
    files: list[Path] = field(default_factory=list)
    documents: int = 0
    size_bytes: int = 0

    def curl_commands(self, host: str = "http://localhost:9200") -> list[str]:
        """Shell commands that create the index and load the files into a cluster at ``host``."""
        base = host.rstrip("/")
        commands = [f"curl -XPUT {shlex.quote(f'{base}/{self.name}')} -H 'Content-Type: application/json' "
                    f"--data-binary {shlex.quote('@' + str(self.mapping))}"]
        commands += [f"curl -XPOST {shlex.quote(f'{base}/_bulk')} -H 'Content-Type: application/x-ndjson' "
                     f"--data-binary {shlex.quote('@' + str(path))}" for path in self.files]
        return commands

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (paths as text)."""
        data = dataclasses.asdict(self)
        data.update(folder=str(self.folder), mapping=str(self.mapping), files=[str(p) for p in self.files])
        return data
