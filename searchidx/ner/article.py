"""One sense per article: the model's mentions of one article made consistent, completed
and given canonical names (pure text work, run once per article after NER).

- :func:`harmonize`: a name that is a person (or a company) somewhere in the article is one
  everywhere in it; organisations the model missed are found by :func:`find_missed_names`;
- :func:`resolve`: what is no name is dropped, people the model missed are found by
  :func:`find_missed_people`, and :func:`canonical_names` gives each mention its name: a
  short mention of a person takes the one full name of the article it opens or closes, a
  place or organisation its standard form (:mod:`searchidx.ner.forms`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from . import lean  # noqa: F401  # (first: spaCy without its command line)

# isort: split

from spacy.lang.en.stop_words import STOP_WORDS

from ..models import Entity
from ..variants import aliases
from .forms import _COMMON, _is_title, clean, is_name, key
from .gazetteer import gazetteer_names
from .rules import COMPANY_WORDS, CORPORATE_SUFFIXES

_RELABELLED = frozenset({"org", "place", "misc"})
_COMPANY_RELABELLED = frozenset({"person", "place", "misc", "group"})
_NEXT_TO_CAPITAL = re.compile(r"[A-Z][\w.'-]*\s+$")
_CAPITAL_NEXT = re.compile(r"\s+[A-Z]")
_PLURAL_ABBREVIATION = re.compile(r"^[A-Z]{2,}s$")  # "MPs", "CEOs": people, not an organisation
#: Words after a name that only a person's name takes.
_PERSON_CUE = re.compile(r"\s+(?:and (?:his|her)\b|met\b|(?:has|had) met\b)")


def harmonize(paragraphs: Sequence[str], paragraph_entities: Sequence[Sequence[Entity]]) -> list[list[Entity]]:
    """One sense per article: for people, and for the organisations the model missed.

    The names of people in an article are the person names of more than one word, their
    last words, and names the text right after marks as a person's ("Gorgun met",
    "Gorgun and his team"). Mentions of these names that the model gave another field
    (org, place, misc) become people: "Muhammad Yunus" ... "Yunus' office" makes that
    "Yunus" a person. A one-word person name on its own proves too little to spread.
    Likewise a company named in full ("Norvik International Inc") makes its short names
    (:func:`company_short_names`) an organisation wherever the model took them for a person,
    place or other name. Then :func:`find_missed_names` tags the organisations it missed.
    """
    people: set[str] = set()
    for text, mentions in zip(paragraphs, paragraph_entities):
        for mention in mentions:
            several_words = _last_word(mention.text) != mention.text
            if (mention.field == "person" and several_words) or (
                mention.field in _RELABELLED and _PERSON_CUE.match(text, mention.end)
            ):
                people.add(mention.text)
                people.add(_last_word(mention.text))
    companies = {short for mentions in paragraph_entities for m in mentions if m.field == "org"
                 for short in company_short_names(m.text)} - people
    harmonized = [
        [replace(m, field="person") if m.field in _RELABELLED and (m.text in people or _last_word(m.text) in people)
         and m.text not in gazetteer_names() else
         replace(m, field="org") if m.field in _COMPANY_RELABELLED and m.text in companies else m for m in mentions]
        for mentions in paragraph_entities
    ]
    return find_missed_names(paragraphs, harmonized)


def company_short_names(name: str) -> list[str]:
    """What an article may later call a company named in full: "Norvik International Inc"
    gives "Norvik International" and "Norvik", "Halden SpA" gives "Halden"."""
    words = name.split()
    if len(words) < 2 or words[-1] not in CORPORATE_SUFFIXES:
        return []
    while len(words) > 1 and words[-1] in CORPORATE_SUFFIXES:
        words.pop()
    shorts = [" ".join(words)]
    if len(words) > 1 and all(word in COMPANY_WORDS for word in words[1:]) and words[0].lower() not in STOP_WORDS:
        shorts.append(words[0])
    return shorts


def find_missed_names(paragraphs: Sequence[str], paragraph_entities: Sequence[Sequence[Entity]],
                      fields: Sequence[str] = ("org",)) -> list[list[Entity]]:
    """Untagged mentions of the organisations tagged elsewhere in the article, added with
    that field ("the retailer Halden" ... "shares in Halden rose").

    A name counts only as written: capitalised, whole words, not a stop word nor a plural
    abbreviation ("MPs"), given that field more often than any other in the article, and
    not run together with another capitalised word (which would make it part of another
    name). Places proved no gain; people the model missed are found by :func:`find_missed_people`.
    """
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for mentions in paragraph_entities:
        for mention in mentions:
            if mention.field != "date":
                votes[mention.text][mention.field] += 1
    names = {}
    for text, counts in votes.items():
        [(field, count), *others] = counts.most_common(2)
        if field in fields and (not others or count > others[0][1]) and len(text) > 1 and text[0].isupper() \
                and text.lower() not in STOP_WORDS and not _PLURAL_ABBREVIATION.match(text):
            names[text] = field
    if not names:
        return [list(mentions) for mentions in paragraph_entities]
    found = []
    for text, mentions in zip(paragraphs, paragraph_entities):
        added = [Entity(text[start:end], names[text[start:end]], start, end)
                 for start, end in occurrences(text, names, "'-")
                 if not any(m.start < end and start < m.end for m in mentions)
                 and not _NEXT_TO_CAPITAL.search(text, max(0, start - 40), start)
                 and not _CAPITAL_NEXT.match(text, end)]
        found.append(sorted([*mentions, *added], key=lambda m: m.start) if added else list(mentions))
    return found


def occurrences(text: str, names: Iterable[str], not_before: str) -> list[tuple[int, int]]:
    """Where ``names`` are written in ``text`` as whole words: a name's place counts when
    the character before it is no word character nor one of ``not_before``, and the one
    after it no word character nor a hyphen. Found as a regular expression of the names,
    longest first, would find them (leftmost first, at each place the longest, none
    overlapping), without compiling one for each article's names: that took a fifth of
    the rules' time."""
    found = []
    for name in names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            before = text[start - 1] if start else " "
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before == "_" or before in not_before) \
                    and not (after.isalnum() or after == "_" or after == "-"):
                found.append((start, -end))
            start = text.find(name, start + 1)
    found.sort()
    out: list[tuple[int, int]] = []
    reach = 0
    for start, end in found:
        if start >= reach:
            out.append((start, -end))
            reach = -end
    return out


_SEPARATORS = re.compile(r"[\s-]+")


def _last_word(name: str) -> str:
    return _SEPARATORS.split(name)[-1]


def _role_before(paragraph: str, start: int) -> str:
    """Title words written right before a mention: "Gen." in "chief Gen. Waker-Uz-Zaman"."""
    words = paragraph[:start].split()
    role: list[str] = []
    while words and _is_title(words[-1], first=False) and len(role) < 4:
        role.insert(0, words.pop())
    while role and not _is_title(role[0], first=True):  # "Navy chief Admiral" -> "Admiral"
        role.pop(0)
    return " ".join(role)


def _parts(name: str) -> list[str]:
    return [part for part in _SEPARATORS.split(key(name)) if part]


def _contains(longer: str, shorter: str) -> bool:
    """True when ``shorter``'s words open or close ``longer``: "Gorgun" in "Haluk Gorgun"."""
    long_parts, short_parts = _parts(longer), _parts(shorter)
    if len(short_parts) >= len(long_parts):
        return False
    n = len(short_parts)
    return long_parts[-n:] == short_parts or long_parts[:n] == short_parts


def find_missed_people(paragraphs: Sequence[str], mentions: Sequence[Sequence[Entity]]) -> list[list[Entity]]:
    """``mentions`` with the people the model missed added: in each paragraph, untagged
    occurrences of a person's full name tagged elsewhere in the article, or of its last
    word ("Haluk Gorgun" ... "Gorgun assured ...").

    A name counts only as written (capitalised, whole words) and not run together with
    another capitalised word, which would make it part of a different name.
    """
    people: set[str] = set()
    for found in mentions:
        for mention in found:
            if mention.field == "person":
                name, _ = clean(mention.text, "person")
                if " " in name:  # a one-word "person" proves too little ("Labour" is one, at times)
                    people.update((name, name.rsplit(" ", 1)[1]))
    people = {name for name in people if len(name) > 2 and name not in _COMMON and name[0].isupper()}
    if not people:
        return [list(found) for found in mentions]
    out = []
    for paragraph, found in zip(paragraphs, mentions):
        taken = [(m.start, m.end) for m in found]
        added = []
        for start, end in occurrences(paragraph, people, "'\u2019-"):
            if any(s < end and start < e for s, e in taken) or _next_to_capital(paragraph, start, end):
                continue
            added.append(Entity(paragraph[start:end], "person", start, end))
        out.append(sorted([*found, *added], key=lambda m: m.start) if added else list(found))
    return out


def _next_to_capital(text: str, start: int, end: int) -> bool:
    before = re.search(r"([A-Z]\w*)\s$", text[max(0, start - 40):start])
    after = re.match(r"\s([A-Z]\w*)", text[end:end + 40])
    return bool((before and before.group(1) not in _COMMON) or (after and after.group(1) not in _COMMON))


def canonical_names(paragraphs: Sequence[str], mentions: Sequence[Sequence[Entity]]) -> list[list[Entity]]:
    """Each mention of an article with its canonical ``name`` and, for people, its ``role``."""
    cleaned = [[(m, *clean(m.text, m.field)) for m in found] for found in mentions]
    people = list(dict.fromkeys(name for found in cleaned for m, name, _ in found if m.field == "person"))
    table = aliases()
    out = []
    for paragraph, found in zip(paragraphs, cleaned):
        named = []
        for mention, name, role in found:
            if mention.field == "person":
                name = _full_name(name, people)
                role = role or _role_before(paragraph, mention.start)
            elif mention.field in ("place", "org"):
                group = table.names(name)
                name = group[0] if group else name
            elif mention.field == "group":
                name = (table.demonyms_of((table.place_of(name) or [""])[0]) or [name])[0]
            named.append(replace(mention, name=name, role=role))
        out.append(named)
    return out


def _full_name(name: str, people: Sequence[str]) -> str:
    """The one longer name of the article that ``name`` opens or closes, else ``name``."""
    fuller = [other for other in people if _contains(other, name)]
    if not fuller:
        return name
    longest = max(fuller, key=lambda other: len(_parts(other)))
    if all(other == longest or _contains(longest, other) for other in fuller):
        return longest
    return name  # ambiguous: "Smith" in an article about John Smith and Jane Smith


def resolve(paragraphs: Sequence[str], mentions: Sequence[Sequence[Entity]]) -> list[list[Entity]]:
    """The entities of an article that are names, people the model missed added, each with
    its canonical name."""
    names = [[m for m in found if is_name(m.text)] for found in mentions]
    return canonical_names(paragraphs, find_missed_people(paragraphs, names))
