"""Bad queries, generated: the parser is fuzzed through the API and the CLI.

Whatever is typed, a search returns results (with warnings) or raises a
:class:`~searchidx.QueryError` with a one-line message; the CLI exits 0 or 2 and prints
no traceback. Expensive queries (``*``, a leading wildcard, a wide fuzzy term) are
bounded and come back promptly.

The default run tries a few hundred queries per test; ``pytest -m reliability`` runs the
same properties on thousands.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchidx import QueryError, SearchIndex
from searchidx.cli import ExitStatus
from searchidx.syntax import FIELD_ALIASES, FIELDS

# -- the queries -------------------------------------------------------------------------

KNOWN_FIELDS = sorted(FIELDS) + sorted(alias for aliases in FIELD_ALIASES.values() for alias in aliases)
UNKNOWN_FIELDS = ["foo", "x", "_", "Person2", "entities", "id", "fingerprint", "person_exact", "date_text", "é"]
WORDS = ["defence", "cooperation", "bangladesh", "dhaka", "navy", "turkey", "Türkiye", "gorgun", "army",
         "chief", "the", "a", "1987", "1987-03", "19870301", "business/001", "0", "-1", "3.5", "and", "or", "not"]
OPERATORS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "and", "or", "not", "&&", "||", "!"]
SYMBOLS = [":", '"', '""', "(", ")", "()", "[", "]", "{", "}", "~", "~2", "~0", "~99", "*", "?", "?*", "^", "^2",
           "^0.5", "/", "//", "\\", "+", "-", "<", ">", ">=", "<=", "=", ",", ";", "'", "`", "TO", "[TO]", "..."]
SPECIALS = ["\x00", "\n", "\r\n", "\t", "\x1b[31m", "\u200b", "\u202e", "\ufeff", "\ud7ff", "\U0001f600",
            "\U0001f1f9\U0001f1f7", "שלום", "مرحبا", "日本語", "ß", "İ", "ﬁ", "e\u0301", "\u00a0", "\u3000"]

# text drawn from the whole of Unicode except lone surrogates (which no str from a terminal holds)
unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
word = st.one_of(st.sampled_from(WORDS), st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True), unicode_text)
field = st.sampled_from(KNOWN_FIELDS + UNKNOWN_FIELDS).flatmap(
    lambda name: st.sampled_from([name, name.upper(), name.title()])
)
fielded = st.builds(lambda sign, name, value: f"{sign}{name}:{value}",
                    st.sampled_from(["", "+", "-"]), field, st.one_of(word, st.just(""), st.just("*")))
signed = st.builds(lambda sign, text: sign + text, st.sampled_from(["+", "-", "!"]), word)
phrase = st.builds(lambda words, close, slop: '"' + " ".join(words) + close + slop,
                   st.lists(word, max_size=4), st.sampled_from(['"', ""]), st.sampled_from(["", "~2", "~", "~x"]))
range_ = st.builds(lambda left, low, to, high, right: f"{left}{low}{to}{high}{right}",
                   st.sampled_from(["[", "{", ""]), st.one_of(word, st.just("")),
                   st.sampled_from([" TO ", " to ", " ", "TO", " TO"]),
                   st.one_of(word, st.just("")), st.sampled_from(["]", "}", ""]))
suffixed = st.builds(lambda text, suffix: text + suffix, word,
                     st.sampled_from(["*", "?", "~", "~1", "~2", "~3", "^2", "^-1", "^x", "*~", "?~2", "/"]))
prefixed = st.builds(lambda prefix, text: prefix + text, st.sampled_from(["*", "?", "*?", "**"]), word)
group = st.lists(st.one_of(word, fielded, suffixed), max_size=4).map(lambda parts: "(" + " OR ".join(parts) + ")")
piece = st.one_of(word, fielded, signed, phrase, range_, suffixed, prefixed, group,
                  st.sampled_from(OPERATORS), st.sampled_from(SYMBOLS), st.sampled_from(SPECIALS))
# a query: pieces joined by spaces (or run together), now and then a huge one
joined = st.builds(lambda parts, glue: glue.join(parts), st.lists(piece, max_size=12), st.sampled_from([" ", "", "  "]))
huge = st.builds(lambda text, times: (text + " ") * times,
                 st.one_of(piece, joined), st.integers(min_value=200, max_value=2000)).map(lambda text: text[:10_000])
queries = st.one_of(joined, joined, joined, piece, unicode_text)

# the default run stays fast; `pytest -m reliability` runs the same checks on 1,000 more queries each
# (huge queries take up to seconds each, so they have their own, smaller counts)
API_EXAMPLES, CLI_EXAMPLES, MANY_EXAMPLES = 300, 150, 1000
HUGE_EXAMPLES, MANY_HUGE_EXAMPLES = 3, 50
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


# -- the checks --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def idx(seed_index_path: Path) -> Iterator[SearchIndex]:
    with SearchIndex.open(seed_index_path) as opened:
        yield opened


def _check_query_error(error: QueryError) -> None:
    message = str(error)
    assert message.strip(), "a QueryError without a message"
    assert "\n" not in message and "\r" not in message, f"a QueryError message of several lines: {message!r}"


def check_api(idx: SearchIndex, query: str) -> None:
    """Every way the API runs a query gives results or a one-line QueryError, nothing else."""
    for call in (lambda: idx.search(query, limit=5, facets=2), lambda: idx.search(query, strict=True)):
        try:
            results = call()
        except QueryError as error:
            _check_query_error(error)
        else:
            assert results.total >= 0
            assert len(results.hits) <= results.total
            assert all(isinstance(warning, str) and warning for warning in results.warnings)
    try:
        idx.explain(query)
    except QueryError as error:
        _check_query_error(error)


def check_cli(index: Path, query: str) -> None:
    """``search`` and ``explain`` exit 0 or 2 with only searchidx's own lines on stderr."""
    for command in ("search", "explain"):
        code, out, err = run_cli(command, "--index", str(index), "--", query)  # "--": a query may start with -
        assert code in (ExitStatus.OK, ExitStatus.USAGE), (command, code, err)
        assert "Traceback" not in out and "Traceback" not in err
        for line in err.splitlines():
            # warnings and errors, and the "did you mean" line of a search
            assert line.startswith(("searchidx: warning: ", "searchidx: error: ", "did you mean: ")), (command, err)
        if code == ExitStatus.USAGE:
            assert err.startswith("searchidx: error: bad query: "), (command, err)


@given(query=queries)
@settings(max_examples=API_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
def test_api_never_raises_but_query_error(idx: SearchIndex, query: str):
    check_api(idx, query)


@pytest.mark.reliability
@given(query=queries)
@settings(max_examples=MANY_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
def test_api_never_raises_but_query_error_many(idx: SearchIndex, query: str):
    check_api(idx, query)


@given(query=queries)
@settings(max_examples=CLI_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
def test_cli_exits_0_or_2_without_traceback(seed_index_path: Path, query: str):
    check_cli(seed_index_path, query)


@pytest.mark.reliability
@given(query=queries)
@settings(max_examples=MANY_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
def test_cli_exits_0_or_2_without_traceback_many(seed_index_path: Path, query: str):
    check_cli(seed_index_path, query)


@given(query=huge)
@settings(max_examples=HUGE_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
def test_huge_queries(idx: SearchIndex, seed_index_path: Path, query: str):
    check_api(idx, query)
    check_cli(seed_index_path, query)


@pytest.mark.reliability
@given(query=huge)
@settings(max_examples=MANY_HUGE_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
def test_huge_queries_many(idx: SearchIndex, seed_index_path: Path, query: str):
    check_api(idx, query)
    check_cli(seed_index_path, query)


@pytest.mark.parametrize("query", ['"', "(", ")", "[", "{", "AND", "NOT", "*:", ":", "\x00", "a" * 1000,
                                   "(" * 500, '"' * 501, "[a TO", "published:[x TO y]", "x:" * 1000])
def test_known_bad_queries(idx: SearchIndex, seed_index_path: Path, query: str):
    check_api(idx, query)
    check_cli(seed_index_path, query)


# -- expensive queries -------------------------------------------------------------------

#: generous: each takes well under a second on the seed index
PROMPT_SECONDS = 5.0


@pytest.mark.parametrize("query", ["*", "a*", "*a", "?*", "*?*", "abcdefghij~2", "text:*", "person:*",
                                   "*e* OR *a* OR *o*", "d~2 a~2 n~2", "published:[1900 TO 2100]",
                                   # Whoosh's range syntax on unclosed ranges: 15 s before they were repaired
                                   ("[defence to bengal " * 600)[:10_000]])
def test_expensive_queries_return_promptly(idx: SearchIndex, query: str):
    started = time.perf_counter()
    results = idx.search(query, limit=10, facets=2)
    idx.explain(query)
    seconds = time.perf_counter() - started
    assert results.total >= 0
    assert seconds < PROMPT_SECONDS, f"{query!r} took {seconds:.2f} s"


def test_ranking_stops_at_the_time_limit_and_says_so(idx: SearchIndex):
    whole = idx.search("bangladesh OR turkiye OR defence", limit=None)
    assert not any("ran out of time" in w for w in whole.warnings)
    cut = idx.search("bangladesh OR turkiye OR defence", limit=None, time_limit=0)
    assert any("ran out of time" in w for w in cut.warnings)
    assert cut.hits and {(h.article, h.paragraph) for h in cut.hits} <= {(h.article, h.paragraph) for h in whole.hits}
    assert cut.total == whole.total if cut.total_exact else len(cut.hits) <= cut.total <= whole.total


def test_the_time_limit_holds_in_threads(idx: SearchIndex):
    import threading

    found: list[list[str]] = []
    thread = threading.Thread(target=lambda: found.append(idx.search("defence", time_limit=0).warnings))
    thread.start()
    thread.join(30)
    assert any("ran out of time" in w for w in found[0])


@pytest.mark.reliability
def test_a_huge_word_returns_promptly(idx: SearchIndex):
    started = time.perf_counter()
    idx.search("a" * 10_000, limit=5)
    seconds = time.perf_counter() - started
    assert seconds < PROMPT_SECONDS, f"a 10,000-letter word took {seconds:.2f} s"


def test_star_alone_finds_every_paragraph(idx: SearchIndex):
    assert idx.search("*", limit=None).total == idx.stats().paragraphs
