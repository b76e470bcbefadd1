"""The package's own exceptions: every failure a user can cause is one of these.

The CLI and the REPL turn them into one-line messages and exit codes; library users
catch :class:`SearchidxError` without importing anything from the search engine.
"""

from __future__ import annotations

import errno
import os


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
    """No entity of the field asked for has the name given; ``suggestions`` holds the
    nearest names of that field (a misspelling's likely meaning), perhaps none."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = list(suggestions or [])


class ModelError(SearchidxError):
    """The NER model is missing or cannot be loaded."""


class InputError(SearchidxError):
    """A path given to index does not exist or holds nothing to index."""


class IndexAccessError(SearchidxError):
    """The machine refused a read or write of the index: permissions, a read-only file
    system, too many open files, a full disk. The message names the cause."""


class DiskFullError(IndexAccessError):
    """The disk holding the index (or a file being written) is full."""


#: errno -> (error class, what it means), for the causes a user can act on.
_CAUSES: dict[int, tuple[type[IndexAccessError], str]] = {
    errno.ENOSPC: (DiskFullError, "no space left on the disk"),
    errno.EDQUOT: (DiskFullError, "the disk quota is used up"),
    errno.EROFS: (IndexAccessError, "the file system is read-only"),
    errno.EACCES: (IndexAccessError, "permission denied"),
    errno.EPERM: (IndexAccessError, "operation not permitted"),
    errno.EMFILE: (IndexAccessError, "too many open files in this process (raise the limit: `ulimit -n`)"),
    errno.ENFILE: (IndexAccessError, "too many open files on this machine"),
}


def access_error(error: BaseException, path: str | os.PathLike[str], doing: str) -> IndexAccessError | None:
    """The :class:`IndexAccessError` for an ``OSError`` whose cause is the machine's, not
    damage to the index (permissions, read-only media, open-file limits, a full disk), with
    a message naming the cause; None for any other error."""
    if not isinstance(error, OSError) or error.errno not in _CAUSES:
        return None
    kind, cause = _CAUSES[error.errno]
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(path) else ""
    return kind(f"cannot {doing} {path}: {cause}{where}")
