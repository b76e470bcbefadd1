"""Stand-in modules, for importing a library without modules it imports but searchidx never
uses (see :mod:`searchidx.engine.lean` for Whoosh, :mod:`searchidx.ner.lean` for spaCy).

While the library is first imported, each such module is a stand-in in ``sys.modules``;
then the stand-in leaves it, so that any other import of the module in the process gets the
real one. What is asked of a stand-in later comes from the real module, imported then.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def standing_in(name: str, **functions: Callable[..., Any]) -> Iterator[None]:
    """A stand-in for module ``name`` while the block runs, holding ``functions`` and
    fetching any other attribute from the real module."""
    if name in sys.modules:
        yield
        return
    stand_in = types.ModuleType(name, f"A stand-in for {name}, imported when used (see searchidx.standins).")

    def fetch(attribute: str) -> Any:
        if attribute.startswith("__"):  # (the import system asks for __path__ and the like)
            raise AttributeError(attribute)
        return getattr(_real(name, stand_in), attribute)

    vars(stand_in).update(functions, __getattr__=fetch)
    sys.modules[name] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def _real(name: str, stand_in: types.ModuleType) -> types.ModuleType:
    if sys.modules.get(name) is stand_in:  # (asked for while the stand-in still stands in)
        del sys.modules[name]
    return importlib.import_module(name)
