"""The entity catalogue of an index: the corpus's decisions on its names' fields and
canonical names (:mod:`searchidx.ner.corpus`), applied to the paragraphs they change.

After an indexing run, :func:`settle` takes the evidence of every live paragraph's stored
mentions (no NER: each mention keeps the field and name its article gave it), as kept with
the index since the last settle (:mod:`.evidence`) or else counted again from them, decides
per name, and writes again only the paragraphs whose mentions the decisions change, with the decided field and
name (the other names of a joined entity widen fielded queries: :class:`Joined`). Lists, facets, entity
pages, completion and fielded queries all read the index, so they agree, and a search sees
the current decisions with no work at query time. The decisions are recorded in
``catalogue.json`` beside the index, with the commit they were made at (and the joined
names, folded for queries, in ``joined.json``): a run that changes
nothing does not read the index again, nor does one that changes less than
:data:`SETTLE_SHARE` of it (its evidence waits, counted, for a larger run), and articles written
later (an indexing run, :meth:`~searchidx.SearchIndex.add_article`) take the recorded
decisions for the names they share with the corpus before they are written.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..models import Entity
from ..ner.forms import key
from . import evidence as kept_evidence
from .browse import docs_of
from .schema import CATALOGUE_FILE, JOINED_FILE
from .writing import ParagraphWriter, fingerprints, paragraphs_of

if TYPE_CHECKING:
    from ..ner.corpus import Catalogue, Decision


class Settled(NamedTuple):
    """What one :func:`settle` did: the names decided, and the paragraphs written again."""

    names: int
    rewritten: int
    aliases: dict[str, list[str]]
    #: folded name -> [field ("" where each mention keeps its own), entity name]
    decided: dict[str, list[str]]
    #: the evidence decided from
    evidence: Catalogue


#: Paragraphs written or deleted since the last settle, as a share of the index, from which an
#: indexing run settles again: smaller runs take the recorded decisions and leave their evidence
#: pending, so that adding a few articles to a large index does not re-read all its mentions.
SETTLE_SHARE = 0.05


def needs_settling(path: Path, generation: int, changed: int, paragraphs: int) -> bool:
    """Whether an indexing run that ends at commit ``generation``, having written or deleted
    ``changed`` paragraphs of an index of ``paragraphs``, must settle: when the record was
    made by other rules or another gazetteer (:func:`~searchidx.ner.corpus.signature`), or
    the paragraphs pending since the last settle reach :data:`SETTLE_SHARE` of the index.
    Otherwise the record is moved to ``generation`` with them counted as pending."""
    from ..ner import corpus

    record = _read(path)
    if record.get("signature") != corpus.signature():
        return True
    if record.get("generation") == generation:
        return False
    pending = (record["pending"] if isinstance(record.get("pending"), int) else 0) + changed
    if pending >= SETTLE_SHARE * paragraphs:
        return True
    _write(path, {**record, "generation": generation, "pending": pending})
    return False


class Joined:
    """The names of joined entities as last settled (each name, folded -> all the names of
    its entity), read again when their record changes: for queries, so that
    ``org:"Organization of Petroleum Exporting Countries"`` finds the paragraphs that write
    only "OPEC". They are kept apart from the decisions, folded when settled, so that a
    one-shot search reads a small file and folds nothing (all of Reuters: 0.3 MB and 3 ms,
    where the whole record is 1.7 MB and took 100 ms to read and fold)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: tuple[int, int] | None = None
        self._names: dict[str, list[str]] = {}

    def names(self) -> dict[str, list[str]]:
        """Folded name -> every name of its entity, the entity's own name first."""
        try:
            stat = (self._path / JOINED_FILE).stat()
            seen = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen = None
        if seen != self._seen:
            self._seen = seen
            found = _read(self._path, JOINED_FILE).get("names") if seen else None
            if isinstance(found, dict):
                self._names = {k: v for k, v in found.items()
                               if isinstance(v, list) and all(isinstance(name, str) for name in v)}
            else:  # recorded before the names had a file of their own
                self._names = _joined(_read(self._path).get("aliases", {}))
        return self._names


def _joined(aliases: Any) -> dict[str, list[str]]:
    """Entity name -> its other names, as each name folded -> all the names of its entity."""
    names: dict[str, list[str]] = {}
    if isinstance(aliases, dict):
        for name, others in aliases.items():
            group = [name, *others]
            for member in group:
                names[key(member)] = group
    return names


def settle(writer: ParagraphWriter, evidence: Catalogue | None = None,
           articles: Collection[str] = (), path: Path | None = None) -> Settled:
    """Decide every name of the index ``writer`` writes to, and write again through it the
    paragraphs whose mentions the decisions change. ``evidence``: that of every paragraph
    of the index, gathered as ``articles`` were written (see
    :class:`~searchidx.indexing.IndexingRun`), taken instead of reading the mentions again
    when the index holds those articles and nothing else; else the evidence kept with the
    index at ``path`` (:mod:`.evidence`) when it is complete; else what the stored mentions
    show, counted again."""
    with writer.reader() as reader:
        return _settle(reader, writer, evidence, articles, path)


def _settle(reader: Any, writer: ParagraphWriter, evidence: Catalogue | None, articles: Collection[str],
            path: Path | None) -> Settled:
    from ..ner import corpus  # (not on the query path: searches only read the record)

    prints = fingerprints(reader) if evidence is not None else None
    if prints is not None and (reader.has_deletions() or prints.keys() != set(articles)):
        evidence = None  # (another writer changed the index between the run's commits)
    kept = kept_evidence.load(path, writer.generation) if evidence is None and path is not None else None
    catalogue = evidence if evidence is not None else kept.catalogue if kept is not None else corpus.Catalogue()
    paragraphs = []
    if kept is None or kept.decided is None:  # (every paragraph's mentions, counted unless given)
        for docnum, stored in reader.iter_docs():
            mentions = [Entity.from_stored(item) for item in stored.get("entities", ())]
            if mentions:
                paragraphs.append((docnum, mentions))
                if evidence is None and kept is None:
                    catalogue.observe(stored["text"], mentions, stored.get("article", ""))
    decisions = catalogue.decide()
    if kept is not None and kept.decided is not None:
        for docnum in sorted(_candidates(reader, kept.decided, kept.written, catalogue, decisions)):
            mentions = [Entity.from_stored(item) for item in reader.stored_fields(docnum).get("entities", ())]
            paragraphs.append((docnum, mentions))
    named: dict[str, list[str]] = {}
    for d in decisions.values():  # (names decided alike are one entity: "Cable" and "Wireless Plc")
        if d.aliases:
            named[d.name] = sorted({*named.get(d.name, ()), *d.aliases})
    changed = [(docnum, reader.stored_fields(docnum), decided) for docnum, mentions in paragraphs
               if (decided := corpus.settle_mentions(mentions, decisions)) != mentions]
    if prints is None:
        prints = fingerprints(reader, {stored["article"] for _, stored, _ in changed}) if changed else {}
    for docnum, stored, decided in changed:
        writer.rewrite(docnum, stored, prints.get(stored["article"], ""), decided)
    return Settled(len(decisions), len(changed), named, {k: [d.field, d.name] for k, d in decisions.items()},
                   catalogue)


def _candidates(reader: Any, before: dict[str, list[str]], written: set[str], catalogue: Catalogue,
                decisions: dict[str, Decision]) -> set[int]:
    """The paragraphs whose mentions may disagree with ``decisions``, when every paragraph
    agreed with ``before`` (the last settle's) except those of the ``written`` articles:
    theirs, and those that name a name decided otherwise now, as ``before`` named it or as
    any article wrote it (its whole names are terms of the entity fields' ``_exact`` twins:
    a lookup each, rather than reading every paragraph)."""
    from ..ner.corpus import NAME_FIELDS

    found: set[int] = set()
    for article in written:
        found.update(paragraphs_of(reader, article))
    for name_key, decision in decisions.items():
        was = before.get(name_key)
        if was == [decision.field, decision.name]:
            continue
        names = set(catalogue.evidence[name_key].spellings) | ({was[1]} if was else set())
        terms = {name.replace(",", " ").strip() for name in names}
        for field in NAME_FIELDS:
            found |= docs_of(reader, field, terms)
    return found


def record(path: Path, generation: int, settled: Settled) -> None:
    """Write the catalogue's record beside the index (atomically)."""
    from ..ner import corpus

    _write(path, {"generation": generation, "names": _joined(settled.aliases)}, JOINED_FILE)
    _write(path, {"generation": generation, "signature": corpus.signature(), "pending": 0, "names": settled.names,
                  "decided": settled.decided})


def _write(path: Path, record: dict[str, Any], name: str = CATALOGUE_FILE) -> None:
    tmp = path / (name + ".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path / name)


def decisions(path: Path) -> dict[str, Decision]:
    """The decisions of the last settle, for the mentions of articles written since
    (folded name -> :class:`~searchidx.ner.corpus.Decision`); empty before the first."""
    from ..ner import corpus

    found = _read(path).get("decided", {})
    if not isinstance(found, dict):
        return {}
    return {k: corpus.Decision(*pair) for k, pair in found.items()
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)}


def carry(source: Path, target: Path, generation: int) -> None:
    """Give the index at ``target`` the catalogue of the one at ``source`` (a rebuild swapped
    in as commit ``generation``), so that it is not read again to be decided anew."""
    joined = _read(source, JOINED_FILE)
    if joined:
        _write(target, {**joined, "generation": generation}, JOINED_FILE)
    record = _read(source)
    if record:
        _write(target, {**record, "generation": generation})


def _read(path: Path, name: str = CATALOGUE_FILE) -> dict[str, Any]:
    try:
        data = json.loads((path / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
