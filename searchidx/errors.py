"""The package's own exceptions: every failure a user can cause is one of these.

The CLI and the REPL turn them into one-line messages and exit codes; library users
catch :class:`SearchidxError` without importing anything from the search engine.
"""

from __future__ import annotations


class SearchidxError(Exception):
    """Base class of every error searchidx raises on purpose."""


class IndexNotFoundError(SearchidxError):
    """There is no index at the given path."""


class IndexExistsError(SearchidxError):
    """An index is already where a new one was to be created."""


class IndexCorruptError(SearchidxError):
    """The path holds something that is not a readable searchidx index."""


class IndexVersionError(IndexCorruptError):
    """The index was built by a version of searchidx with another schema: rebuild it."""


class IndexLockedError(SearchidxError):
    """Another process is writing to the index."""


class QueryError(SearchidxError):
    """A query that cannot be run, with a message that says why."""


class EntityNotFoundError(QueryError):
    """No entity of the field asked for has the name given."""


class ModelError(SearchidxError):
    """The NER model is missing or cannot be loaded."""


class InputError(SearchidxError):
    """A path given to index does not exist or holds nothing to index."""
