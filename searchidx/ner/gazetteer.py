"""Names whose field is known before any text is read: the bundled gazetteer
(``searchidx/data/gazetteer.tsv``) and the user's own (``$SEARCHIDX_GAZETTEER``), and how
spaCy's labels map to searchidx's entity fields. Pure data: no spaCy needed to read it.
"""

from __future__ import annotations

import functools
from importlib import resources

from ..settings import user_gazetteer_path
from .forms import key

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

#: What a gazetteer line may give instead of a spaCy label: a searchidx field, or
#: ``country`` (a place, and a country's: a team named after it is a national team, which
#: stays a place where a team named after a town is a club, :mod:`.corpus`).
_FIELD_LABELS = {"person": "PERSON", "org": "ORG", "place": "GPE", "group": "NORP", "misc": "EVENT",
                 "country": "GPE"}
_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})


def parse_gazetteer(text: str) -> list[dict[str, str]]:
    """Gazetteer patterns from a file's text: a label (a spaCy label such as ORG or GPE, or a
    field: person, org, place, group, misc, or country), a tab, and a name as written. Lines
    with another label are skipped, as are blank lines and comments (#)."""
    patterns = []
    for written, name in _lines(text):
        label = _FIELD_LABELS.get(written.lower(), written.upper())
        if label in _LABELS:
            patterns.append({"label": label, "pattern": name})
    return patterns


def _lines(text: str) -> list[tuple[str, str]]:
    """A gazetteer file's (label as written, name) lines."""
    found = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            label, name = (part.strip() for part in line.split("\t", 1))
            if name:
                found.append((label, name))
    return found


def _texts() -> tuple[str, str]:
    """The user's gazetteer file's text ("" when there is none or it cannot be read) and
    the bundled one's."""
    try:
        own = user_gazetteer_path().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        own = ""
    return own, resources.files("searchidx").joinpath("data/gazetteer.tsv").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def gazetteer() -> list[dict[str, str]]:
    """The bundled gazetteer with the user's own names (:func:`~searchidx.settings.user_gazetteer_path`),
    which win over bundled ones written the same."""
    own_text, bundled_text = _texts()
    own, bundled = parse_gazetteer(own_text), parse_gazetteer(bundled_text)
    names = {pattern["pattern"] for pattern in own}
    return own + [pattern for pattern in bundled if pattern["pattern"] not in names]


@functools.lru_cache(maxsize=1)
def gazetteer_names() -> frozenset[str]:
    """The names of the gazetteer, as written."""
    return frozenset(pattern["pattern"] for pattern in gazetteer())


@functools.lru_cache(maxsize=1)
def gazetteer_fields() -> dict[str, str]:
    """Folded name (:func:`~searchidx.ner.forms.key`) -> the field the gazetteer gives it."""
    fields: dict[str, str] = {}
    for pattern in gazetteer():
        fields.setdefault(key(pattern["pattern"]), LABEL_FIELDS[pattern["label"]])
    return fields


@functools.lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """The folded names the gazetteers list as countries (label ``country``), less those
    the user's own file lists with another label."""
    own_text, bundled_text = _texts()
    own = {key(name): label.lower() == "country" for label, name in _lines(own_text)}
    bundled = {key(name) for label, name in _lines(bundled_text) if label.lower() == "country"}
    return frozenset({k for k, country in own.items() if country} | (bundled - own.keys()))


@functools.lru_cache(maxsize=1)
def own_names() -> frozenset[str]:
    """The folded names the user's own file lists (with a label it knows): their fields win
    over any evidence."""
    return frozenset(key(pattern["pattern"]) for pattern in parse_gazetteer(_texts()[0]))


def forget() -> None:
    """Read the gazetteer files again at the next use (after the user's file changed)."""
    for cached in (gazetteer, gazetteer_names, gazetteer_fields, countries, own_names):
        cached.cache_clear()
