"""NER worker processes beside the indexing process, fed with no thread in that process.

The indexing process runs the model itself between writes, beside ``workers - 1`` worker
processes: on 2 cores, two busy processes rather than three (a third process on two cores
slowed the model by about a fifth). A process with a second thread runs the model about 13%
slower (see :func:`single_threaded_blas`), so the workers are not fed by a process pool,
whose threads would slow the indexing process: each chunk's texts go through a file of a
private folder (as JSON: nothing a process receives is unpickled) and only its number
through a pipe, so that neither side ever waits on a full pipe. A chunk that a worker has
not begun can be taken back (whoever removes its file first has it): the indexing process
takes the first one back when it has nothing to write, so that chunks are answered in about
the order they are written, and both finish together at the end of a run.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (multiprocessing is imported by indexing runs only: the CLI imports this module)
    from multiprocessing.connection import Connection

log = logging.getLogger("searchidx")

Found = list[tuple[str, str, int, int]]  # one paragraph's entities as plain tuples (cheap to send)

#: The variables by which numpy's BLAS libraries (OpenBLAS, MKL, OpenMP builds) take their
#: number of threads.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def extract(model: str, texts: Sequence[str]) -> list[Found]:
    """Entities of ``texts`` as plain tuples (cheap to send between processes)."""
    from .ner.model import get_extractor

    return [[(e.text, e.field, e.start, e.end) for e in found] for found in get_extractor(model).extract_many(texts)]


def single_threaded_blas() -> None:
    """Ask numpy's BLAS for one thread (unless the user chose a number): called before numpy
    loads. The NER model multiplies its matrices with blis, on one thread, and never uses
    the BLAS pool; but a process with a second thread runs the model about 13% slower (the
    C library takes locks in every allocation once a process has two threads), measured on
    300 BBC articles in new processes, 5 rounds: 10.4 s with the pool, 9.0 s without."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def start_method() -> str:
    """How worker processes start: forked on Linux from a process of one thread, where they
    share the model this process loaded (no import or load of their own: about 1 s of CPU
    each); else spawned (forking a process that runs other threads, the console's, may
    leave a lock held forever in the child)."""
    import sys

    if not sys.platform.startswith("linux"):
        return "spawn"
    try:
        return "fork" if len(os.listdir("/proc/self/task")) == 1 else "spawn"
    except OSError:
        return "spawn"


class Worker:
    """One NER process, given chunks of texts by number and answering them in that order.
    ``others`` are the workers started before it (a forked worker closes its copies of their
    pipes, so that each sees its pipe close when this process closes it)."""

    def __init__(self, model: str, folder: Path, method: str, others: Sequence[Worker]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork") if method == "fork" else multiprocessing.get_context("spawn")
        self._folder = folder
        self._connection, theirs = context.Pipe()
        inherited = [*(other.connection for other in others), self._connection] if method == "fork" else []
        self._process = context.Process(target=serve, args=(model, theirs, str(folder), inherited),
                                        name="searchidx-ner", daemon=True)
        self._process.start()
        theirs.close()
        self.waiting: list[int] = []  #: the numbers sent and not answered, in the order sent
        self.alive = True

    @property
    def connection(self) -> Connection:
        return self._connection

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def send(self, number: int, texts: Sequence[str]) -> bool:
        """Give the worker a chunk; False when it has ended (it is no longer ``alive``)."""
        (self._folder / f"{number}.in").write_text(json.dumps(list(texts)), encoding="ascii")
        try:
            self._connection.send_bytes(b"%d" % number)
        except (BrokenPipeError, ConnectionError):
            self._ended()
            return False
        self.waiting.append(number)
        return True

    def take_back(self) -> int | None:
        """The number of the first chunk sent that the worker has not begun, which it now
        will not run; None when it has begun them all."""
        for number in self.waiting:
            try:
                os.unlink(self._folder / f"{number}.in")
            except FileNotFoundError:  # the worker has begun it
                continue
            self.waiting.remove(number)
            return number
        return None

    def answers(self) -> list[tuple[int, list[Found]]]:
        """The answers that have come, without waiting. A worker that ended is no longer
        ``alive``: what it was sent stays in :attr:`waiting`."""
        done: list[tuple[int, list[Found]]] = []
        try:
            while self.alive and self._connection.poll():
                number = int(self._connection.recv_bytes())
                path = self._folder / f"{number}.out"
                answer = json.loads(path.read_text(encoding="ascii"))
                path.unlink()
                self.waiting.remove(number)
                if "error" in answer:
                    raise _error(answer["error"], answer["message"])
                done.append((number, [[tuple(entity) for entity in found] for found in answer["found"]]))
        except (EOFError, ConnectionError):
            self._ended()
        return done

    def _ended(self) -> None:
        self.alive = False
        self._process.join(1)
        log.warning("an NER worker process ended (exit code %s); this process analyses its chunks",
                    self._process.exitcode)

    def close(self, at_once: bool) -> None:
        """End the worker: it ends by itself once its pipe closes, unless it is in the middle
        of a chunk (``at_once``: it is killed)."""
        self._connection.close()
        if at_once:
            self._process.kill()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


#: The start of the private folders' names, followed by the indexing process's id.
FOLDER_PREFIX = "searchidx-ner-"

#: Per :func:`frozen_until_done` block (innermost last): whether workers started inside it
#: froze objects that it is to give back.
_held: list[bool] = []


@contextmanager
def frozen_until_done() -> Iterator[None]:
    """Keep the objects that :class:`Workers` started inside this block froze out of the
    garbage collector's passes until the block ends, then give them back: an indexing run's
    last commit and corpus step come after its workers end, and a full pass among them walked
    the model's objects again (0.08 s of a 300-article run's tail)."""
    _held.append(False)
    try:
        yield
    finally:
        if _held.pop():
            gc.unfreeze()


class Workers:
    """``count`` worker processes sharing a private folder (removed when they end; the
    folder of a run that was killed is removed by the next run). Forked workers (see
    :func:`start_method`) share the model, loaded here first."""

    def __init__(self, model: str, count: int) -> None:
        remove_abandoned()
        method = start_method()
        if method == "fork":
            from .ner.model import get_extractor

            get_extractor(model)
        #: where the chunks' files pass
        self.folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        self.all: list[Worker] = []
        # The objects of this process (spaCy's and the model's, some 87,000) kept out of the
        # garbage collector's passes until the run ends, as Python's docs advise before a
        # fork: the collector then neither walks them again here nor writes to their pages
        # in the workers (which would copy them). Not when the host froze objects itself.
        self._frozen = method == "fork" and gc.get_freeze_count() == 0
        try:
            if self._frozen:
                gc.freeze()
            for _ in range(count):
                self.all.append(Worker(model, self.folder, method, self.all))
        except BaseException:
            self.__exit__(None, None, None)
            raise

    @property
    def alive(self) -> list[Worker]:
        return [worker for worker in self.all if worker.alive]

    def wait(self) -> None:
        """Wait until a worker answers (or ends)."""
        from multiprocessing.connection import wait

        wait([worker.connection for worker in self.alive])

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            for worker in self.all:
                worker.close(at_once=kind is not None or bool(worker.waiting))
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            if self._frozen and _held:
                _held[-1] = True  # (given back at the end of the block)
            elif self._frozen:
                gc.unfreeze()


def remove_abandoned(where: Path | None = None) -> None:
    """Remove the private folders (in ``where``, else the temporary folder) of indexing
    processes that are gone: a run killed with SIGKILL cannot remove its own."""
    if os.name != "posix":  # (os.kill(pid, 0) asks whether a process lives only there)
        return
    for folder in Path(where or tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        pid = folder.name[len(FOLDER_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (PermissionError, OverflowError):  # another user's process, or no such id
            continue


def serve(model: str, connection: Connection, folder: str, inherited: Sequence[Connection] = ()) -> None:
    """A worker's life: load the model (a forked worker has it already), then answer chunks
    until the pipe closes. A failure (the model cannot load, a chunk fails) is the answer,
    raised again in the parent. ``inherited``: the parent's ends of pipes, copied by a fork,
    closed here."""
    for theirs in inherited:
        theirs.close()
    failure: BaseException | None = None
    try:
        start(model)
    except Exception as error:  # (told by the parent, which loads the same model)
        failure = error
    while True:
        try:
            number = int(connection.recv_bytes())
        except (EOFError, OSError):
            return
        source, mine = Path(folder, f"{number}.in"), Path(folder, f"{number}.run")
        try:
            os.rename(source, mine)
        except FileNotFoundError:  # taken back
            continue
        texts = json.loads(mine.read_text(encoding="ascii"))
        mine.unlink()
        if failure is None:
            try:
                answer: dict[str, Any] = {"found": extract(model, texts)}
            except Exception as error:
                answer = _told(error)
        else:
            answer = _told(failure)
        part = Path(folder, f"{number}.part")
        part.write_text(json.dumps(answer), encoding="ascii")
        os.replace(part, Path(folder, f"{number}.out"))
        connection.send_bytes(b"%d" % number)


def _told(error: BaseException) -> dict[str, Any]:
    return {"error": type(error).__name__, "message": str(error)}


def _error(name: str, message: str) -> Exception:
    """A worker's error as this process raises it: searchidx's own by name (a model that
    cannot load is a :class:`~searchidx.errors.ModelError`, told in one line), else with
    its name in the message."""
    from . import errors

    known = getattr(errors, name, None)
    if isinstance(known, type) and issubclass(known, errors.SearchidxError):
        return known(message)
    return RuntimeError(f"NER worker: {name}: {message}")


def start(model: str) -> None:
    """Make this process a worker on one thread and load the model: Ctrl-C is the parent's
    to handle, and the worker ends when the parent does, even when it was killed (SIGKILL,
    out of memory)."""
    import signal
    import threading

    single_threaded_blas()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(target=_exit_with_parent, name="searchidx-parent-watch", daemon=True).start()
    from .ner.model import get_extractor

    get_extractor(model)


def _die_with_parent() -> bool:
    """Have Linux kill this process when its parent ends (``PR_SET_PDEATHSIG``): no thread
    needed to watch for it. False where that cannot be asked. (Linux sends it when the
    thread that started the worker ends: the indexing thread, which ends its workers before
    it returns.)"""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import multiprocessing
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    if prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # 1: PR_SET_PDEATHSIG
        return False
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it ended before we asked
        os._exit(1)
    return True


def _exit_with_parent() -> None:
    """Wait for the parent process to end, then end this worker (where Linux cannot be
    asked to): a worker otherwise waits for work forever when its parent is killed."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os._exit(1)
