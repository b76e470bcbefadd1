"""Mention-level rules: spaCy components run after the model on each text.

A gazetteer of unambiguous names of places, groups and organisations
(:func:`apply_gazetteer`) and a pass of cheap rules (:func:`entity_fixes`): "title +
capitalised words" is a person (without the title); organisations and events named with
a place or a corporate suffix win over the model; entities lose a leading "the", a
trailing possessive and what is no part of a name at their edges.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from . import lean  # noqa: F401  # (first: spaCy without its command line)

# isort: split

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .gazetteer import gazetteer, gazetteer_names

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
#: Titles written after a portfolio's word ("Home Secretary", "Agriculture Minister"): the
#: word before is part of a person's title, not an organisation's name.
PORTFOLIO_TITLES = frozenset({"Secretary", "Minister", "Undersecretary", "Under-Secretary"})
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
#: Articles dropped at the start of a name only when written in lowercase ("a League Cup",
#: but "A Beautiful Mind").
_LOWERCASE_LEADING_DROPS = frozenset({"a", "an"})
#: Labels of names, which neither start nor end with a lowercase word other than these particles.
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})
#: Scores, ranges, decimals and ordinals ("2-0", "3-41", "1.5", "80th"), which end no name.
_SCORE = re.compile(r"^\d+(?:[-.:/]\d+)+$|^\d+(?:st|nd|rd|th)$")
_NUMBER = re.compile(r"^[\d,]+$")
#: A side's score in a match result ("3" of "Olympiakos 3-1"), and a whole result written as one word.
_GOALS = re.compile(r"\d{1,2}")
_RESULT = re.compile(r"\d{1,2}-\d{1,2}")
#: Labels of names that never start or end with a number (organisations may: "Channel 4").
_NUMBERLESS = frozenset({"PERSON", "GPE", "LOC", "NORP"})
NAME_PARTICLES = frozenset("""
    al el de del della der den di da dos das du la le van von ter ten bin ibn bint
""".split())
_TRAILING_DROPS = frozenset({"'s", "'", "s'"})
_BRACKETS = frozenset("()[]")
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


def _is_name_token(doc: Doc, i: int) -> bool:
    token = doc[i]
    word = token.text
    if word in _NOT_NAMES:
        return False
    if token.is_alpha and word[0].isupper():
        return True
    if len(word) == 2 and word[0].isupper() and word[1] == ".":  # an initial: "J."
        return True
    if word.lower() in NAME_PARTICLES and i + 1 < len(doc):  # "al-Sabah", "bin Laden", "van der Sar"
        after = doc[i + 1].text
        return (after == "-" and not token.whitespace_) or after[:1].isupper() or after.lower() in NAME_PARTICLES
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
        # A title inside another kind of entity ("President's Cup") is not a title here, unless a word no
        # name holds comes before it ("Commons after Mr Brown").
        if token.text in TITLES and (token.ent_type_ in ("", "PERSON") or i > 0 and doc[i - 1].lower_ in _BREAK_WORDS):
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
    """``span`` without a leading "the" (or a lowercase "a", "an"), a trailing possessive,
    and for names, what is no part of a name at either end (:func:`_edge_noise`): "Xinhua
    news agency" is "Xinhua", "Hubei province" is "Hubei"; for events and works, a match
    score after them (:func:`_before_score`). None if nothing is left."""
    start, end = span.start, span.end
    doc = span.doc
    name = span.label_ in _NAME_LABELS
    while start < end and (doc[start].lower_ in _LEADING_DROPS or doc[start].text in _LOWERCASE_LEADING_DROPS
                           or name and _edge_noise(doc, start, span.label_)):
        start += 1
    while end > start and (doc[end - 1].lower_ in _TRAILING_DROPS or name and _edge_noise(doc, end - 1, span.label_)):
        end -= 1
    if not name and span.label_ not in ("DATE", "TIME"):  # (a title may hold anything, but not a score after it)
        end = _before_score(doc, start, end)
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


def _before_score(doc: Doc, start: int, end: int) -> int:
    """The end of the words ``start:end`` without a match score after them ("Olympiakos
    3-1", as the model sometimes takes it for an event); a year span ("2004-05") stays."""
    if end - 3 > start and _in_score(doc, end - 3) and all(_GOALS.fullmatch(doc[j].text) for j in (end - 3, end - 1)):
        return end - 3
    if end - 1 > start and _RESULT.fullmatch(doc[end - 1].text):
        return end - 1
    return end


def _in_score(doc: Doc, i: int) -> bool:
    """True for a number written joined to another by a hyphen or colon: "2-0" split in three."""
    def joined(j: int) -> bool:
        return (0 <= j and j + 2 < len(doc) and doc[j + 1].text in ("-", ":") and not doc[j].whitespace_
                and not doc[j + 1].whitespace_ and doc[j].text.isdigit() and doc[j + 2].text.isdigit())
    return joined(i) or joined(i - 2)


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


#: Names of the spaCy components registered here.
GAZETTEER = "searchidx_gazetteer"
FIXES = "searchidx_entity_fixes"


@Language.factory(GAZETTEER)
def make_gazetteer(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """The gazetteer, run after the model: see :func:`apply_gazetteer`."""
    matcher = PhraseMatcher(nlp.vocab)
    for pattern in gazetteer():
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


@Language.component(FIXES)
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
    for ent in _joined_at_particles(doc):
        for part in _split(ent):
            if taken.intersection(range(part.start, part.end)):
                continue
            trimmed = _trimmed(part)
            if trimmed is not None and trimmed.text not in TIME_ZONES and not _portfolio(trimmed) and (
                    trimmed.label_ not in ("DATE", "TIME") or is_time_expression(trimmed.text)):
                others.append(trimmed)
    others += _abbreviations(doc, others)
    doc.ents = sorted(fixed + others, key=lambda span: span.start)
    return doc


#: Words that make a date or time of a phrase without a digit: names of days, months and
#: feasts (any case), and generic time words (in lowercase unless they open the phrase:
#: "Last year", but not "Green Day" or "One Night").
_CALENDAR_NAMES = frozenset("""
    monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays
    saturdays sundays january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec christmas easter ramadan new-year hanukkah
""".split())
_TIME_WORDS = frozenset("""
    year years week weeks month months day days decade decades century centuries quarter quarters season
    seasons today tomorrow yesterday tonight ago morning mornings afternoon evening evenings night nights
    weekend weekends hour hours minute minutes noon midnight dawn period spring summer autumn winter fall
    earlier later recently annual annually overnight daily weekly monthly
""".split())
#: Numbers that are a date or time by their form: a year, a day and month, a clock time.
_DATE_NUMBER = re.compile(r"^(?:1[5-9]\d\d|20\d\d|(?:1[5-9]|20)\d\d[-/]\d{2,4}|\d{1,4}s|'\d\ds"
                          r"|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?"
                          r"|\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?)$", re.IGNORECASE)


def is_time_expression(text: str) -> bool:
    """True for what can be a date or time: a phrase with a calendar name ("last Monday",
    "Christmas Day"), a generic time word ("Last year", "three months"), or a number of a
    date's form ("1996", "the 1990s", "10:30"). False for a name the model took for a date
    ("Green Day", "Gerrard") or a bare number of another kind ("28", "2-0")."""
    words = re.findall(r"[\w'-]+", text)
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in _CALENDAR_NAMES or (lower in _TIME_WORDS and (i == 0 or word.islower())):
            return True
    return any(_DATE_NUMBER.match(word) for word in [text.strip(), *words]) or bool(
        re.search(r"\d", text) and re.search(r"[a-z]{3,}", text))


#: Lowercase words that no name holds: an entity is split at them.
_BREAK_WORDS = frozenset("""
    after before said says told with when while than but against during since until because whereas
""".split())


def _portfolio(span: Span) -> bool:
    """True for one word the model calls an organisation that is a portfolio in a title
    ("Home" of "Home Secretary David Blunkett", "Agriculture" of "Agriculture Secretary
    Richard Lyng"); a name the gazetteer knows stays ("Labour")."""
    doc = span.doc
    return (span.label_ == "ORG" and len(span) == 1 and span.end < len(doc)
            and doc[span.end].text in PORTFOLIO_TITLES and span.text not in gazetteer_names())


def _joined_at_particles(doc: Doc) -> list[Span]:
    """The model's entities, with a person ending in a name particle joined to the entity
    right after it: "Henk Ten" + "Cate" is the person "Henk Ten Cate"."""
    ents = sorted(doc.ents, key=lambda span: span.start)
    joined: list[Span] = []
    for ent in ents:
        last = joined[-1] if joined else None
        if (last is not None and last.label_ == "PERSON" and last.end == ent.start and len(last) > 1
                and doc[last.end - 1].lower_ in NAME_PARTICLES and ent.text[:1].isupper()):
            joined[-1] = Span(doc, last.start, ent.end, label="PERSON")
        else:
            joined.append(ent)
    return joined


def _split(ent: Span) -> list[Span]:
    """A name cut at a bracket ("Halden (Norway" is "Halden") and split at commas, "or" and
    words no name holds ("Fiat or Renault" is two names, "Commons after Mr Brown" too).
    Dates are left whole."""
    if ent.label_ in ("DATE", "TIME"):
        return [ent]
    doc = ent.doc
    end = next((t.i for t in ent if t.text in _BRACKETS), ent.end)
    parts, start = [], ent.start
    for i in range(ent.start, end + 1):
        if i == end or doc[i].text in (",", ";", "or") or doc[i].lower_ in _BREAK_WORDS:
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

