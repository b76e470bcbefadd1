"""From query text to a Whoosh query: repairs, the query's kind, other names and spellings,
and every wildcard, fuzzy term and range expanded once and bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from whoosh import qparser, query
from whoosh.analysis import STOP_WORDS

from .. import syntax, variants
from ..errors import QueryError
from ..models import ENTITY_FIELDS
from ..settings import SearchOptions
from . import compat
from .matching import Budget, DocSet, matching_docs, term_docs
from .schema import CATCH_ALL, PHRASE_FIELDS
from .vocabulary import words_within

#: The default operator between query terms. AND: every word must match, as in web search,
#: so that adding a word narrows the results (write OR for the alternative).
DEFAULT_OPERATOR = "AND"
#: Letters at the start of a fuzzy term (``word~``) that must match as written (at least).
FUZZY_PREFIX = 1
#: Fields whose values get other names and spellings (None: no field named).
VARIANT_FIELDS = frozenset({None, "text", "title", *ENTITY_FIELDS} - {"date"})
#: Words a description (a long plain query) drops: Whoosh's stop words, the other function
#: words of English and the words that ask rather than say what is sought ("what did ... say
#: about"). Short keyword queries keep all but Whoosh's stop words: every word there counts.
DESCRIPTION_STOP_WORDS = frozenset(STOP_WORDS) | frozenset("""
    about above after again against all also am any aren't because been before being below between both but
    could did didn't do does doesn't doing done down during each either else ever few further had has hasn't
    having he her here hers herself him himself his how however i i'm into isn't its itself just me might
    more most much must my myself neither no nor now off once only other ought our ours ourselves out over
    own please rather same say said says shall she should so some such than their theirs them themselves then
    there these they those through thus too under until up upon very via was wasn't were weren't what
    whatever where whether which while who whom whose why within without would yours yourself yourselves
    tell describe discuss""".split())


#: Shares of a search's time limit that expanding wildcards into words, then reading the
#: paragraphs of those words, may take: ranking and counting need some of it.
EXPANDING, READING = 0.4, 0.7


class Parsed(NamedTuple):
    """A query ready to run: the Whoosh query, what was repaired, and its kind (:func:`query_kind`)."""

    query: Any
    warnings: list[str]
    kind: str


def positioned(parsed: Any) -> Any:
    """``parsed`` with each phrase of no field (Whoosh puts it in the catch-all, which keeps no
    word positions) made the phrase in the text or in the title."""
    def place(node: Any) -> Any:
        if isinstance(node, query.Phrase) and node.fieldname == CATCH_ALL:
            return query.Or([query.Phrase(fieldname, node.words, slop=node.slop, boost=node.boost)
                             for fieldname in PHRASE_FIELDS])
        return node

    return parsed.accept(place)


def long_query_operator(options: SearchOptions) -> str:
    """How the words of a description (a long plain query) are joined, as ``explain`` says it."""
    return (f"OR (a query of {options.long_query_words} or more plain words; with the words its best "
            "paragraphs share added, each weighed by how much they share it)")


def is_shouted(text: str, options: SearchOptions) -> bool:
    """True for a query of ``options.long_query_words`` or more words all in capitals."""
    words = [t.text for t in syntax.tokenize(text) if t.kind == "word"]
    return len(words) >= options.long_query_words and text == text.upper() and any(c.isalpha() for c in text)


def query_kind(text: str, options: SearchOptions) -> str:
    """``description``: ``options.long_query_words`` or more words (or phrases) with no field
    name and no operator, a question rather than a structured query; ``keywords``: two or
    more such words, fewer than that, and no brackets; else ``structured``."""
    tokens = syntax.tokenize(text)
    if any(t.kind in ("field", "operator", "range") for t in tokens):
        return "structured"
    words = sum(t.kind in ("word", "phrase") for t in tokens)
    if words >= options.long_query_words:
        return "description"
    return "keywords" if words >= 2 and not any(t.kind == "paren" for t in tokens) else "structured"


def field_before(tokens: list[syntax.Token], i: int) -> str | None:
    """The field the token at ``i`` is the value of (``person`` in ``person:gorgun``), else None."""
    before = tokens[i - 1] if i else None
    return syntax.field_name(before.text.lstrip("+-")[:-1]) if before and before.kind == "field" else None


class _BracketedPlusMinus(qparser.PlusMinusPlugin):  # type: ignore[misc]  # Whoosh has no type hints
    """``+must`` and ``-exclude`` inside brackets too: Whoosh's plugin reads them at the top
    level only, and ``(oil -wheat) OR tariff`` failed to parse ("Minus")."""

    def do_plusminus(self, parser: Any, group: Any) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, qparser.syntax.GroupNode):
                group[i] = self.do_plusminus(parser, node)
        if not any(isinstance(node, (self.Plus, self.Minus)) for node in group):
            return group
        return super().do_plusminus(parser, group)


class QueryParser:
    """Parses query text against one index's schema (its readers are passed in per search)."""

    def __init__(self, schema: Any, options: SearchOptions,
                 joined: Callable[[], Mapping[str, Sequence[str]]] = dict) -> None:
        self.schema = schema
        self.options = options
        #: the names of the entities the corpus joined (see :class:`.catalogue.Joined`)
        self.joined = joined
        self._all_words = self._make_parser(qparser.AndGroup)
        self._any_word = self._make_parser(qparser.OrGroup.factory(0.9))

    def _make_parser(self, group: Any) -> qparser.QueryParser:
        parser = qparser.QueryParser(CATCH_ALL, self.schema, group=group)
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(qparser.GtLtPlugin())
        # +must and -exclude only at the start of a word: "1987-04" is a date, not "1987 NOT 04"
        parser.add_plugin(_BracketedPlusMinus(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
        return parser

    def parse(self, text: str, searcher: Any, strict: bool = False, any_word: bool = False,
              budget: Budget | None = None) -> Parsed:
        """The Whoosh query for ``text``, warnings about what was changed to make it run, and
        the query's kind (see :func:`query_kind`); ``any_word`` joins the words with OR.

        Bad syntax is repaired (see :func:`searchidx.syntax.repair`) unless ``strict``, when
        the first mistake raises :class:`QueryError`. A query with nothing left to search
        raises :class:`QueryError` either way.
        """
        if not text.strip():
            raise QueryError("empty query")
        repaired, warnings = syntax.repair(text)
        repaired = self._readable_dates(repaired, warnings)
        if strict and warnings:
            raise QueryError(warnings[0])
        if is_shouted(repaired, self.options):  # caps lock on: AND, OR and NOT are words, not operators
            repaired = repaired.lower()
        kind = query_kind(repaired, self.options)
        long_plain = kind == "description"
        if long_plain:  # a description: "?" is punctuation, and stop words say nothing
            repaired = re.sub(r"\?+(?=\s|$)", " ", repaired)
            repaired = "".join(t.text for t in syntax.tokenize(repaired)
                               if not (t.kind == "word" and t.text.lower().strip(",.;:!'’") in
                                       DESCRIPTION_STOP_WORDS))
        normalized = self.with_variants(syntax.normalize(repaired), searcher.reader())
        parser = self._any_word if long_plain or any_word else self._all_words
        try:
            parsed = parser.parse(normalized)
        except Exception as error:  # Whoosh raises ValueErrors on ranges it cannot read
            try:
                parsed = parser.parse(syntax.without_ranges(normalized))
            except Exception:
                raise QueryError(f"cannot read the query: {error}") from error
            if strict:
                raise QueryError(f"cannot read a range in the query: {error}") from error
            warnings.append(f"ignored a range that cannot be read ({error})")
        if parsed is query.NullQuery or isinstance(parsed, type(query.NullQuery)):
            if any(t.kind in ("word", "phrase") for t in syntax.tokenize(normalized)):
                # words, but only those too common to index ("the", "us"): nothing matches them
                warnings.append("the query has only stop words, which are not indexed")
                return Parsed(query.NullQuery, warnings, kind)
            raise QueryError("nothing to search: " + ("; ".join(warnings) or "the query is empty"))
        return Parsed(self._bounded(positioned(parsed), searcher, warnings, budget or Budget()), warnings, kind)

    def _readable_dates(self, text: str, warnings: list[str]) -> str:
        """``text`` without the ``published:`` values that are no date the index can search
        (``published:"march 1987"``), each dropped with a warning that says how to write one:
        Whoosh would match nothing, silently."""
        tokens = syntax.tokenize(text)
        dropped: set[int] = set()
        for i, token in enumerate(tokens):
            if token.kind not in ("word", "phrase") or field_before(tokens, i) != "published":
                continue
            value = token.text.strip('"').lstrip("<>=")
            if not value or any(c in value for c in "*?"):
                continue
            if isinstance(self.schema["published"].parse_query("published", value), type(query.NullQuery)):
                dropped.update((i - 1, i))
                warnings.append(f"{tokens[i - 1].text}{token.text} is no date that can be searched "
                                "(write published:1987, published:1987-03, published:1987-03-26 or a range "
                                "published:[1987-03-01 TO 1987-03-31]); ignored it")
        return "".join(t.text for i, t in enumerate(tokens) if i not in dropped) if dropped else text

    def unbounded(self, text: str, reader: Any) -> Any:
        """The query as Whoosh's own parser reads ``text`` (a well-formed query) with its
        variants added, wildcards and ranges left to Whoosh: what :meth:`parse` must match
        the same paragraphs as, for checks."""
        return positioned(self._all_words.parse(self.with_variants(syntax.normalize(text), reader)))

    def _bounded(self, parsed: Any, searcher: Any, warnings: list[str], budget: Budget) -> Any:
        """``parsed`` with every wildcard, prefix or fuzzy term expanded once into the words it
        stands for; one that stands for more than ``max_scored_expansions`` words made a plain
        set of matching paragraphs (all matches kept, no ranking by it): Whoosh would score a
        union of thousands of terms for minutes. Beyond ``max_expansions`` words, only the
        most frequent count. Date and number ranges become sets of paragraphs too. A set
        whose words are read when the ``budget`` runs out holds those read until then."""
        reader = searcher.reader()
        options = self.options

        def bound(node: Any) -> Any:
            if isinstance(node, query.Every) and node.fieldname in (None, CATCH_ALL):
                return query.Every()  # a bare *: all paragraphs (every one has content), fast
            if isinstance(node, query.NumericRange):
                # a date range: Whoosh would list every paragraph in it for each matcher it
                # builds; the set of them, found once from the terms, serves every step
                return DocSet(node.fieldname, [], sorted(matching_docs(node, searcher, budget)), str(node))
            if not isinstance(node, query.MultiTerm) or isinstance(node, query.TermRange):
                return node
            if isinstance(node, query.FuzzyTerm) and node.prefixlength < FUZZY_PREFIX:
                # typos seldom hit the first letter, and keeping it spares comparing the word
                # with the whole vocabulary (7 s instead of 0.1 s at 300,000 paragraphs)
                node = node.copy()
                node.prefixlength = FUZZY_PREFIX
            skipped = budget.skipped
            if type(node) is query.FuzzyTerm and isinstance(node.text, str):  # (compared in C, words listed once)
                words: list[Any] = words_within(reader, node.fieldname, node.text, node.maxdist, node.prefixlength)
            else:
                words = compat.expanded_words(node, reader, lambda: budget.spent(EXPANDING))
            fieldname = node.field()
            if len(words) <= options.max_scored_expansions:
                # the words it stands for, found once: Whoosh would search the vocabulary
                # again for each step of a search (a dozen times for a fuzzy term)
                field = self.schema[fieldname]
                return query.Or([query.Term(fieldname, word if isinstance(word, str) else field.from_bytes(word),
                                            boost=node.boost) for word in words]) if words else query.NullQuery
            label = f"{fieldname}:{node.text}{'*' if isinstance(node, query.Prefix) else ''}"
            if len(words) > options.max_expansions:
                frequency = {word: 0 if budget.spent(EXPANDING) else reader.doc_frequency(fieldname, word)
                             for word in words}
                words.sort(key=lambda word: -frequency[word])
                warnings.append(f"{label} matches {len(words):,} words; searched the {options.max_expansions:,} "
                                "most frequent")
                words = words[:options.max_expansions]
            docnums: set[int] = set()
            for word in words:
                if budget.spent(READING):
                    break
                docnums.update(term_docs(reader, fieldname, word))
            return DocSet(fieldname, words, sorted(docnums), label, complete=budget.skipped == skipped)

        return parsed.accept(bound)

    def with_variants(self, text: str, reader: Any) -> str:
        """``text`` with each name or word that has other names or spellings in the index
        replaced by an OR of them: ``place:turkey`` -> ``place:(turkey OR Türkiye OR ...)``."""
        tokens = syntax.tokenize(text)
        out = []
        for i, token in enumerate(tokens):
            fieldname = field_before(tokens, i)
            if token.kind in ("word", "phrase") and fieldname in VARIANT_FIELDS:
                out.append(self._alternatives(token, fieldname, reader))
            else:
                out.append(token.text)
        return "".join(out)

    def _alternatives(self, token: syntax.Token, fieldname: str | None, reader: Any) -> str:
        written = token.text
        if token.kind == "phrase":
            if not written.endswith('"'):
                return written  # a phrase with a slop keeps its meaning only as written
            written = written[1:-1]
        elif any(c in written for c in "*?~^[]{}") or any(c.isdigit() for c in written):
            return token.text
        table = variants.aliases()
        others = variants.widening(table.names(written, any_case=fieldname in ENTITY_FIELDS))
        if fieldname in ENTITY_FIELDS:
            others += self.joined().get(variants.fold(written), [])
        if fieldname == "place" and not others:
            others = variants.widening(table.place_of(written))
        elif fieldname == "group":
            others = table.demonyms_of(written) or table.demonyms_of((table.place_of(written) or [""])[0])
        if token.kind == "word":
            others += [v for v in variants.spellings(written) if self.holds(v, fieldname, reader)]
        else:  # the phrase with every word that has another spelling in the index respelt
            respelt = [next((v for v in variants.spellings(word) if self.holds(v, fieldname, reader)), word)
                       for word in written.split()]
            others.append(" ".join(respelt))
        alternatives = [token.text] + [
            f'"{name}"' if re.search(r"[^\w]", name) else name
            for name in dict.fromkeys(others) if variants.fold(name) != variants.fold(written)
        ]
        if len(alternatives) == 1:
            return token.text
        return "(" + " OR ".join(alternatives) + ")"

    def holds(self, word: str, fieldname: str | None, reader: Any) -> bool:
        """True when the index holds ``word`` (as its field's analyzer writes it)."""
        target = fieldname or CATCH_ALL
        return any((target, token.text.encode("utf-8")) in reader
                   for token in self.schema[target].analyzer(word, mode="query"))
