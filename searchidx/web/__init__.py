"""The index as a web page and a JSON service (``searchidx serve``).

:func:`create_app` makes the WSGI app of one process (:mod:`.app`): the pages
(:mod:`.pages`, rendered from ``templates/`` with every value escaped) and the JSON API
(:mod:`.api`, documented in docs/web.md). :mod:`.server` runs it in worker processes.
Everything a page needs ships in this package (``static/``): nothing is fetched at run time.
"""

from __future__ import annotations

from .app import Site, create_app

__all__ = ["Site", "create_app"]
