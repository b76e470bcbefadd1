"""The query language's surface: its field names, and a scanner that splits a query into
tokens (fields, words, phrases, operators, brackets) and finds its mistakes.

Pure text work with no search engine behind it, so the REPL can colour and check a
query on every keystroke and the engine can refuse a broken one with a clear reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

_TOKEN = re.compile(
    r'(?P<space>\s+)'
    r'|(?P<phrase>"[^"]*(?:"(?:~\d+)?|$))'
    r'|(?P<field>[A-Za-z_]\w*:(?=\S))'
    r'|(?P<paren>[()])'
    r'|(?P<range>[\[{][^\]}]*[\]}]?)'
    r"|(?P<word>[^\s()\"]+)"
)


@dataclass(frozen=True)
class Token:
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

    An unknown field, an unclosed phrase and an unmatched bracket come out as ``error``.
    """
    tokens: list[Token] = []
    depth_stack: list[int] = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "word"
        text = match.group()
        if kind == "phrase" and (len(text) == 1 or not text.rstrip("~0123456789").endswith('"')):
            kind = "error"
        elif kind == "field" and field_name(text[:-1]) is None:
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
    """What is wrong with ``query``, one readable sentence per mistake (empty when fine)."""
    if not query.strip():
        return ["empty query"]
    found = []
    for token in tokenize(query):
        if token.kind != "error":
            continue
        column = token.start + 1
        if token.text.startswith('"'):
            found.append(f"unbalanced quote at column {column}: close the phrase with \"")
        elif token.text == "(":
            found.append(f"unbalanced parenthesis at column {column}: '(' without ')'")
        elif token.text == ")":
            found.append(f"unbalanced parenthesis at column {column}: ')' without '('")
        else:
            found.append(f"unknown field {token.text[:-1]!r} at column {column}; "
                         f"fields are: {', '.join(FIELDS)}")
    return found


def normalize(query: str) -> str:
    """``query`` with field names written as the engine knows them (lower case, no aliases)."""
    return "".join(
        f"{field_name(token.text[:-1])}:" if token.kind == "field" else token.text for token in tokenize(query)
    )
