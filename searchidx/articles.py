"""Reading news articles from files: text, Markdown and JSON Lines, single or in folders.

This module turns paths into :class:`~searchidx.models.Article` records and nothing
more. Bad input never stops a run: a file that cannot be read is skipped with a
one-line warning passed to ``on_warning``, and the next file is read.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .dates import parse_date
from .errors import InputError
from .models import Article

log = logging.getLogger(__name__)

Warn = Callable[[str], None]

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl",)
SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES
#: How every warning about something passed over ends.
SKIPPED = "(skipped)"

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
_SPACES = re.compile(r"\s+")
_HEADLINE_END = tuple(".!?:;,\"'”’»)")
_MAX_HEADLINE_CHARS = 150
_MAX_HEADLINE_WORDS = 20
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")


class UnreadableFile(Exception):
    """A file that holds no text to index (binary, empty); the message says which."""


@dataclass(frozen=True)
class Source:
    """A file to read, with the folder its article ids are relative to (or None)."""

    path: Path
    root: Path | None

    @property
    def is_jsonl(self) -> bool:
        return self.path.suffix.lower() in JSONL_SUFFIXES

    def article_id(self) -> str:
        """``business/001`` for a file in a folder given, the stem for a file given alone."""
        if self.root is None:
            return self.path.stem
        return self.path.relative_to(self.root).with_suffix("").as_posix()


def _ignore(_message: str) -> None:
    return None


def find_sources(paths: Iterable[str | os.PathLike[str]], on_warning: Warn = _ignore) -> list[Source]:
    """The files to read under ``paths``, in a stable order.

    Folders are walked recursively (hidden entries and symlinked folders are not
    followed into); files are kept when their suffix is one of :data:`SUFFIXES`,
    case-insensitively. A path that does not exist raises :class:`InputError`.
    """
    sources: list[Source] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            sources.extend(_walk(path, on_warning))
        elif path.is_file():
            sources.append(Source(path, None))
        elif not path.exists():
            raise InputError(f"{path}: no such file or directory")
        else:
            on_warning(f"{path}: not a regular file {SKIPPED}")
    return sources


def _walk(root: Path, on_warning: Warn) -> Iterator[Source]:
    def onerror(error: OSError) -> None:
        on_warning(f"{error.filename}: cannot read folder: {error.strerror} {SKIPPED}")

    for folder, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            yield Source(Path(folder, name), root)


def count_articles(sources: Iterable[Source]) -> int:
    """How many articles ``sources`` hold, roughly: one a text file, one a JSON Lines line."""
    total = 0
    for source in sources:
        if source.is_jsonl:
            try:
                with source.path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                pass
        else:
            total += 1
    return total


def read_articles(sources: Iterable[Source], on_warning: Warn = _ignore) -> Iterator[Article]:
    """Every article in ``sources``; unreadable files and records are warned about and skipped."""
    for source in sources:
        try:
            data = source.path.read_bytes()
            text = decode(data, str(source.path), on_warning)
        except OSError as error:
            on_warning(f"{source.path}: cannot read: {error.strerror} {SKIPPED}")
            continue
        except UnreadableFile as error:
            on_warning(f"{source.path}: {error} {SKIPPED}")
            continue
        if source.is_jsonl:
            yield from parse_jsonl(text, source, on_warning)
        else:
            article = parse_text(text, source.article_id(), str(source.path))
            if article is None:
                on_warning(f"{source.path}: no paragraphs {SKIPPED}")
            else:
                yield article


def decode(data: bytes, name: str, on_warning: Warn = _ignore) -> str:
    """The text of a file's bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else cp1252.

    Raises :class:`UnreadableFile` for binary data and for files with no text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableFile("not valid UTF-16") from error
    else:
        head = data[:8192]
        if b"\x00" in head or len(_CONTROL.findall(head)) > len(head) // 10:
            raise UnreadableFile("binary file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            on_warning(f"{name}: not UTF-8 (byte {error.start}); read as Windows-1252")
            text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise UnreadableFile("binary file")
    if not text.strip():
        raise UnreadableFile("empty file")
    return text


def _raw_blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [block for block in _BLANK_LINE.split(text) if block.strip()]


def _join_lines(block: str) -> str:
    return _SPACES.sub(" ", block).strip()


def split_blocks(text: str) -> list[str]:
    """Blank-line-separated blocks of ``text``, each with its lines joined by single spaces."""
    return [_join_lines(block) for block in _raw_blocks(text)]


def looks_like_headline(block: str) -> bool:
    """True for one short line without closing punctuation, as news headlines are written."""
    line = block.strip()
    return (
        "\n" not in line
        and 0 < len(line) <= _MAX_HEADLINE_CHARS
        and len(line.split()) <= _MAX_HEADLINE_WORDS
        and not line.endswith(_HEADLINE_END)
    )


def parse_text(text: str, article_id: str, source: str = "") -> Article | None:
    """An article from plain text or Markdown; None when it has no paragraphs.

    The first block becomes the title when it looks like a headline (a Markdown
    heading's ``#`` marks removed) and more blocks follow.
    """
    blocks = _raw_blocks(text)
    title = ""
    if len(blocks) > 1:
        first = blocks[0].strip()
        if first.startswith("#"):
            first = first.lstrip("#").strip()
        if looks_like_headline(first):
            title = first
            blocks = blocks[1:]
    paragraphs = tuple(_join_lines(block) for block in blocks)
    if not paragraphs:
        return None
    return Article(id=article_id, paragraphs=paragraphs, title=title, source=source)


def parse_jsonl(text: str, source: Source, on_warning: Warn = _ignore) -> Iterator[Article]:
    """Articles from JSON Lines: ``id``, ``title``, ``date``, ``text``; other keys become metadata."""
    name = source.path
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            on_warning(f"{name}:{lineno}: not valid JSON: {error.msg} {SKIPPED}")
            continue
        if not isinstance(record, dict):
            on_warning(f"{name}:{lineno}: not a JSON object {SKIPPED}")
            continue
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            on_warning(f"{name}:{lineno}: no \"text\" string {SKIPPED}")
            continue
        raw_id = record.get("id")
        if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id).strip():
            article_id = str(raw_id).strip()
        else:
            article_id = f"{source.article_id()}:{lineno}"
            on_warning(f"{name}:{lineno}: no usable \"id\"; using {article_id}")
        paragraphs = tuple(split_blocks(body))
        title = record.get("title")
        date = record.get("date")
        if date is not None and not (isinstance(date, str) and (not date.strip() or parse_date(date))):
            on_warning(f"{name}:{lineno}: \"date\" {date!r} is not an ISO 8601 date; kept as written, "
                       "but published: ranges and date sorting will not find this article")
        metadata = {k: v for k, v in record.items() if k not in ("id", "title", "date", "text")}
        yield Article(
            id=article_id,
            paragraphs=paragraphs,
            title=_SPACES.sub(" ", title).strip() if isinstance(title, str) else "",
            date=date.strip() if isinstance(date, str) else "",
            source=f"{name}:{lineno}",
            metadata=metadata,
        )
