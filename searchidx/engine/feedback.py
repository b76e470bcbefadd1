"""Pseudo-relevance feedback for descriptions (RM3): the words the best paragraphs share,
added to the query.

A description ("what problems of heat conduction in composite slabs have been solved")
names a subject in a few words, and the paragraphs about it often use others ("thermal",
"plate"). RM3 (Lavrenko and Croft's relevance model, interpolated with the query as Abdul-
Jaleel et al. did for TREC 2004) takes the top paragraphs of a first search as relevant,
weighs each word by its share of each such paragraph times the paragraph's share of their
scores, and adds the heaviest words to the query with those weights, beside the query's own
words. Only descriptions are expanded: keyword and fielded queries keep their exact meaning.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from whoosh import query

from ..settings import SearchOptions
from . import bm25
from .matching import Budget
from .parsing import DESCRIPTION_STOP_WORDS
from .schema import CATCH_ALL, text_analyzer

#: The best paragraphs show what is sought only when they are a few of many matches: a
#: description matching fewer than this many times ``feedback_docs`` is not expanded (in
#: a small index the best paragraphs would be most of it).
FEW = 5


@dataclass(frozen=True)
class Expanded:
    """A description's query with the added words, and every paragraph it matches scored
    (as :func:`.bm25.scored` gives them: score, minus the document number)."""

    query: Any
    found: list[tuple[float, int]]


def expanded(parsed: Any, searcher: Any, options: SearchOptions, budget: Budget | None = None,
             share: float = 1.0) -> Expanded | None:
    """``parsed`` (a description's query) with the ``options.feedback_terms`` words of its
    relevance model added, and its matches scored; None when ``parsed`` is no query that is
    scored by blocks (see :func:`.bm25.tree_scored`) or ``share`` of the ``budget``'s time
    runs out (then Whoosh ranks ``parsed`` as it is)."""
    plain = bm25.plain_query(parsed, searcher)
    decoded: bm25.Decoded = {}  # the asked words' postings, read once for both searches
    found = bm25.scored(searcher, plain, budget, share, decoded) if plain is not None else \
        bm25.tree_scored(searcher, parsed, budget, share)
    if found is None:
        return None
    if options.feedback_terms <= 0 or options.feedback_docs <= 0 or len(found) < FEW * options.feedback_docs:
        return Expanded(parsed, found)
    top = bm25.best(searcher, found, options.feedback_docs)
    model = relevance_model(searcher, [(hit.docnum, hit.score) for hit in top])
    reader = searcher.reader()
    limit = options.feedback_share * searcher.doc_count()
    unsaid = function_words()
    words = [word for word, _ in sorted(model.items(), key=lambda kv: (-kv[1], kv[0]))
             if not word.isdigit() and word not in unsaid
             and reader.doc_frequency(CATCH_ALL, word) <= limit][:options.feedback_terms]
    if not words:
        return Expanded(parsed, found)
    mass = sum(model[word] for word in words)
    originals = list(parsed.subqueries) if type(parsed) is query.Or else [parsed]
    # Each of the query's own parts keeps its weight (1): the added words share the rest of
    # the interpolation, scaled to match (RM3's lambda over the query's own parts).
    scale = (1 - options.feedback_weight) / options.feedback_weight * len(originals) / mass
    added = [query.Term(CATCH_ALL, word, boost=model[word] * scale) for word in words]
    # the expanded query: a word both asked for and added is one term, its weights summed
    asked = {(q.fieldname, q.text): i for i, q in enumerate(originals) if type(q) is query.Term}
    shown = list(originals)
    for word in added:
        i = asked.get((CATCH_ALL, word.text))
        if i is None:
            shown.append(word)
        else:
            shown[i] = query.Term(CATCH_ALL, word.text, boost=shown[i].boost + word.boost)
    whole = query.Or(shown)
    plain = bm25.plain_query(whole, searcher)
    if plain is not None:  # plain words: scored again as one query
        again = bm25.scored(searcher, plain, budget, share, decoded)
        return Expanded(whole, again) if again is not None else Expanded(parsed, found)
    more = bm25.scored(searcher, (added, False, None), budget, share)  # phrases: their scores kept
    if more is None:
        return Expanded(parsed, found)
    scores = {negated: score for score, negated in found}
    for score, negated in more:
        scores[negated] = scores.get(negated, 0.0) + score
    return Expanded(whole, [(score, negated) for negated, score in scores.items()])


@functools.lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """The words a description drops (:data:`.parsing.DESCRIPTION_STOP_WORDS`), as the
    catch-all field writes them ("because": "becaus"): never added by feedback either."""
    analyzer = text_analyzer()
    return frozenset(token.text for word in DESCRIPTION_STOP_WORDS for token in analyzer(word))


def relevance_model(searcher: Any, top: list[tuple[int, float]]) -> dict[str, float]:
    """Word -> weight in the relevance model of the paragraphs ``top`` (document number and
    score): the sum over paragraphs of the word's share of the paragraph's words (as the
    catch-all field analyses its title and text) times the paragraph's share of the scores."""
    total = sum(score for _, score in top)
    if total <= 0:
        return {}
    analyzer = searcher.schema[CATCH_ALL].analyzer
    model: dict[str, float] = {}
    for docnum, score in top:
        stored = searcher.stored_fields(docnum)
        counts = Counter(token.text for token in analyzer(f"{stored.get('title') or ''}\n{stored.get('text') or ''}"))
        length = sum(counts.values())
        for word, count in counts.items():
            model[word] = model.get(word, 0.0) + score / total * count / length
    return model
