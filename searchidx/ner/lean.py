"""spaCy imported without its command line, which searchidx never runs.

``import spacy`` imports ``spacy.cli.info`` for ``spacy.info``, and with it all of spaCy's
command line (typer, requests, weasel and some 350 modules): a third of spaCy's import,
which every indexing run and every spawned NER worker paid before the model could load,
on one core while the other waited. While spaCy is first imported, ``spacy.cli.info`` is a
stand-in (:mod:`searchidx.standins`), and ``spacy.info`` imports the real command when it
is called. Importing this module does it (a no-op when spaCy is imported already); the
modules of :mod:`searchidx.ner` that import spaCy import it first.
"""

from __future__ import annotations

import sys
from typing import Any

from ..standins import standing_in


def _info(*args: Any, **kwargs: Any) -> Any:
    """``spacy.info``, imported when called."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


if "spacy" not in sys.modules:
    with standing_in("spacy.cli.info", info=_info):
        import spacy  # noqa: F401
