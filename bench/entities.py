"""Entity quality: precision, recall and F1 of searchidx's entities on the CoNLL-2003 English
dev set, with the same pipeline the indexer runs.

    python bench/entities.py                       # $SEARCHIDX_SHARED/eval/conll2003/valid.txt (../shared)
    python bench/entities.py --limit-docs 20       # a quick run on the first 20 articles
    python bench/entities.py --errors 30           # and the 30 most frequent errors
    python bench/entities.py --json                # the figures as JSON
    python bench/entities.py --harmonize-only      # entities.harmonize alone after the model

Each CoNLL document is an article whose paragraphs are its sentences (tokens joined with
single spaces; the gold entities keep their character offsets). Its entities come from
``get_extractor(model).extract_many`` and then the step ``searchidx.analysis`` runs per
article when indexing: ``analysis.article_entities`` (``entities.harmonize``, then
``names.resolve``, which adds the mentions of people the model missed), or
``entities.harmonize`` alone with --harmonize-only (or where there is no such step).
Fields map to CoNLL types: person -> PER, org -> ORG, place -> LOC, group and misc ->
MISC; dates are ignored. A prediction is right only with the exact span and type of a gold
entity (conlleval style), so a span that does not fall on token boundaries is wrong. The
time printed is that of extraction and the article step (the model is loaded before).

Figures are given per type and micro-averaged over PER/ORG/LOC (the headline figure) and
over all four types, for all text and for prose sentences only. A sentence is *prose* when

- it has at least ``PROSE_MIN_TOKENS`` (6) tokens,
- at least three of them are lowercase words (all-caps headlines have none, and score
  cards such as "J. Smith c Brown b Jones 12" too few), and
- at most a fifth of them hold a digit (score lines and tables are mostly numbers).

This leaves out headlines ("TENNIS - ... ."), datelines ("PARIS 1996-08-31"), results and
tables ("Kent 212 and 98-4 ( J. Smith 55 ) , Surrey 301 .") and short list items.
Extraction still sees the whole article; only the scoring is restricted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from searchidx.models import Entity

ROOT = Path(__file__).resolve().parent.parent
#: searchidx field -> CoNLL type; fields not listed (date) are not scored.
FIELD_TYPES = {"person": "PER", "org": "ORG", "place": "LOC", "group": "MISC", "misc": "MISC"}
TYPES = ("PER", "ORG", "LOC", "MISC")
HEADLINE_TYPES = ("PER", "ORG", "LOC")
PROSE_MIN_TOKENS = 6

Span = tuple[int, int, str]  # start and end character offsets in the sentence text, CoNLL type


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def offsets(self) -> list[tuple[int, int]]:
        """Start and end character offsets of each token in :attr:`text`."""
        spans, at = [], 0
        for token in self.tokens:
            spans.append((at, at + len(token)))
            at += len(token) + 1
        return spans

    def gold(self) -> set[Span]:
        """The gold entities: IOB2 chunks as character spans (an I- tag after O or after
        another type opens a chunk, as conlleval does)."""
        chunks: set[Span] = set()
        offsets = self.offsets()
        start = kind = None
        for i, tag in enumerate([*self.tags, "O"]):
            prefix, _, tag_kind = tag.partition("-")
            continues = prefix == "I" and tag_kind == kind
            if kind is not None and not continues:
                chunks.add((offsets[start][0], offsets[i - 1][1], kind))
                kind = None
            if prefix in ("B", "I") and not continues:
                start, kind = i, tag_kind
        return chunks


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def gold(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def figures(self) -> dict[str, float]:
        return {"gold": self.gold, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Score:
    """Counts per CoNLL type over some sentences, how many sentences they were, and each
    error (:func:`errors`) with how often it occurred."""

    sentences: int = 0
    by_type: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in TYPES})
    mistakes: Counter[tuple[str, str]] = field(default_factory=Counter)

    def micro(self, kinds: Sequence[str] = HEADLINE_TYPES) -> Counts:
        total = Counts()
        for kind in kinds:
            total.add(self.by_type[kind])
        return total

    def figures(self) -> dict[str, object]:
        return {"sentences": self.sentences,
                "types": {kind: counts.figures() for kind, counts in self.by_type.items()},
                "micro_per_org_loc": self.micro().figures(), "micro_all": self.micro(TYPES).figures()}


def read_conll(path: Path) -> list[list[Sentence]]:
    """The documents of a CoNLL file: lists of sentences (tokens and the tag in the last column)."""
    documents: list[list[Sentence]] = []
    sentence = Sentence([], [])

    def close() -> None:
        nonlocal sentence
        if sentence.tokens:
            if not documents:
                documents.append([])
            documents[-1].append(sentence)
        sentence = Sentence([], [])

    for line in path.read_text(encoding="utf-8").splitlines():
        columns = line.split()
        if not columns:
            close()
        elif columns[0] == "-DOCSTART-":
            close()
            documents.append([])
        else:
            sentence.tokens.append(columns[0])
            sentence.tags.append(columns[-1])
    close()
    return [document for document in documents if document]


def is_prose(tokens: Sequence[str]) -> bool:
    """True for a running-text sentence; see the module docstring."""
    lowercase = sum(1 for t in tokens if t[0].islower() and t.isalpha())
    numeric = sum(1 for t in tokens if any(c.isdigit() for c in t))
    return len(tokens) >= PROSE_MIN_TOKENS and lowercase >= 3 and numeric * 5 <= len(tokens)


def predicted_spans(entities: Iterable[Entity]) -> set[Span]:
    """Character spans and CoNLL types of extracted entities; dates are left out."""
    return {(e.start, e.end, FIELD_TYPES[e.field]) for e in entities if e.field in FIELD_TYPES}


def score_sentence(text: str, gold: set[Span], predicted: set[Span], into: Score) -> None:
    """Add one sentence's true positives, false positives, misses and errors to ``into``."""
    into.sentences += 1
    into.mistakes.update(errors(text, gold, predicted))
    for span in predicted:
        counts = into.by_type[span[2]]
        if span in gold:
            counts.tp += 1
        else:
            counts.fp += 1
    for span in gold - predicted:
        into.by_type[span[2]].fn += 1


def errors(text: str, gold: set[Span], predicted: set[Span]) -> list[tuple[str, str]]:
    """Each error of a sentence as (kind, detail): "gold ORG predicted LOC", "missed PER",
    "spurious MISC", "boundary PER" (an overlapping prediction of another span; with its type
    if that differs: "boundary ORG predicted LOC")."""
    found = []
    for start, end, kind in sorted(gold - predicted):
        same_span = [p for p in predicted if p[:2] == (start, end)]
        overlapping = [p for p in predicted if p[0] < end and start < p[1]]
        if same_span:
            found.append((f"gold {kind} predicted {same_span[0][2]}", text[start:end]))
        elif overlapping:
            other = overlapping[0]
            label = f"boundary {kind}" if other[2] == kind else f"boundary {kind} predicted {other[2]}"
            found.append((label, f"{text[start:end]} / {text[other[0]:other[1]]}"))
        else:
            found.append((f"missed {kind}", text[start:end]))
    for start, end, kind in sorted(predicted - gold):
        if not any(g[0] < end and start < g[1] for g in gold):
            found.append((f"spurious {kind}", text[start:end]))
    return found


def evaluate(documents: Sequence[list[Sentence]], predictions: Sequence[Sequence[Iterable[Entity]]]
             ) -> tuple[Score, Score]:
    """Scores over all sentences and over prose sentences."""
    everything, prose = Score(), Score()
    for sentences, entities in zip(documents, predictions):
        for sentence, found in zip(sentences, entities):
            gold, predicted = sentence.gold(), predicted_spans(found)
            score_sentence(sentence.text, gold, predicted, everything)
            if is_prose(sentence.tokens):
                score_sentence(sentence.text, gold, predicted, prose)
    return everything, prose


def article_step(harmonize_only: bool = False) -> Callable[[Sequence[str], Sequence[Sequence[Entity]]], list]:
    """What the indexer does to the model's mentions of one article: ``analysis.article_entities``
    where it exists (harmonize, then complete and name), else ``entities.harmonize``."""
    from searchidx.entities import harmonize

    from searchidx import analysis

    step = None if harmonize_only else getattr(analysis, "article_entities", None)
    return step or harmonize


def extract(documents: Sequence[list[Sentence]], model: str | None, harmonize_only: bool = False
            ) -> tuple[list[list[list[Entity]]], float]:
    """The entities of each sentence of each document, as the indexer finds them (each
    document an article, each sentence a paragraph), and the seconds it took."""
    from searchidx.entities import get_extractor

    extractor = get_extractor(model)
    step = article_step(harmonize_only)
    started = time.perf_counter()
    paragraphs = [[s.text for s in sentences] for sentences in documents]
    flat = iter(extractor.extract_many(p for texts in paragraphs for p in texts))
    found = [step(texts, [next(flat) for _ in texts]) for texts in paragraphs]
    return found, time.perf_counter() - started


def table(everything: Score, prose: Score) -> str:
    head = f"{'':18}" + "".join(f"{'gold':>7} {'P':>6} {'R':>6} {'F1':>6}  " for _ in range(2))
    lines = [f"{'':18}{'all text (' + str(everything.sentences) + ' sentences)':<30}  "
             f"prose only ({prose.sentences} sentences)", head]
    rows = [(kind, everything.by_type[kind], prose.by_type[kind]) for kind in TYPES]
    rows += [("micro PER/ORG/LOC", everything.micro(), prose.micro()),
             ("micro all four", everything.micro(TYPES), prose.micro(TYPES))]
    for name, *scores in rows:
        lines.append(f"{name:18}" + "".join(
            f"{c.gold:7d} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}  " for c in scores))
    return "\n".join(lines)


def default_conll() -> Path:
    shared = Path(os.environ.get("SEARCHIDX_SHARED", ROOT.parent / "shared"))
    return shared / "eval" / "conll2003" / "valid.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conll", type=Path, default=default_conll(), help="a CoNLL-2003 file (IOB2 tags)")
    parser.add_argument("--model", default=None, help="spaCy model (default: searchidx's default model)")
    parser.add_argument("--limit-docs", type=int, default=None, help="score only the first N documents")
    parser.add_argument("--errors", type=int, default=0, help="print the N most frequent errors")
    parser.add_argument("--errors-in", choices=("prose", "all"), default="prose",
                        help="the sentences whose errors --errors lists (default: prose)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--harmonize-only", action="store_true",
                        help="after the model, entities.harmonize only (not the indexer's whole article step)")
    args = parser.parse_args()
    if not args.conll.is_file():
        print(f"no CoNLL file at {args.conll}; give --conll or set SEARCHIDX_SHARED", file=sys.stderr)
        return 2
    documents = read_conll(args.conll)[:args.limit_docs]
    sentences = sum(len(d) for d in documents)
    predictions, seconds = extract(documents, args.model, args.harmonize_only)
    step = article_step(args.harmonize_only)
    step_name = f"{step.__module__}.{step.__name__}"
    everything, prose = evaluate(documents, predictions)
    mistakes = (prose if args.errors_in == "prose" else everything).mistakes
    kinds: Counter[str] = Counter()
    for (kind, _), count in mistakes.items():
        kinds[kind] += count
    if args.json:
        figures = {"conll": str(args.conll), "documents": len(documents), "article_step": step_name,
                   "seconds": round(seconds, 2), "sentences_per_second": round(sentences / seconds, 1),
                   "all": everything.figures(), "prose": prose.figures()}
        if args.errors:
            figures["errors"] = {"in": args.errors_in, "kinds": dict(kinds.most_common(args.errors)),
                                 "most_frequent": [[kind, detail, count] for (kind, detail), count
                                                   in mistakes.most_common(args.errors)]}
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{args.conll}: {len(documents)} documents, {sentences} sentences "
          f"({everything.micro(TYPES).gold} gold entities; prose: {prose.sentences} sentences, "
          f"{prose.micro(TYPES).gold} gold entities)")
    print(f"extract_many + {step_name}: {seconds:.1f} s, {sentences / seconds:.0f} sentences/s\n")
    print(table(everything, prose))
    if args.errors:
        print(f"\nerror kinds ({args.errors_in}, {sum(kinds.values())} errors):")
        for kind, count in kinds.most_common(args.errors):
            print(f"{count:6d}  {kind}")
        print(f"\nmost frequent errors ({args.errors_in}):")
        for (kind, detail), count in mistakes.most_common(args.errors):
            print(f"{count:6d}  {kind}: {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
