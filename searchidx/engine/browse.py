"""Browsing entities: a field's names with their counts, finding the entity a typed name
means, and an entity's page (its spellings, roles, articles and the names beside it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .. import variants
from ..entities import ArticleMentions, EntityCount, EntityPage, NameCount
from ..errors import EntityNotFoundError
from ..models import Entity, Hit
from ..ner import forms as names
from .highlight import entity_hit
from .matching import live_terms, matching_docs
from .spelling import NameList


def entity_values(reader: Any, field: str) -> list[tuple[str, int]]:
    """The whole names in an entity field with the number of paragraphs naming each, most first."""
    values = [(term.decode("utf-8"), count) for term, count in live_terms(reader, f"{field}_exact")]
    values.sort(key=lambda item: (-item[1], item[0]))
    return values


def entity_list(reader: Any, fieldname: str, prefix: str = "", limit: int | None = 20) -> list[EntityCount]:
    """The entities of a field by canonical name, most paragraphs first, with their
    paragraph and article counts; ``prefix`` keeps the names with a word starting with it
    (case and accents ignored). Spellings that differ only in accents count as one."""
    wanted = names.key(prefix)
    groups: dict[str, list[tuple[str, int]]] = {}
    for term, info in reader.iter_field(f"{fieldname}_exact"):
        name = term.decode("utf-8")
        folded = names.key(name)
        if wanted and not any(word.startswith(wanted) for word in word_starts(folded)):
            continue
        groups.setdefault(folded, []).append((name, info.doc_frequency()))
    ranked = sorted(groups.values(), key=lambda group: (-sum(n for _, n in group), group[0][0]))
    if limit is not None and not reader.has_deletions():
        ranked = ranked[:limit]  # the index's counts are exact: no need to count the rest
    articles = reader.column_reader("article")
    counted = []
    for group in ranked:
        live = {name: docs_of(reader, fieldname, [name]) for name, _ in group}
        docnums = set().union(*live.values())
        if docnums:  # (shown as its live paragraphs write it: a replaced spelling stays in the lexicon)
            display = names.display_name({name: len(found) for name, found in live.items() if found})
            counted.append(EntityCount(fieldname, display, len(docnums), len({articles[d] for d in docnums})))
    counted.sort(key=lambda entity: (-entity.paragraphs, entity.name))
    return counted[:limit]


def docs_of(reader: Any, fieldname: str, spellings: Iterable[str]) -> set[int]:
    """The live paragraphs naming any of ``spellings`` in a field's whole names."""
    docnums: set[int] = set()
    for name in spellings:
        if (f"{fieldname}_exact", name) in reader:
            docnums.update(reader.postings(f"{fieldname}_exact", name).all_ids())
    return docnums


def resolve_entity(reader: Any, fieldname: str, typed: str) -> tuple[list[str], list[str]]:
    """The canonical spellings in the index of the entity ``typed`` names, and other
    entities it could have meant (most paragraphs first).

    The name itself (case and accents ignored) or its preferred name in the alias table
    wins, unless it is one word and a longer name holding it is named in more paragraphs
    ("blair": "Tony Blair"); else the most frequent of the names holding all its words
    ("gorgun": "Haluk Gorgun"). :class:`EntityNotFoundError` when nothing fits.
    """
    by_key: dict[str, list[tuple[str, int]]] = {}
    for term, info in reader.iter_field(f"{fieldname}_exact"):
        name = term.decode("utf-8")
        by_key.setdefault(names.key(name), []).append((name, info.doc_frequency()))
    table = variants.aliases()
    candidates = [typed, *table.names(typed, any_case=True)]
    if fieldname == "group":
        candidates += table.demonyms_of((table.place_of(typed) or [""])[0])
    exact = next((names.key(c) for c in candidates if names.key(c) in by_key), None)
    words = set(word_starts(names.key(typed), whole=True))
    fits = sorted(((key, sum(n for _, n in group)) for key, group in by_key.items()
                   if key != exact and words and words <= set(word_starts(key, whole=True))),
                  key=lambda item: -item[1])
    if exact is not None:
        # a bare surname loses to a full name that more paragraphs give: "blair" is Tony Blair
        count = sum(n for _, n in by_key[exact])
        if len(words) > 1 or not fits or fits[0][1] <= count:
            fits.insert(0, (exact, count))
        else:
            fits.insert(1, (exact, count))
    if not fits:
        values = [(names.display_name(dict(group)), sum(n for _, n in group)) for group in by_key.values()]
        nearest = NameList(values).nearest(typed)
        raise EntityNotFoundError(f"no {fieldname} named {typed!r} in the index"
                                  + (f"; did you mean {', '.join(nearest)}?" if nearest else ""), nearest)
    best = [name for name, _ in by_key[fits[0][0]]]
    also = [names.display_name(dict(by_key[key])) for key, _ in fits[1:6]]
    return best, also


def entity_page(searcher: Any, fieldname: str, typed: str, within: Callable[[], Any] | None, limit: int = 10,
                related: int = 10) -> EntityPage:
    """What the index knows about one entity (see :class:`~searchidx.models.EntityPage`),
    within the paragraphs the query ``within()`` returns matches, when one is given."""
    spellings, also = resolve_entity(searcher.reader(), fieldname, typed)
    docnums = docs_of(searcher.reader(), fieldname, spellings)
    if within is not None:
        docnums &= matching_docs(within(), searcher)
    wanted = names.key(spellings[0])
    written: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    display: Counter[str] = Counter()
    shared: dict[tuple[str, str], set[int]] = {}
    shared_names: dict[tuple[str, str], Counter[str]] = {}
    articles: dict[str, list[tuple[int, int]]] = {}
    stored_of: dict[int, dict[str, Any]] = {}
    for docnum in docnums:
        stored = stored_of[docnum] = searcher.stored_fields(docnum)
        articles.setdefault(stored["article"], []).append((stored["paragraph"], docnum))
        for mention in (Entity.from_stored(item) for item in stored.get("entities", ())):
            other = (mention.field, names.key(mention.canonical))
            if other == (fieldname, wanted):
                written[mention.text] += 1
                display[mention.canonical] += 1
                if mention.role:
                    roles[mention.role] += 1
            elif mention.field != "date":
                shared.setdefault(other, set()).add(docnum)
                shared_names.setdefault(other, Counter())[mention.canonical] += 1
    # articles naming it most first, the newest first among equals
    order = sorted(sorted(articles, key=lambda a: stored_of[articles[a][0][1]].get("date_text", ""), reverse=True),
                   key=lambda a: -len(articles[a]))
    mentions: list[ArticleMentions] = []
    hits: list[Hit] = []
    for article in order:
        numbered = sorted(articles[article])
        first = stored_of[numbered[0][1]]
        mentions.append(ArticleMentions(article, first.get("title", ""), first.get("date_text", ""),
                                        [number for number, _ in numbered]))
        for _, docnum in numbered:
            if len(hits) < limit:
                hits.append(entity_hit(len(hits) + 1, stored_of[docnum], fieldname, wanted))
    article_of = {docnum: stored["article"] for docnum, stored in stored_of.items()}
    together = sorted(shared, key=lambda other: (-len(shared[other]), other))[:related]
    return EntityPage(
        field=fieldname,
        name=names.display_name(display) if display else spellings[0],
        query="",
        paragraphs=len(docnums),
        articles=len(articles),
        written=[NameCount(name, count) for name, count in written.most_common()],
        roles=[NameCount(name, count) for name, count in roles.most_common()],
        mentions=mentions,
        hits=hits,
        related=[EntityCount(other[0], names.display_name(shared_names[other]), len(shared[other]),
                             len({article_of[d] for d in shared[other]})) for other in together],
        also=also,
    )


def word_starts(folded: str, whole: bool = False) -> list[str]:
    """Where a word of a folded name starts: the name itself and each of its later words
    (with ``whole``, just its words, hyphenated parts included)."""
    words = [word for word in re.split(r"[\s-]+", folded) if word]
    if whole:
        return words
    starts = [folded]
    position = 0
    for word in words:
        position = folded.index(word, position)
        starts.append(folded[position:])
        position += len(word)
    return starts
