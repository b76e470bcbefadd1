"""The corpus step's evidence kept with the index, so that a settle does not count it again
from every stored paragraph (the half of a settle's time: all of Reuters, 3.6 s of reading
and counting).

At each settle the evidence it decided from is recorded beside the index
(``evidence.json``, with the commit it describes); each commit after it records what its
writer added and deleted (``evidence-N.json`` for commit N, :class:`Journal`). The next
settle takes the record and the commits' journals since, when every commit since has one
and all were counted by the same rules (:func:`~searchidx.ner.corpus.signature`); anything
else (a commit by another program or an older searchidx, a journal lost in a crash between
a commit and its journal, a damaged file) makes it count from the stored paragraphs as
before. Nothing here is on the query path.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .schema import EVIDENCE_FILE, JOURNAL_PREFIX

if TYPE_CHECKING:
    from ..ner.corpus import Catalogue

log = logging.getLogger("searchidx")

_JOURNAL_NAME = re.compile(re.escape(JOURNAL_PREFIX) + r"(\d+)\.json")


class Journal:
    """What one writer's commit adds to and takes from the corpus's evidence: the paragraphs
    it writes (:attr:`added`) and those it deletes (:attr:`removed`), observed as the
    corpus step observes them."""

    def __init__(self) -> None:
        from ..ner.corpus import Catalogue

        self.added = Catalogue()
        self.removed = Catalogue()
        #: False when the write changed the evidence in a way this cannot say (a rewritten
        #: paragraph that lost mentions): the next settle counts from the paragraphs
        self.exact = True
        #: True when the write wrote paragraphs again with other decisions (a settle's)
        self.settled = False

    def apply(self, catalogue: Catalogue) -> None:
        """Bring ``catalogue`` (the evidence before this commit) to after it."""
        catalogue.absorb(self.removed, -1)
        catalogue.absorb(self.added)

    def to_json(self) -> dict[str, Any]:
        """The journal as JSON's types (what :func:`load` reads back)."""
        if not self.exact:
            return {"exact": False}
        return {"added": self.added.to_json(), "removed": self.removed.to_json(), "settled": self.settled}


class Kept(NamedTuple):
    """The evidence kept with an index (see :func:`load`)."""

    #: the evidence of the index at the commit asked for
    catalogue: Catalogue
    #: the decisions of the settle that recorded it (folded name -> [field, name]), which
    #: every paragraph then written agreed with; None when a commit since settled again
    #: (its record lost in a crash), so that which paragraphs agree is not known
    decided: dict[str, list[str]] | None
    #: the articles written since that record (with mentions)
    written: set[str]


def record_journal(path: Path, generation: int, journal: Journal | None) -> None:
    """Record the journal of commit ``generation`` (None: a commit that changed no paragraph's
    evidence, a merge), unless no evidence is recorded to add it to (an index's first run,
    whose end records it). A journal that cannot be written is left out (the next settle
    counts from the paragraphs) rather than failing a commit that is made."""
    from ..ner.corpus import signature

    if not (path / EVIDENCE_FILE).exists():
        return

    data = {"generation": generation, "signature": signature(), **(journal.to_json() if journal else {})}
    try:
        _write(path / f"{JOURNAL_PREFIX}{generation}.json", data)
    except OSError as error:
        log.info("the evidence of commit %d was not recorded (%s): the next settle counts it again", generation, error)


def record(path: Path, generation: int, catalogue: Catalogue, decided: dict[str, list[str]]) -> None:
    """Record ``catalogue`` as the evidence of the index at commit ``generation``, just settled
    with ``decided``, removing the journals it includes."""
    from ..ner.corpus import signature

    try:
        _write(path / EVIDENCE_FILE, {"generation": generation, "signature": signature(),
                                      "catalogue": catalogue.to_json(), "decided": decided})
    except OSError as error:
        log.info("the evidence was not recorded (%s): the next settle counts it again", error)
        return
    for number, journal in _journals(path):
        if number <= generation:
            journal.unlink(missing_ok=True)


def load(path: Path, generation: int) -> Kept | None:
    """The evidence of the index at commit ``generation``, from the last record and the
    journals of every commit since; None when one is missing or unreadable, or was counted
    by other rules."""
    from ..ner.corpus import Catalogue, signature

    rules = signature()
    record = _read(path / EVIDENCE_FILE)
    if not record or record.get("signature") != rules or not isinstance(record.get("generation"), int) \
            or record["generation"] > generation:
        return None
    journals = dict(_journals(path))
    decided = record.get("decided")
    if not isinstance(decided, dict) or not all(isinstance(v, list) and len(v) == 2 for v in decided.values()):
        decided = None
    written: set[str] = set()
    try:
        catalogue = Catalogue.from_json(record.get("catalogue"))
        for number in range(record["generation"] + 1, generation + 1):
            entry = _read(journals[number]) if number in journals else {}
            if entry.get("signature") != rules or entry.get("generation") != number or entry.get("exact") is False:
                return None
            if "added" in entry:
                journal = Journal()
                journal.added = Catalogue.from_json(entry["added"])
                journal.removed = Catalogue.from_json(entry["removed"])
                journal.apply(catalogue)
                written.update(journal.added.articles)
                if entry.get("settled") is not False:
                    decided = None
    except ValueError as error:
        log.info("the recorded evidence is unreadable (%s): counting it again", error)
        return None
    return Kept(catalogue, decided, written)


def carry(source: Path, source_generation: int, target: Path, generation: int) -> None:
    """Give the index at ``target`` the evidence of the one at ``source`` at its commit
    ``source_generation`` (a rebuild, swapped in as commit ``generation``)."""
    kept = load(source, source_generation)
    for _, journal in _journals(target):
        journal.unlink(missing_ok=True)
    (target / EVIDENCE_FILE).unlink(missing_ok=True)
    if kept is not None and kept.decided is not None and not kept.written:
        record(target, generation, kept.catalogue, kept.decided)


def _journals(path: Path) -> list[tuple[int, Path]]:
    found = ((_JOURNAL_NAME.fullmatch(entry.name), entry) for entry in path.glob(f"{JOURNAL_PREFIX}*.json"))
    return [(int(match.group(1)), entry) for match, entry in found if match]


def _write(file: Path, data: dict[str, Any]) -> None:
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="ascii")  # (any text, even lone surrogates)
    os.replace(tmp, file)


def _read(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
