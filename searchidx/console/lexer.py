"""Colouring a query as it is typed: fields, operators, phrases, ranges, brackets, mistakes."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.lexers import Lexer

from ..syntax import tokenize

_STYLES = {
    "field": "class:field",
    "operator": "class:operator",
    "phrase": "class:phrase",
    "range": "class:range",
    "paren": "class:paren",
    "error": "class:error",
}


class QueryLexer(Lexer):
    """A prompt-toolkit lexer over :func:`searchidx.syntax.tokenize`; a ``\\command`` line is one colour."""

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines

        def line(number: int) -> StyleAndTextTuples:
            text = lines[number] if number < len(lines) else ""
            if text.lstrip().startswith("\\"):
                name, space, rest = text.partition(" ")
                return [("class:command", name), ("", space + rest)]
            return [(_STYLES.get(token.kind, ""), token.text) for token in tokenize(text)]

        return line
