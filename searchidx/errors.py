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
    system, too many open files, a full disk, an I/O error. The message names the cause;
    ``errno`` is the system's number for it."""

    errno: int | None = None


class DiskFullError(IndexAccessError):
    """The disk holding the index (or a file being written) is full."""


#: errno -> (error class, what it means), for the causes a user can act on.
_CAUSES: dict[int, tuple[type[IndexAccessError], str]] = {
    errno.ENOSPC: (DiskFullError, "no space left on the disk"),
    errno.EDQUOT: (DiskFullError, "the disk quota is used up"),
    errno.EFBIG: (DiskFullError, "a file grew past what the file system allows"),
    errno.EROFS: (IndexAccessError, "the file system is read-only"),
    errno.EACCES: (IndexAccessError, "permission denied"),
    errno.EPERM: (IndexAccessError, "operation not permitted"),
    errno.EMFILE: (IndexAccessError, "too many open files in this process (raise the limit: `ulimit -n`)"),
    errno.ENFILE: (IndexAccessError, "too many open files on this machine"),
    errno.EIO: (IndexAccessError, "an input/output error (the disk or its connection may be failing)"),
    errno.ENOMEM: (IndexAccessError, "out of memory"),
}

#: What to do about each kind of refusal, once the cause is named.
_ADVICE: dict[int, str] = {
    errno.ENOSPC: "free some space there and run the same command again",
    errno.EDQUOT: "free some space (or raise the quota) and run the same command again",
    errno.EROFS: "searching works; to write, copy the index to writable storage",
    errno.EACCES: "check the folder's owner and permissions",
    errno.EPERM: "check the folder's owner and permissions",
}


def access_error(error: BaseException, path: str | os.PathLike[str], doing: str) -> IndexAccessError | None:
    """The :class:`IndexAccessError` for an ``OSError`` whose cause is the machine's, not
    damage to the index (permissions, read-only media, open-file limits, a full disk, I/O
    errors), with a message naming the cause (and the disk, when it is full or read-only);
    None for any other error."""
    if not isinstance(error, OSError) or error.errno not in _CAUSES:
        return None
    kind, cause = _CAUSES[error.errno]
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(path) else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        cause = f"{cause} {describe_disk(path)}"
    refused = kind(f"cannot {doing} {path}: {cause}{where}")
    refused.errno = error.errno
    return refused


def os_error(error: OSError, path: str | os.PathLike[str], doing: str) -> IndexAccessError:
    """:func:`access_error`, or for a cause it does not know an :class:`IndexAccessError`
    naming the system's own description of it."""
    known = access_error(error, path, doing)
    if known is not None:
        return known
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(path) else ""
    refused = IndexAccessError(f"cannot {doing} {path}: {error.strerror or error}{where}")
    refused.errno = error.errno
    return refused


def advice(error: IndexAccessError) -> str:
    """What a user can do about ``error`` ("" when there is nothing to say)."""
    return _ADVICE.get(error.errno or 0, "")


def describe_disk(path: str | os.PathLike[str]) -> str:
    """Where ``path`` is stored, for a message: "on the disk mounted at /mnt/x (tmpfs, 12 kB
    free of 6.0 MB)"; "" when it cannot be told."""
    target = os.path.realpath(path)
    while not os.path.exists(target) and os.path.dirname(target) != target:
        target = os.path.dirname(target)
    mount, kind = _mount_of(target)
    try:
        fs = os.statvfs(target)
    except OSError:
        return f"mounted at {mount}" if mount else ""
    free, size = fs.f_bavail * fs.f_frsize, fs.f_blocks * fs.f_frsize
    what = f"{kind}, " if kind else ""
    return f"mounted at {mount or '?'} ({what}{_size(free)} free of {_size(size)})"


def _mount_of(target: str) -> tuple[str, str]:
    """The mount point holding ``target`` and its file system type, from /proc/self/mounts."""
    best, kind = "", ""
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) < 3:
                    continue
                point = fields[1].replace("\\040", " ")
                inside = target == point or target.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best):
                    best, kind = point, fields[2]
    except OSError:
        pass
    return best, kind


def _size(count: int) -> str:
    if count < 1000:
        return f"{count} bytes"
    value = float(count)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000:
            break
    return f"{value:.1f} {unit}"
