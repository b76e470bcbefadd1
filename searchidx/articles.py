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
import stat
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .dates import parse_date
from .errors import InputError
from .models import Article

log = logging.getLogger(__name__)

Warn = Callable[[str], None]

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl",)
SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES
#: Names of files that tell about a folder rather than being one of its articles (README.TXT,
#: LICENSE.md, CHANGES.txt ...): passed over in folders, read when given by name.
NOT_ARTICLES = re.compile(r"(?i)(readme|read[-_]me|licen[cs]e|copying|copyright|changelog|changes|notice|authors"
                          r"|contributing|install)([-_.][^.]*)?\.\w+$")
#: How every warning about something passed over ends.
SKIPPED = "(skipped)"
#: Longer paragraphs are split (at line or sentence ends where there are some): a paragraph
#: is what a search finds, and NER slows down on long texts. The longest of the 118,069
#: paragraphs of the BBC and Reuters corpora has 3,191 characters.
MAX_PARAGRAPH_CHARS = 10_000
#: Longer articles (a text file, or the "text" of a JSON Lines record) are skipped: no news
#: article is that long, and NER would take minutes. spaCy's own limit per text is the same.
MAX_ARTICLE_CHARS = 1_000_000
#: Of a text file, at most this many bytes are read (4 bytes a character at most in UTF-8).
MAX_FILE_BYTES = 4 * MAX_ARTICLE_CHARS

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
_SPACES = re.compile(r"\s+")
#: How a sentence ends, after any closing quotes: a line ending so is no headline. A question
#: mark, a closing quote or bracket, or an ellipsis does not: "Call centre users 'lose
#: patience'", "Is Euro 2008 too soon?", "Ireland v USA (Sat)" and "Rivals of the Apple..."
#: are headlines, where '"We will win."' is a sentence.
_HEADLINE_END = tuple(".!:;,")
_CLOSING_QUOTES = "\"'”’»"
_MAX_HEADLINE_CHARS = 150
_MAX_HEADLINE_WORDS = 20
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_CONTROL_BUT_NUL = re.compile(rb"[\x01-\x08\x0e-\x1f]")
_SENTENCE_END = re.compile(r"[.!?][\"'”’»)\]]*\s")


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


class Notices:
    """Where reading reports what it could not take as given: :meth:`warn` for a problem
    worked around, :meth:`skip` for a file or record passed over (also a warning, ending
    in "(skipped)"), which it counts."""

    def __init__(self, on_warning: Warn | None = None) -> None:
        self.on_warning = on_warning or _ignore
        #: files and records passed over so far
        self.skipped = 0

    @classmethod
    def of(cls, given: Notices | Warn | None) -> Notices:
        """``given`` if it is a :class:`Notices`, else one passing warnings to the callback ``given``."""
        return given if isinstance(given, Notices) else cls(given)

    def warn(self, message: str) -> None:
        """Report a problem that was worked around."""
        self.on_warning(message)

    def skip(self, message: str) -> None:
        """Report a file or record passed over, and count it."""
        self.skipped += 1
        self.on_warning(f"{message} {SKIPPED}")


def find_sources(paths: Iterable[str | os.PathLike[str]], on_warning: Notices | Warn | None = None) -> list[Source]:
    """The files to read under ``paths``, in a stable order.

    Folders are walked recursively (hidden entries and symlinked folders are not
    followed into); files are kept when their suffix is one of :data:`SUFFIXES`,
    case-insensitively. A path that does not exist raises :class:`InputError`.
    """
    notices = Notices.of(on_warning)
    sources: list[Source] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            sources.extend(_walk(path, notices))
        elif path.is_file():
            sources.append(Source(path, None))
        elif not path.exists():
            raise InputError(f"{path}: no such file or directory")
        else:
            notices.skip(f"{path}: not a regular file")
    return sources


def _walk(root: Path, notices: Notices) -> Iterator[Source]:
    def onerror(error: OSError) -> None:
        notices.skip(f"{error.filename}: cannot read folder: {error.strerror}")

    for folder, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:
            if os.path.islink(os.path.join(folder, name)):
                notices.skip(f"{Path(folder, name)}: symbolic link to a folder, not followed "
                             "(give it as a path to index it)")
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            path = Path(folder, name)
            if NOT_ARTICLES.match(name):
                notices.skip(f"{path}: a corpus's notes, not an article (give the file as a path to index it)")
                continue
            if _special(path):
                notices.skip(f"{path}: not a regular file")
                continue
            yield Source(path, root)


def _special(path: Path) -> bool:
    """True for a pipe, socket or device (reading a pipe would wait forever); False for a
    regular file and for what cannot be looked at (reading it says why)."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


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


def read_articles(sources: Iterable[Source], on_warning: Notices | Warn | None = None) -> Iterator[Article]:
    """Every article in ``sources``; unreadable files and records are warned about and skipped."""
    notices = Notices.of(on_warning)
    for source in sources:
        if source.is_jsonl:
            yield from _stream_jsonl(source, notices)
            continue
        try:
            data = _read(source)
            text = decode(data, str(source.path), notices.warn)
            if not source.is_jsonl and len(text) > MAX_ARTICLE_CHARS:
                raise UnreadableFile(f"{len(text):,} characters, {_TOO_LONG}")
        except OSError as error:
            notices.skip(f"{source.path}: cannot read: {error.strerror}{_link(source.path)}")
            continue
        except UnreadableFile as error:
            notices.skip(f"{source.path}: {error}")
            continue
        if source.is_jsonl:
            yield from parse_jsonl(text, source, notices)
        else:
            article = parse_text(text, source.article_id(), str(source.path), notices.warn)
            if article is None:
                notices.skip(f"{source.path}: no paragraphs")
            else:
                yield article


_TOO_LONG = f"too long for one article (at most {MAX_ARTICLE_CHARS:,} characters); split it into smaller files"


def _stream_jsonl(source: Source, notices: Notices) -> Iterator[Article]:
    """The articles of a JSON Lines file, read a line at a time: memory does not grow with
    the file. The file is judged by its start (binary, UTF-16) and each line decoded apart
    (UTF-8, else Windows-1252 with a warning naming the line)."""
    name = str(source.path)
    try:
        with source.path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: rare; read whole
                yield from parse_jsonl(decode(head + handle.read(), name, notices.warn), source, notices)
                return
            if _binary(head):
                raise UnreadableFile("binary file")
            handle.seek(0)
            found = yield from parse_jsonl(_decoded_lines(handle, name, notices), source, notices)
    except OSError as error:
        notices.skip(f"{source.path}: cannot read: {error.strerror}{_link(source.path)}")
        return
    except UnreadableFile as error:
        notices.skip(f"{source.path}: {error}")
        return
    if not found:
        notices.skip(f"{source.path}: {'only whitespace' if source.path.stat().st_size else 'empty file'}")


#: Bytes of a file's start that tell whether it is text.
_SNIFF_BYTES = 8192


def _decoded_lines(handle: BinaryIO, name: str, notices: Notices) -> Iterator[str]:
    """The lines of a binary file as text: UTF-8 (a BOM skipped), a line that is not read
    as Windows-1252 with a warning; NUL characters removed with a warning."""
    for lineno, raw in enumerate(handle, start=1):
        if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            notices.warn(f"{name}:{lineno}: not UTF-8 (byte {error.start}); read as Windows-1252")
            line = raw.decode("cp1252", errors="replace")
        if "\x00" in line:
            nuls = line.count("\x00")
            line = line.replace("\x00", "")
            notices.warn(f"{name}:{lineno}: {nuls:,} NUL character{'s' if nuls > 1 else ''} removed")
        yield line.rstrip("\r\n")


def _read(source: Source) -> bytes:
    """The bytes of a text file; :class:`UnreadableFile` for one over :data:`MAX_FILE_BYTES`
    (of which no more is read)."""
    with source.path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            size = os.fstat(handle.fileno()).st_size
            raise UnreadableFile(f"{size / 1e6:,.1f} MB, {_TOO_LONG}")
    return data


def _link(path: Path) -> str:
    """`` (symbolic link to TARGET)`` for a symbolic link, else nothing."""
    try:
        return f" (symbolic link to {os.readlink(path)})"
    except OSError:
        return ""


def decode(data: bytes, name: str, on_warning: Warn = _ignore) -> str:
    """The text of a file's bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else cp1252.

    A few NUL characters in text (10, or 1 in 100, not counting a run that pads the end)
    are removed with a warning. Raises :class:`UnreadableFile` for binary data and for
    files with no text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableFile("not valid UTF-16") from error
    else:
        if _binary(data):
            raise UnreadableFile("binary file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            on_warning(f"{name}: not UTF-8 (byte {error.start}); read as Windows-1252")
            text = data.decode("cp1252", errors="replace")
    nuls = text.count("\x00")
    if nuls:
        if text.rstrip("\x00").count("\x00") > max(10, len(text) // 100):
            raise UnreadableFile("binary file")
        text = text.replace("\x00", "")
        on_warning(f"{name}: {nuls:,} NUL character{'s' if nuls > 1 else ''} removed")
    if not text.strip():
        raise UnreadableFile("only whitespace" if text else "empty file")
    return text


def _binary(data: bytes) -> bool:
    """True when the start of ``data`` has many control characters (1 in 10), or when
    ``data`` holds NUL bytes and other control characters (more than 1 in 100): text with
    a stray NUL has hardly any others, compressed or random data 1 in 10."""
    if b"\x00" in data:
        return len(_CONTROL_BUT_NUL.findall(data)) > len(data) // 100
    head = data[:8192]
    return len(_CONTROL.findall(head)) > len(head) // 10


def _raw_blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [block for block in _BLANK_LINE.split(text) if block.strip()]


def _join_lines(block: str) -> str:
    return _SPACES.sub(" ", block).strip()


def split_blocks(text: str) -> list[str]:
    """Blank-line-separated blocks of ``text``, each with its lines joined by single spaces."""
    return [_join_lines(block) for block in _raw_blocks(text)]


def looks_like_headline(block: str) -> bool:
    """True for one short line that does not end a sentence (:data:`_HEADLINE_END`), as
    news headlines are written."""
    line = block.strip()
    return (
        "\n" not in line
        and 0 < len(line) <= _MAX_HEADLINE_CHARS
        and len(line.split()) <= _MAX_HEADLINE_WORDS
        and (not line.rstrip(_CLOSING_QUOTES).endswith(_HEADLINE_END) or line.rstrip(_CLOSING_QUOTES).endswith(
            ("...", "\u2026")))
    )


def parse_text(text: str, article_id: str, source: str = "", on_warning: Warn = _ignore) -> Article | None:
    """An article from plain text or Markdown; None when it has no paragraphs.

    The first block becomes the title when it looks like a headline (a Markdown
    heading's ``#`` marks removed) and more blocks follow. Paragraphs longer than
    :data:`MAX_PARAGRAPH_CHARS` are split, with a warning (:func:`limit_paragraphs`).
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
    paragraphs = limit_paragraphs(blocks, source or article_id, on_warning)
    if not paragraphs:
        return None
    return Article(id=article_id, paragraphs=paragraphs, title=title, source=source)


def limit_paragraphs(blocks: Sequence[str], name: str, on_warning: Warn = _ignore) -> tuple[str, ...]:
    """The paragraphs of raw blocks (lines joined), those longer than :data:`MAX_PARAGRAPH_CHARS`
    split into pieces (see :func:`split_long`), with one warning naming ``name`` if any is."""
    paragraphs: list[str] = []
    long: list[int] = []
    for block in blocks:
        paragraph = _join_lines(block)
        if len(paragraph) <= MAX_PARAGRAPH_CHARS:
            paragraphs.append(paragraph)
            continue
        long.append(len(paragraph))
        paragraphs.extend(piece for piece in map(_join_lines, split_long(block)) if piece)
    if long:
        pieces = len(paragraphs) - (len(blocks) - len(long))
        on_warning(f"{name}: {len(long)} paragraph{'s' if len(long) > 1 else ''} over {MAX_PARAGRAPH_CHARS:,} "
                   f"characters (the longest has {max(long):,}) split into {pieces}")
    return tuple(paragraphs)


def split_long(text: str, limit: int | None = None) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters (default: :data:`MAX_PARAGRAPH_CHARS`),
    each cut at the last line end of the piece's second half, else the last sentence end,
    else the last space, else wherever the limit falls."""
    limit = limit or MAX_PARAGRAPH_CHARS
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        low, high = start + limit // 2, start + limit
        cut = text.rfind("\n", low, high) + 1
        if not cut:
            ends = [match.end() for match in _SENTENCE_END.finditer(text, low, high)]
            cut = ends[-1] if ends else max(text.rfind(" ", low, high), text.rfind("\t", low, high)) + 1
        if not cut:
            cut = high
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def parse_jsonl(text: str | Iterable[str], source: Source,
                on_warning: Notices | Warn | None = None) -> Generator[Article, None, int]:
    """Articles from JSON Lines (a text, or its lines one at a time): ``id``, ``title``,
    ``date``, ``text``; other keys become metadata. Returns how many lines held a record."""
    notices = Notices.of(on_warning)
    name = source.path
    records = 0
    for lineno, line in enumerate(text.splitlines() if isinstance(text, str) else text, start=1):
        if not line.strip():
            continue
        records += 1
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            notices.skip(f"{name}:{lineno}: not valid JSON: {error.msg}")
            continue
        if not isinstance(record, dict):
            notices.skip(f"{name}:{lineno}: not a JSON object")
            continue
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            notices.skip(f"{name}:{lineno}: no \"text\" string")
            continue
        if len(body) > MAX_ARTICLE_CHARS:
            notices.skip(f"{name}:{lineno}: \"text\" has {len(body):,} characters, {_TOO_LONG}")
            continue
        raw_id = record.get("id")
        if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id).strip():
            article_id = str(raw_id).strip()
        else:
            article_id = f"{source.article_id()}:{lineno}"
            notices.warn(f"{name}:{lineno}: no usable \"id\"; using {article_id}")
        paragraphs = limit_paragraphs(_raw_blocks(body), f"{name}:{lineno}", notices.warn)
        title = record.get("title")
        if title is not None and not isinstance(title, str):
            notices.warn(f"{name}:{lineno}: \"title\" {_short(title)} is not a string; ignored")
        date = record.get("date")
        if date is not None and not isinstance(date, str):
            notices.warn(f"{name}:{lineno}: \"date\" {_short(date)} is not a string; ignored")
        elif date is not None and date.strip() and not parse_date(date):
            notices.warn(f"{name}:{lineno}: \"date\" {_short(date)} is not an ISO 8601 date; kept as written, "
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
    return records


def _short(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: a warning stays one short line."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
