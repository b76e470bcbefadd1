"""Whoosh imported without two standard modules that a search never uses.

``whoosh.compat`` imports :mod:`urllib.request` (and with it http.client, email and more)
for ``urlretrieve``, which nothing searchidx runs calls; ``whoosh.reading`` imports the
``cached_property`` package, which imports :mod:`asyncio` to tell coroutine functions, and
Whoosh has none. Together they were about a third of the bare Whoosh imports, the largest
part of a one-shot search's start.

While those two Whoosh modules are first imported, each of the two standard modules is a
stand-in in ``sys.modules``; then the stand-ins leave it, so that any other import of
urllib.request or asyncio in the process (a web server's, the console's) gets the real
module. What is asked of a stand-in later (``whoosh.compat.urlretrieve(...)``,
``asyncio.ensure_future``) comes from the real module, imported then. Importing this module
does it; :mod:`searchidx.engine` imports it before anything else of Whoosh.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from ..standins import standing_in


def import_whoosh() -> None:
    """Import the Whoosh modules that import urllib.request and asyncio, with stand-ins
    for those two (a no-op when they, or Whoosh, are imported already)."""
    with standing_in("urllib.request", urlretrieve=_urlretrieve):
        import whoosh.compat  # noqa: F401
    with standing_in("asyncio", iscoroutinefunction=_iscoroutinefunction):
        import whoosh.reading  # noqa: F401  # (which imports cached_property)


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _iscoroutinefunction(func: Any) -> bool:
    """``asyncio.iscoroutinefunction`` without importing asyncio: only a function marked by
    asyncio itself (imported then) is one that ``inspect`` does not recognise."""
    real = sys.modules.get("asyncio")
    if real is not None and "__file__" in vars(real):  # (the real one, not the stand-in)
        return bool(real.iscoroutinefunction(func))
    return inspect.iscoroutinefunction(func)


import_whoosh()
