"""Completion for the console: field names, the entity values in the index, operators and
console commands.

The values come from a :class:`Catalog`, a snapshot of the index's entity names and
their paragraph counts, built off the main thread by :class:`CatalogRefresher`; the
completer always uses the newest snapshot, so typing never waits for the index.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from ..index import SearchIndex
from ..models import ENTITY_FIELDS
from ..syntax import FIELD_NAMES, FIELDS, OPERATORS, field_name

#: Most values offered for one keystroke.
MAX_VALUES = 40
#: Fewest letters typed before names a typo away are offered too.
MIN_FUZZY = 4

_VALUE_CONTEXT = re.compile(r'(?:^|[\s(])(?P<field>[A-Za-z_]\w*):(?P<quote>"?)(?P<partial>[^"\s]*(?:\s[^"\s]*)*)$')
_WORD_CONTEXT = re.compile(r"(?:^|[\s(])(?P<partial>[-+]?[A-Za-z_]\w*)$")


def fold(text: str) -> str:
    """Lower case without accents: what completion matching compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class Value:
    """An entity name, its paragraph count, and its folded form with word starts marked."""

    name: str
    count: int
    spaced: str  # " " + folded name, so " " + partial finds word starts


def typo_edits(typed: str) -> int:
    """Edits allowed between what was typed and the start of a name it completes to."""
    return 1 if len(typed) <= 6 else 2


@dataclass
class Catalog:
    """Entity names per field, most frequent first."""

    values: dict[str, list[Value]] = field(default_factory=dict)
    #: per field and first letter, each word start of each name and its value's position
    _starts: dict[str, dict[str, tuple[list[str], list[int]]]] = field(default_factory=dict, repr=False)
    #: per field, first letter and length, those word starts cut to that length (what a typed
    #: prefix is compared with)
    _cut: dict[tuple[str, str, int], list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_index(cls, index: SearchIndex) -> Catalog:
        catalog = cls()
        for name in ENTITY_FIELDS:
            catalog.values[name] = [
                Value(value, count, " " + re.sub(r"[-\s]+", " ", fold(value)))
                for value, count in index.entity_values(name)
            ]
            # built here, in the background, so that no keystroke waits for it
            catalog._starts[name] = cls._word_starts(catalog.values[name])
        return catalog

    def near(self, field_: str, typed: str, limit: int) -> list[Value]:
        """Values of ``field_`` with a word whose start is a typo or two away from ``typed``
        (folded; "abramovitc" finds "Roman Abramovich"), the closest first, then the most
        frequent. The first letter must match, as typos seldom hit it: that leaves a
        twentieth of the names to compare, a millisecond on all of Reuters' organisations."""
        values = self.values.get(field_, [])
        if limit <= 0 or not values or not typed:
            return []
        if field_ not in self._starts:
            self._starts[field_] = self._word_starts(values)
        keys, owners = self._starts[field_].get(typed[0], ([], []))
        cut = self._cut.get((field_, typed[0], len(typed)))
        if cut is None:
            if len(self._cut) >= 8:  # typing moves a letter at a time: keep the last few lengths only
                del self._cut[next(iter(self._cut))]
            cut = self._cut[(field_, typed[0], len(typed))] = [key[:len(typed)] for key in keys]
        from rapidfuzz import process  # loaded when first needed: one-shot searches start faster
        from rapidfuzz.distance import OSA

        found = process.extract(typed, cut, scorer=OSA.distance, processor=None,
                                score_cutoff=typo_edits(typed), limit=None)
        best: dict[int, int] = {}
        for _, distance, i in found:
            owner = owners[i]
            best[owner] = min(distance, best.get(owner, distance))
        return [values[owner] for owner in sorted(best, key=lambda o: (best[o], o))[:limit]]

    @staticmethod
    def _word_starts(values: list[Value]) -> dict[str, tuple[list[str], list[int]]]:
        """Each word start of each name ("muhammad yunus", "yunus") with its value's position,
        by first letter."""
        starts: dict[str, tuple[list[str], list[int]]] = {}
        for position, value in enumerate(values):
            spaced = value.spaced
            for start in (i + 1 for i, c in enumerate(spaced) if c == " " and i + 1 < len(spaced)):
                keys, owners = starts.setdefault(spaced[start], ([], []))
                keys.append(spaced[start:])
                owners.append(position)
        return starts

    def matches(self, field_: str, partial: str, limit: int = MAX_VALUES) -> list[Value]:
        """Values of ``field_`` for ``partial``, most frequent first: names with a word that
        starts with it ("yun" finds "Muhammad Yunus"); then, when those are few, names with
        a word that starts a typo or two away ("abramovitc": "Roman Abramovich", see
        :meth:`near`), then names with a word holding its letters in order ("nvy" finds
        "Bangladesh Navy")."""
        values = self.values.get(field_, [])
        wanted = " " + re.sub(r"[-\s]+", " ", fold(partial)).strip()
        if wanted == " ":
            return values[:limit]
        found: list[Value] = []
        for value in values:
            if wanted in value.spaced:
                found.append(value)
                if len(found) >= limit:
                    return found
        chosen = {id(v) for v in found}
        if len(wanted) > MIN_FUZZY:
            for value in self.near(field_, wanted[1:], limit - len(found)):
                if id(value) not in chosen:
                    chosen.add(id(value))
                    found.append(value)
            if len(found) >= limit:
                return found
        if len(wanted) > 3 and " " not in wanted[1:]:
            letters = re.compile(" " + "[^ ]*?".join(map(re.escape, wanted[1:])))
            for value in values:
                if id(value) not in chosen and letters.search(value.spaced):
                    found.append(value)
                    if len(found) >= limit:
                        break
        return found


class QueryCompleter(Completer):
    """Completes what the cursor is in: a command, a field's value, or a field name / operator."""

    def __init__(self, catalog: Catalog, commands: dict[str, str]) -> None:
        self.catalog = catalog
        self.commands = commands  # name -> one-line help
        self._paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        if before.lstrip().startswith("\\"):
            yield from self._command_completions(document, complete_event)
            return
        context = _VALUE_CONTEXT.search(before)
        if context and field_name(context["field"]) in ENTITY_FIELDS:
            yield from self._value_completions(context)
            return
        word = _WORD_CONTEXT.search(before)
        if word:
            yield from self._word_completions(word["partial"].lstrip("+-"))

    def _value_completions(self, context: re.Match[str]) -> Iterable[Completion]:
        partial = context["partial"]
        replaced = len(partial) + len(context["quote"])
        for value in self.catalog.matches(field_name(context["field"]) or "", partial):
            text = f'"{value.name}"' if re.search(r'[\s:()"]', value.name) else value.name
            yield Completion(text, start_position=-replaced, display=value.name,
                             display_meta=f"{value.count} ¶")

    def _word_completions(self, partial: str) -> Iterable[Completion]:
        if partial.isupper():  # operators are written in capitals, field names are not
            for operator in OPERATORS:
                if operator.startswith(partial) and operator != partial:
                    yield Completion(operator, start_position=-len(partial), display_meta="operator")
            return
        lowered = partial.lower()
        for written, name in FIELD_NAMES.items():
            if written.startswith(lowered) and written != lowered:
                yield Completion(f"{written}:", start_position=-len(partial),
                                 display_meta=FIELDS[name] if written == name else f"= {name}:")

    def _command_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor.lstrip()
        name, _, rest = text.partition(" ")
        if not _:
            for command, help_text in self.commands.items():
                if command.startswith(name):
                    yield Completion(command, start_position=-len(name), display_meta=help_text)
            return
        if name in ("\\open", "\\index"):
            argument = rest.rpartition(" ")[2]
            yield from self._paths.get_completions(Document(argument, len(argument)), event)
        elif name == "\\entity":  # FIELD:NAME [QUERY]: the query language's completions
            yield from self.get_completions(Document(rest, len(rest)), event)
        elif name == "\\entities" and " " not in rest:
            for field in ENTITY_FIELDS:
                if field.startswith(rest):
                    yield Completion(field, start_position=-len(rest), display_meta=FIELDS[field])
        elif name in ("\\run", "\\forget") and " " not in rest:
            from .commands import saved_queries

            for saved, query in sorted(saved_queries().items()):
                if saved.startswith(rest):
                    yield Completion(saved, start_position=-len(rest), display_meta=query)
        elif name == "\\format":
            from ..formatters import FORMATS

            for fmt in FORMATS["results"]:
                if fmt.startswith(rest):
                    yield Completion(fmt, start_position=-len(rest))


class CatalogRefresher:
    """Builds a new :class:`Catalog` for an index in a background thread, and hands it over."""

    def __init__(self, on_ready: Callable[[Catalog], None]) -> None:
        self.on_ready = on_ready
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending: Path | None = None

    @property
    def busy(self) -> bool:
        """True while a catalog is being built."""
        return self._thread is not None

    def refresh(self, path: Path) -> None:
        """Start building a catalog for the index at ``path`` (a newer request wins)."""
        with self._lock:
            self._pending = path
            if self.busy:
                return
            self._thread = threading.Thread(target=self._run, name="searchidx-completion", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current refresh has finished (for tests and piped input)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                path, self._pending = self._pending, None
                if path is None:
                    self._thread = None
                    return
            try:
                # a reader of its own: Whoosh searchers are not shared across threads
                with SearchIndex.open(path) as index:
                    catalog = Catalog.from_index(index)
            except Exception:  # a vanished or damaged index just leaves completion as it was
                continue
            self.on_ready(catalog)
