"""One type and one name per entity across a corpus, decided from the evidence of all its
mentions (pure text work, run over an index's stored mentions after each indexing run).

Each article's step (:mod:`searchidx.ner.article`) gives every mention a field and a
canonical name from what that article shows. A :class:`Catalogue` gathers, per name, what
all articles showed: the fields they gave it, the spellings they wrote, how often it comes
after an article or possessive word ("the Premiership", "an Oscar", "its iPod": no person's
name does), how often a person's title comes with it, and abbreviations defined in brackets
after a name ("the Organization of Petroleum Exporting Countries (OPEC)"). :meth:`decide`
turns that into one :class:`Decision` per name:

- **field**: the gazetteer's (bundled or your own: :mod:`.gazetteer`) for a name it
  lists; else the field most of its mentions got, for every mention, when it has at least
  ``MAJORITY`` of them; a name written after "the", "a", "its" ... in at least
  ``NOT_PERSON_SHARE`` of its mentions and seldom with a title is not a person's, whatever
  the votes. A name with no clear majority (a person in some articles, a place in others)
  keeps the field each article gave it. A town's name (or one voted a person's) that the
  corpus writes as a team's in at least ``TEAM_SHARE`` of its mentions ("Liverpool
  striker", "beat Newcastle", "Blackburn boss", "P Vickery (Gloucester)") is the club's,
  an organisation; a country's (the gazetteer's ``country`` lines) stays a place, its
  teams being national teams. A name written after a word for a work ("the comedy
  Sideways", "British film Vera Drake") in at least ``WORK_SHARE`` of its mentions is a
  work's title: misc;
- **name**: an abbreviation defined after one name (at least ``ABBREVIATION_SHARE`` of its
  definitions) is one entity with that name; an abbreviation defined after several stays
  apart. A one-word organisation mostly written before "and" or "&" and another
  organisation ("Cable and Wireless Plc", which the model cuts in two) is one entity with
  it, named by the one word, the connective and the other's first word ("Cable and
  Wireless"); an organisation's name written clipped ("Man Utd") in articles that also
  write it in full ("Manchester United") is that entity (:meth:`Catalogue._clipped`). The
  entity's name is the spelling the corpus writes most, not counting spellings in capitals
  amid capitals (headlines, datelines): "OPEC" where the wire writes OPEC, "Opec" where the
  BBC writes Opec;
- **aliases**: the other names of a joined entity, which widen fielded queries, so that a
  query for either finds every paragraph that names it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..models import Entity
from .forms import CORPORATE, is_name, key
from .gazetteer import countries, gazetteer, gazetteer_fields, own_names

#: Words after which a name is not a person's ("the Premiership", "an Oscar", "its iPod").
DETERMINERS = frozenset("the a an its their our this that these those".split())
#: The share of a name's mentions after a determiner from which it is no person's name.
NOT_PERSON_SHARE = 0.25
#: The share of mentions with a person's title (Mr, Dr ...) that keeps a name a person's.
TITLED_SHARE = 0.1
#: The share of its mentions a field needs to become the field of all of a name's mentions.
MAJORITY = 2 / 3
#: The mentions a name needs before the corpus decides anything for it.
MIN_MENTIONS = 3
#: The share of an abbreviation's definitions one name needs to be joined with it.
ABBREVIATION_SHARE = 0.8
#: The share of a name's mentions written as a team's ("Liverpool striker", "beat Newcastle")
#: from which a town's name (or one voted a person's) is a club's (and three such mentions).
TEAM_SHARE = 0.1
#: Words after a name that make it a team's, or a body's ("Leeds striker", "Charlton boss").
_TEAM_AFTER = re.compile(r"\s+(?:striker|midfielder|defender|goalkeeper|keeper|winger|full-back|centre-back|flanker"
                         r"|hooker|fly-half|scrum-half|captain|skipper|boss|manager|coach|chairman|fans|supporters"
                         r"|squad)\b")
#: Words before a name that make it a team's ("beat Newcastle", "v Leeds"): not for people's
#: names ("beat Roddick"), only for places' (a country's are its national teams).
_TEAM_BEFORE = re.compile(r"\b(?:beat|beats|beating|v|vs|against|face|faces|facing|play|plays|played|playing"
                          r"|signed for|joined|drew with|draw with|lost to|defeat by|defeated by|win over"
                          r"|victory over|win at|victory at|defeat at|defeat to)\s+$")
#: The share of a name's mentions written after a word for a work ("the comedy Sideways",
#: "abortion drama Vera Drake") from which it is a work's title (and three such mentions).
WORK_SHARE = 0.15
#: Words for works written before their titles ("the film Sideways", "his album Confessions").
_WORK_BEFORE = re.compile(r"\b(?:film|movie|comedy|drama|thriller|musical|documentary|biopic|blockbuster|sitcom"
                          r"|cartoon|opera|album|single|song|novel)s?\s+['\"]?$", re.IGNORECASE)
#: A name in brackets after a player's name, as team sheets write ("P Vickery (Gloucester)").
_LISTED_BEFORE = re.compile(r"[A-Z][\w.'-]* \(\s*$")
_LISTED_AFTER = re.compile(r"\s*\)")
#: "and" or "&" between two organisations' mentions that may be one name ("Cable and Wireless").
_PAIRED = re.compile(r" (and|&) ")

#: Articles that must write a clipped organisation's name beside its full one to join them.
MIN_CLIPPED_ARTICLES = 2

#: Fields the corpus decides between (dates keep the field their article gave them).
NAME_FIELDS = ("person", "org", "place", "group", "misc")
_FIELD_RANK = {field: rank for rank, field in enumerate(NAME_FIELDS)}  # (ties go to the first)

#: Bumped when the rules of :meth:`Catalogue.decide` change, so that indexes settle again.
RULES_VERSION = 5

_WORD_BEFORE = re.compile(r"([\w']+)[^\w.!?;:]*$")
#: What follows a dateline's place: "TOKYO, March 3 - ", "SAN MATEO, Calif., March 3 - ".
_DATELINE = re.compile(r",[^\n]{0,40}? - ")
_DEFINED = re.compile(r"\s*\(\s*(?:the\s+)?([A-Z][A-Za-z&.]{1,11})\s*\)")
_SMALL_WORDS = frozenset("of and the for & de des du la le in on at to".split())


@dataclass(frozen=True)
class Decision:
    """What the corpus decided for one name: its field (``""``: each mention keeps its
    own), the entity's name, and the other names of the entity (abbreviations, full names)."""

    field: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass
class Evidence:
    """What all mentions of one name showed (see :class:`Catalogue`)."""

    #: the fields its articles gave its mentions (those in capitals apart)
    fields: Counter[str] = field(default_factory=Counter)
    #: fields of the mentions in capitals amid capitals, where the model guesses
    capitals: Counter[str] = field(default_factory=Counter)
    #: its spellings outside capitals, and all its spellings
    written: Counter[str] = field(default_factory=Counter)
    spellings: Counter[str] = field(default_factory=Counter)
    #: mentions after an article or possessive word, and mentions with a person's title
    determined: int = 0
    titled: int = 0
    #: mentions followed by a team's or body's word ("striker", "boss"), and mentions after
    #: a word that makes a team of a place's name ("beat", "v")
    teamed: int = 0
    opposed: int = 0
    #: mentions in brackets after a person's name ("P Vickery (Gloucester)")
    listed: int = 0
    #: mentions after a word for a work ("the film Sideways")
    worked: int = 0
    #: the names its mentions make with an organisation's next to them, joined by "and" or
    #: "&" ("Cable" and "Wireless Plc": "Cable and Wireless"), with counts
    paired: Counter[str] = field(default_factory=Counter)

    @property
    def mentions(self) -> int:
        """How many mentions of the name were seen."""
        return sum(self.fields.values()) + sum(self.capitals.values())

    @property
    def votes(self) -> Counter[str]:
        """The fields its mentions were given, those in capitals only when there are no others."""
        return self.fields or self.capitals

    @property
    def spelling(self) -> str:
        """The spelling the corpus writes most (outside capitals, when it can)."""
        return _usual_spelling(self.written) or _usual_spelling(self.spellings)

    def add(self, other: Evidence, sign: int = 1) -> None:
        """Add (``sign`` 1) or take away (-1) what ``other`` counted."""
        for name in _COUNTERS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if sign > 0:
                mine.update(theirs)
            else:
                mine.subtract(theirs)
                setattr(self, name, +mine)  # (no zero or negative counts: as if never counted)
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + sign * getattr(other, name))

    def to_json(self) -> list[Any]:
        return [*(dict(getattr(self, name)) for name in _COUNTERS), *(getattr(self, name) for name in _COUNTS)]

    @classmethod
    def from_json(cls, data: list[Any]) -> Evidence:
        counters, counts = data[:len(_COUNTERS)], data[len(_COUNTERS):]
        if len(counts) != len(_COUNTS) or not all(_counts(c) for c in counters) \
                or not all(type(c) is int for c in counts):
            raise ValueError("not an Evidence")
        evidence = cls()
        for name, counted in zip(_COUNTERS, counters):
            setattr(evidence, name, Counter(counted))
        for name, count in zip(_COUNTS, counts):
            setattr(evidence, name, count)
        return evidence


def _counts(data: Any) -> bool:
    """True for a dict of counts (as a Counter's JSON)."""
    return isinstance(data, dict) and all(type(count) is int for count in data.values())


_COUNTERS = ("fields", "capitals", "written", "spellings", "paired")
_COUNTS = ("determined", "titled", "teamed", "opposed", "listed", "worked")


class Catalogue:
    """The evidence of a corpus's mentions, gathered paragraph by paragraph with
    :meth:`observe`, and the decisions it supports (:meth:`decide`)."""

    def __init__(self) -> None:
        self.evidence: dict[str, Evidence] = {}
        #: abbreviation key -> keys of the names it was defined after, with counts
        self.definitions: dict[str, Counter[str]] = {}
        #: article -> keys of the organisations of several words it names
        self.articles: dict[str, set[str]] = {}

    def observe(self, text: str, mentions: Sequence[Entity], article: str = "") -> None:
        """Take in one paragraph's mentions, with the fields and names their article gave
        them (:attr:`~searchidx.models.Entity.own`); dates are left out. ``article``: the
        id of the paragraph's article, for the names an article writes two ways."""
        people = {m.end for m in mentions if m.own[0] == "person"}
        self._pair(text, mentions)
        if article:
            named = self.articles.setdefault(article, set())
            named.update(key(m.own[1]) for m in mentions if m.own[0] == "org" and " " in m.own[1].strip())
        for mention in mentions:
            field, name = mention.own
            if field not in NAME_FIELDS or not is_name(name):
                continue
            evidence = self._evidence(key(name))
            evidence.spellings[name] += 1
            if _in_capitals(text, mention):
                evidence.capitals[field] += 1
            else:
                evidence.fields[field] += 1
                evidence.written[name] += 1
            before = _WORD_BEFORE.search(text, max(0, mention.start - 30), mention.start)
            if before and before.group(1).lower() in DETERMINERS:
                evidence.determined += 1
            if mention.role:
                evidence.titled += 1
            if _TEAM_AFTER.match(text, mention.end):
                evidence.teamed += 1
            if _TEAM_BEFORE.search(text, max(0, mention.start - 25), mention.start):
                evidence.opposed += 1
            listed = _LISTED_BEFORE.search(text, max(0, mention.start - 30), mention.start)
            if listed and listed.start() + len(listed.group().split(" (")[0]) in people \
                    and _LISTED_AFTER.match(text, mention.end):
                evidence.listed += 1
            if _WORK_BEFORE.search(text, max(0, mention.start - 20), mention.start):
                evidence.worked += 1
            if field == "org":
                defined = _DEFINED.match(text, mention.end)
                if defined and is_abbreviation(defined.group(1), name):
                    self.definitions.setdefault(key(defined.group(1)), Counter())[key(name)] += 1

    def absorb(self, other: Catalogue, sign: int = 1) -> None:
        """Add (``sign`` 1) or take away (-1) the evidence of ``other``, which must have been
        observed (or absorbed) here before when taken away: of paragraphs deleted from a
        corpus. Either way the catalogue is then the one of observing what it now holds."""
        for name_key, evidence in other.evidence.items():
            mine = self._evidence(name_key)
            mine.add(evidence, sign)
            if not mine.spellings:  # (every mention counted spells the name)
                del self.evidence[name_key]
        for abbreviation, names in other.definitions.items():
            counts = self.definitions.setdefault(abbreviation, Counter())
            if sign > 0:
                counts.update(names)
            else:
                counts.subtract(names)
                counts = self.definitions[abbreviation] = +counts
            if not counts:
                del self.definitions[abbreviation]
        for article, named in other.articles.items():  # (an article is deleted or written whole)
            if sign > 0:
                self.articles.setdefault(article, set()).update(named)
            else:
                self.articles.pop(article, None)

    def to_json(self) -> dict[str, Any]:
        """The catalogue as JSON's types (see :meth:`from_json`)."""
        return {"evidence": {k: e.to_json() for k, e in self.evidence.items()},
                "definitions": {k: dict(names) for k, names in self.definitions.items()},
                "articles": {article: sorted(named) for article, named in self.articles.items()}}

    @classmethod
    def from_json(cls, data: Any) -> Catalogue:
        """A catalogue from :meth:`to_json`; ValueError when ``data`` is not one."""
        try:
            catalogue = cls()
            catalogue.evidence = {k: Evidence.from_json(e) for k, e in data["evidence"].items()}
            catalogue.definitions = {k: Counter(names) for k, names in data["definitions"].items() if _counts(names)}
            catalogue.articles = {article: set(named) for article, named in data["articles"].items()}
            if len(catalogue.definitions) != len(data["definitions"]) or not all(
                    isinstance(name, str) for named in catalogue.articles.values() for name in named):
                raise TypeError("not counts and names")
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a catalogue: {error}") from None
        return catalogue

    def _evidence(self, name_key: str) -> Evidence:
        """The evidence of a name, new when there is none yet (made only then: an Evidence
        holds six counters, and a corpus has ten mentions for each of its names)."""
        found = self.evidence.get(name_key)
        if found is None:
            found = self.evidence[name_key] = Evidence()
        return found

    def _pair(self, text: str, mentions: Sequence[Entity]) -> None:
        """Count the names made by a one-word organisation, "and" or "&", and the first word
        of the organisation after it ("Cable and Wireless Plc", "Tate & Lyle"), for both."""
        orgs = {m.start: m for m in mentions if m.own[0] == "org" and is_name(m.own[1])}
        for first in orgs.values():
            if " " in first.own[1]:
                continue
            between = _PAIRED.match(text, first.end)
            second = orgs.get(between.end()) if between else None
            words = text[second.start:second.end].split() if between and second else []
            if between and second and words:
                joined = f"{text[first.start:first.end]} {between.group(1)} {words[0]}"
                for mention in (first, second):
                    self._evidence(key(mention.own[1])).paired[joined] += 1

    def decide(self) -> dict[str, Decision]:
        """Per name key, its decision."""
        surnames = self._surnames()
        companies = self._companies()
        known_fields = gazetteer_fields()
        fixed = countries() | own_names()  # (a country's teams are national teams; the user's lines win)
        decisions: dict[str, Decision] = {}
        for keys in self._entities():
            evidence = [self.evidence[k] for k in keys]
            written: Counter[str] = sum((e.written for e in evidence), Counter())
            name = _usual_spelling(written) or evidence[0].spelling
            paired: Counter[str] = sum((e.paired for e in evidence), Counter())
            if paired:  # (mostly written as half of a name joined by "and": that name)
                joined, count = _most(paired)
                if count >= MIN_MENTIONS and count >= MAJORITY * sum(e.mentions for e in evidence):
                    name = joined
            votes: Counter[str] = sum((e.votes for e in evidence), Counter())
            determined = 0 if set(keys) & surnames.keys() else sum(e.determined for e in evidence)
            heads = max(companies.get(k, 0) for k in keys)  # (more than the people it is the surname of)
            company = heads >= MIN_MENTIONS and heads > max(surnames.get(k, 0) for k in keys)
            known = [known_fields[k] for k in keys if k in known_fields]
            chosen = known[0] if known else _field(votes, determined, sum(e.titled for e in evidence), company)
            if not known and _work(evidence):
                chosen = "misc"
            if chosen in ("", "place", "person") and not fixed.intersection(keys) \
                    and _team(evidence, chosen or _most(votes)[0]):
                chosen = "org"
            aliases = tuple(sorted({e.spelling for e in evidence} - {name}))
            decision = Decision(chosen, name, aliases)
            for k in keys:
                decisions[k] = decision
        return decisions

    def _surnames(self) -> Counter[str]:
        """The last words of people's names of several words, with those people's mentions:
        "Baker" of "James Baker" stays a person's name where news writes "the Baker plan"."""
        found: Counter[str] = Counter()
        for k, e in self.evidence.items():
            if " " in k and e.votes["person"] >= 2:
                found[k.split()[-1]] += e.votes["person"]
        return found

    def _companies(self) -> Counter[str]:
        """Per name, the mentions of the companies whose names start with it and end in
        "Inc", "Corp" ... ("Phelps Dodge Corp", "Crazy Eddie Inc"): a name the corpus also
        writes at the head of a company's name is the company's, not a person's, unless it
        is a surname or comes with a title."""
        heads: Counter[str] = Counter()
        for k, evidence in self.evidence.items():
            if not evidence.votes["org"] or _without_suffix(k) == k:
                continue
            words = k.split()
            for end in range(1, len(words)):
                heads[" ".join(words[:end])] += evidence.votes["org"]
        return heads

    def _entities(self) -> list[list[str]]:
        """The name keys of each entity: one name alone, or joined with the name an
        abbreviation was defined after (when its definitions agree), or a company's name
        with the same name less its "Inc", "Corp" ... ("Exxon Corp" and "Exxon")."""
        joined: dict[str, str] = {}
        for abbreviation, names in self.definitions.items():
            full, count = _most(names)
            if count >= ABBREVIATION_SHARE * sum(names.values()) and abbreviation in self.evidence \
                    and full != abbreviation:
                joined[abbreviation] = full
        for k, evidence in self.evidence.items():
            short = _without_suffix(k)
            if (short != k and short in self.evidence and k not in joined and evidence.votes["org"]
                    and self.evidence[short].fields["org"] * 2 > self.evidence[short].mentions):
                joined[k] = short
        for short, full in self._clipped().items():
            if short not in joined:
                joined[short] = full
        groups: dict[str, list[str]] = {}
        for k in self.evidence:
            root, seen = k, {k}
            while root in joined and joined[root] not in seen:  # (an abbreviation of a company's name)
                root = joined[root]
                seen.add(root)
            groups.setdefault(root, []).append(k)
        return [sorted(keys) for keys in groups.values()]

    def _clipped(self) -> dict[str, str]:
        """Organisations' names written clipped in articles that also write them in full
        ("Man Utd" beside "Manchester United", "Dixon Group" beside "Dixons Group"): per
        clipped name, its full name, when at least ``MIN_CLIPPED_ARTICLES`` articles write
        both and no other full name qualifies."""
        together: Counter[tuple[str, str]] = Counter()
        for names in self.articles.values():
            for short in names:
                together.update((short, full) for full in names if len(full) > len(short) and _clips(short, full))
        found: dict[str, list[str]] = {}
        for (short, full), count in together.items():
            if count >= MIN_CLIPPED_ARTICLES and short in self.evidence and full in self.evidence:
                found.setdefault(short, []).append(full)
        return {short: fulls[0] for short, fulls in found.items() if len(fulls) == 1}


def _clips(short: str, full: str) -> bool:
    """True when each word of ``short`` is its word of ``full`` with letters left out, the
    first kept ("man utd" of "manchester united"), and the two differ."""
    pairs = list(zip(short.split(), full.split()))
    if len(pairs) < 2 or len(pairs) != len(full.split()) or len(pairs) != len(short.split()) or short == full:
        return False

    def within(word: str, whole: str) -> bool:
        letters = iter(whole)
        return word[:1] == whole[:1] and all(c in letters for c in word)

    return all(within(word, whole) for word, whole in pairs)


def _field(votes: Counter[str], determined: int, titled: int, company: bool = False) -> str:
    """The field of all of a name's mentions, or "" where each keeps its own; ``company``:
    the corpus writes the name at the head of companies' names (see ``_companies``)."""
    total = sum(votes.values())
    if total < MIN_MENTIONS:
        return ""
    if company and votes["person"] and votes["person"] + votes["org"] >= MAJORITY * total \
            and titled < TITLED_SHARE * total:  # (a person's or a company's name: the company's)
        return "org"
    if votes["person"] and determined >= NOT_PERSON_SHARE * total and titled < TITLED_SHARE * total:
        others = Counter({f: n for f, n in votes.items() if f != "person"})
        return _most(others)[0] if others else "org"
    best, count = _most(votes)
    return best if count >= MAJORITY * total else ""


def _team(evidence: Sequence[Evidence], field: str) -> bool:
    """Whether a name the corpus gives ``field`` is written as a team's often enough to be
    a club's: by the words after it; for a place's name by the words before it too (not for
    a person's: "beat Roddick"), for a person's by team sheets (not for a place's: a player
    of "Cardiff" may be of the town's club or of Wales)."""
    written = sum(e.teamed for e in evidence)
    written += sum(e.opposed for e in evidence) if field == "place" else 0
    written += sum(e.listed for e in evidence) if field == "person" else 0
    return written >= MIN_MENTIONS and written >= TEAM_SHARE * sum(e.mentions for e in evidence)


def _work(evidence: Sequence[Evidence]) -> bool:
    """Whether a name is written as a work's title often enough to be one ("the comedy
    Sideways"): the model files films, songs and albums as people or organisations."""
    written = sum(e.worked for e in evidence)
    return written >= MIN_MENTIONS and written >= WORK_SHARE * sum(e.mentions for e in evidence)


def _most(counts: Counter[str]) -> tuple[str, int]:
    """The most common of ``counts`` and its count; of equals, the first field in
    :data:`NAME_FIELDS` order, or the first name in alphabetical order. Never the first
    seen: the order an index gives its paragraphs changes with its commits and merges, and
    the decisions must not (ties of fields decided "Scots" and "Hindi" both ways on BBC)."""
    best = min(counts, key=lambda item: (-counts[item], _FIELD_RANK.get(item, len(_FIELD_RANK)), item))
    return best, counts[best]


def _usual_spelling(written: Counter[str]) -> str:
    return max(written, key=lambda name: (written[name], name)) if written else ""


def settled(mention: Entity, decisions: Mapping[str, Decision]) -> Entity | None:
    """``mention`` with the field and name the corpus decided for what its article found
    (keeping that in ``found_as``); None for what is no name after all ("U.S. Dlrs", from
    an index made before :func:`~searchidx.ner.forms.is_name` knew it). Dates are kept as
    they are. A name only in another case than decided keeps its spelling when it is in
    capitals (a dateline's "TOKYO") or the decided one is not ("Opec" becomes "OPEC" where
    the corpus writes that, but "LONDON" is shown as "London" anyway: see
    :func:`~searchidx.ner.forms.display_name`)."""
    field, name = mention.own
    if field not in NAME_FIELDS:
        return mention
    if not is_name(name):
        return None
    decision = decisions.get(key(name))
    new_field, new_name = (decision.field or field, decision.name) if decision else (field, name)
    if key(new_name) == key(name) and (name.isupper() or not new_name.isupper()):
        new_name = name
    found_as = (field, name) if (new_field, new_name) != (field, name) else ()
    if (new_field, new_name, found_as) == (mention.field, mention.name, mention.found_as):
        return mention  # (most mentions: a copy would be equal, and dearer than the whole test)
    return replace(mention, field=new_field, name=new_name, found_as=found_as)


def settle_corpus(paragraphs: Sequence[str], mentions: Sequence[Sequence[Entity]]) -> list[list[Entity]]:
    """The mentions of paragraphs taken as a corpus, with the decisions of their own
    evidence: what :mod:`searchidx.engine.catalogue` does to an index, for measuring it on
    a test set."""
    decisions = gather(zip(paragraphs, mentions)).decide()
    return [settle_mentions(found, decisions) for found in mentions]


def settle_mentions(mentions: Sequence[Entity], decisions: Mapping[str, Decision]) -> list[Entity]:
    """One paragraph's mentions with the decisions (:func:`settled`), those no names dropped."""
    return [m for m in (settled(m, decisions) for m in mentions) if m is not None]


def _in_capitals(text: str, mention: Entity) -> bool:
    """True for a name in capitals amid capitals or in a dateline ("TOKYO, March 3 - "):
    a headline's or dateline's spelling, not the name's usual one."""
    written = text[mention.start:mention.end]
    if not written.isupper():
        return False
    if mention.start == 0 and _DATELINE.match(text, mention.end):
        return True
    around = text[max(0, mention.start - 20):mention.start] + text[mention.end:mention.end + 20]
    return not any(c.islower() for c in around)


def is_abbreviation(short: str, name: str) -> bool:
    """True when ``short`` is made of the initials of ``name``'s words, the letters of its
    abbreviated words included, in any order: "OPEC" of "Organization of Petroleum
    Exporting Countries", "WHO" of "World Health Organisation", "USDA" of "U.S. Agriculture
    Department"."""
    letters = short.replace(".", "").upper()
    if not (1 < len(letters) <= 10 and short[:1].isupper() and sum(c.isupper() for c in short) >= 2):
        return False
    words = [w for w in re.split(r"[\s-]+", name) if w]
    if len(words) < 2:
        return False

    def initials(word: str) -> str:
        return word.replace(".", "") if re.fullmatch(r"(?:[A-Z]\.)+", word) else word[0]

    capitals = "".join(initials(w) for w in words if w.lower() not in _SMALL_WORDS).upper()
    every = "".join(initials(w) for w in words).upper()
    return any(letters == made or (letters[0] == made[0] and sorted(letters) == sorted(made))
               for made in (capitals, every))


def _without_suffix(name_key: str) -> str:
    """A company's name less its "Inc", "Corp" ...: "exxon corp" -> "exxon"."""
    words = name_key.split()
    while len(words) > 1 and words[-1].rstrip(".") in CORPORATE:
        words.pop()
    return " ".join(words)


def signature() -> str:
    """What the decisions depend on besides the mentions: these rules and the gazetteer
    (a user's new line makes indexes settle again at their next indexing run)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{RULES_VERSION}\n".encode())
    for pattern in gazetteer():
        digest.update(f"{pattern['label']}\t{pattern['pattern']}\n".encode())
    for name in sorted(countries()):  # (a "country" line reads as a place: GPE above)
        digest.update(f"country\t{name}\n".encode())
    return digest.hexdigest()


def gather(paragraphs: Iterable[tuple[str, Sequence[Entity]]]) -> Catalogue:
    """A catalogue of ``paragraphs`` (text, its mentions)."""
    catalogue = Catalogue()
    for text, mentions in paragraphs:
        catalogue.observe(text, mentions)
    return catalogue
