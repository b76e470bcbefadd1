"""The query language's surface: its field names, and a scanner that splits a query into
tokens (fields, words, phrases, operators, brackets) and finds its mistakes.

Pure text work with no search engine behind it, so the REPL can colour and check a
query on every keystroke and the engine can refuse a broken one with a clear reason.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .models import ENTITY_FIELDS

#: Field names a query may use, with what each holds.
FIELDS: dict[str, str] = {
    "text": "the paragraph's words (stemmed, accents folded)",
    "title": "the article's headline",
    "article": "the article id, e.g. business/001",
    "paragraph": "the paragraph number, from 1",
    "published": "the article's publication date, e.g. published:1987 or published:[19870301 TO 19870331]",
    "person": "people named in the paragraph",
    "org": "organisations named in the paragraph",
    "place": "countries, cities, regions and buildings named in the paragraph",
    "date": "dates and times named in the paragraph (\"Tuesday\", \"last year\")",
    "group": "nationalities, religious and political groups (\"Turkish\")",
    "misc": "products, events, works, laws and languages",
}
#: Other names users may write for a field.
FIELD_ALIASES: dict[str, list[str]] = {
    "person": ["people", "persons"],
    "org": ["orgs", "organization", "organisation", "organizations", "organisations"],
    "place": ["places", "location", "locations"],
    "date": ["dates"],
    "group": ["groups"],
    "title": ["headline"],
    "published": ["pubdate"],
}
#: Field name or alias -> field name.
FIELD_NAMES: dict[str, str] = {name: name for name in FIELDS} | {
    alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases
}
OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")
ENTITY_FIELD_NAMES = frozenset(ENTITY_FIELDS)

_FUZZY_NUMBER = re.compile(r"^[\d.,]*\d[\d.,]*~[\d/]*$")
_TOKEN = re.compile(
    r'(?P<space>\s+)'
    r'|(?P<phrase>"[^"]*(?:"(?:~\d+)?|$))'
    r'|(?P<field>[-+]?[A-Za-z_]\w*:(?=\S))'
    r'|(?P<paren>[()])'
    r'|(?P<range>[\[{][^\]}]*[\]}]?)'
    r"|(?P<word>[^\s()\"]+)"
)


#: Opening brackets made spaces (see :func:`repair`).
_NO_OPENING_BRACKETS = str.maketrans("[{", "  ")


class Token(NamedTuple):
    """A piece of a query: ``kind`` is field, word, phrase, operator, paren, range, space or error."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def field_name(written: str) -> str | None:
    """The field a written name (any case, alias or not) stands for; None if unknown."""
    return FIELD_NAMES.get(written.lower())


def tokenize(query: str) -> list[Token]:
    """Every piece of ``query`` in order, covering it completely (spaces included).

    An unknown field, an unclosed phrase, an unmatched parenthesis and an unclosed range
    (which runs to the end of the query) come out as ``error``.
    """
    tokens: list[Token] = []
    depth_stack: list[int] = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "word"
        text = match.group()
        if kind == "phrase" and (len(text) == 1 or not text.rstrip("~0123456789").endswith('"')):
            kind = "error"
        elif kind == "range" and not text.endswith(("]", "}")):  # (no bracket after it closes it)
            kind = "error"
        elif kind == "field" and field_name(text[:-1].lstrip("+-")) is None:
            kind = "error"
        elif kind == "word" and text in OPERATORS:
            kind = "operator"
        tokens.append(Token(kind, text, match.start()))
        if kind == "paren":
            if text == "(":
                depth_stack.append(len(tokens) - 1)
            elif depth_stack:
                depth_stack.pop()
            else:
                tokens[-1] = Token("error", text, match.start())
    for index in depth_stack:
        tokens[index] = Token("error", "(", tokens[index].start)
    return tokens


def problems(query: str) -> list[str]:
    """What is wrong with ``query`` and how :func:`repair` would change it (empty when fine)."""
    return repair(query)[1]


def normalize(query: str) -> str:
    """``query`` with field names written as the engine knows them (lower case, no aliases)."""
    return "".join(_normal_field(token.text) if token.kind == "field" else token.text for token in tokenize(query))


def _normal_field(written: str) -> str:
    """``-Places:`` -> ``-place:``: the sign kept, the name made the engine's."""
    sign = written[0] if written[0] in "+-" else ""
    return f"{sign}{field_name(written[len(sign):-1])}:"


def repair(query: str) -> tuple[str, list[str]]:
    """A query that can run, made from ``query`` by the smallest changes, and a warning
    for each change: an unclosed phrase is closed, an unmatched bracket, an operator with
    nothing to join and an unknown field name are dropped (the field's value stays, as
    plain words), and so are the brackets of an unclosed range (its words stay). Bad syntax
    never fails a search: the parts that parse are searched.
    """
    unclosed = next((t for t in tokenize(query) if t.kind == "error" and t.text[:1] in "[{"), None)
    if unclosed is not None:
        # Whoosh's range syntax looks for a closing bracket from each opening one, and for
        # each "to" after it: a 10,000-character query of unclosed ranges took 15 s a search
        rest = unclosed.text.translate(_NO_OPENING_BRACKETS)  # (the same length: columns stay)
        fixed, said = repair(query[:unclosed.start] + rest)
        more = sum(unclosed.text.count(c) for c in "[{") - 1
        others = f" and the {more} opening bracket{'s' if more > 1 else ''} after it" if more else ""
        return fixed, [f"ignored the unclosed {unclosed.text[0]!r} at column {unclosed.start + 1}{others}", *said]
    warnings: list[str] = []
    kept: list[Token] = []
    for token in tokenize(query):
        column = token.start + 1
        if token.kind != "error":
            kept.append(token)
        elif token.text.startswith('"'):
            if token.text.strip('" '):
                kept.append(Token("phrase", token.text.rstrip() + '"', token.start))
                warnings.append(f"the quote at column {column} was not closed; closed it at the end")
            else:
                warnings.append(f"ignored the lone quote at column {column}")
        elif token.text in ("(", ")"):
            warnings.append(f"ignored the unmatched {token.text!r} at column {column}")
        else:
            warnings.append(f"unknown field {token.text[:-1].lstrip('+-')!r} at column {column}; searched what follows "
                            f"as words (fields: {', '.join(FIELDS)})")
    for i, token in enumerate(kept):
        if token.kind == "word" and _FUZZY_NUMBER.match(token.text):
            number = token.text.split("~")[0]
            kept[i] = Token("word", number, token.start)
            warnings.append(f"no typo tolerance for numbers: searched {number} as written")
    words = [t for t in kept if t.kind != "space"]
    stray = set()
    before: Token | None = None  # the last word kept
    for i, token in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else None
        if token.kind == "operator" and (
            after is None or after.text == ")" or (after.kind == "operator" and after.text != "NOT")
            or (token.text != "NOT" and (before is None or before.kind == "operator" or before.text == "("))
        ):
            stray.add(id(token))
        else:
            before = token
    for token in words:
        if id(token) in stray:
            warnings.append(f"ignored the operator {token.text} at column {token.start + 1}: nothing to join")
    repaired = "".join(t.text for t in kept if id(t) not in stray)
    return repaired, warnings


def without_ranges(query: str) -> str:
    """``query`` without its ``[a TO b]`` ranges and the field names they belong to."""
    tokens = tokenize(query)
    dropped = {i for i, t in enumerate(tokens) if t.kind == "range"}
    dropped |= {i - 1 for i in dropped if i > 0 and tokens[i - 1].kind == "field"}
    return "".join(t.text for i, t in enumerate(tokens) if i not in dropped)


def entity_reference(text: str) -> tuple[str, str, str]:
    """The field, name and the rest of ``person:"Haluk Gorgun" defence``: the first term
    must be a field and a name (a word or a "quoted phrase"); the rest is a query.
    ``("", "", text)`` when ``text`` does not start that way."""
    tokens = [t for t in tokenize(text.strip())]
    if len(tokens) < 2 or tokens[0].kind != "field" or tokens[1].kind not in ("word", "phrase"):
        return "", "", text
    name = tokens[1].text.strip('"') if tokens[1].kind == "phrase" else tokens[1].text
    return tokens[0].text[:-1], name, "".join(t.text for t in tokens[2:]).strip()
