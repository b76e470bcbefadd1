"""Finding the entities of articles, chunk by chunk: in this process, in worker processes,
or on the workers of a Dask cluster.

NER is most of the cost of indexing. With ``workers`` > 1 the chunks go to that many
processes (each loads the model once) while this process writes the index, so NER runs
on every core and overlaps with writing; with a ``cluster`` address they go to the
workers of a Dask distributed scheduler instead. At most two chunks per worker are in
flight, so memory stays bounded whatever the corpus size.

Each distinct paragraph goes to the model once per run: news repeats datelines,
boilerplate and whole articles, and the model's entities depend on the text alone.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from .models import Article, Entity

Mentions = list[list[Entity]]  # per paragraph, the entities found in it
Found = list[tuple[str, str, int, int]]  # one paragraph's entities as plain tuples (cheap to send)

#: Chunks sent to each worker ahead of its answers: enough to keep it busy while the writer
#: commits or merges, few enough that memory stays bounded.
IN_FLIGHT_PER_WORKER = 2
#: Distinct paragraphs whose entities a run remembers (about 100 bytes each, beyond the entities).
REMEMBERED_PARAGRAPHS = 200_000


class _Future(Protocol):
    def result(self) -> list[Found]: ...

    def cancel(self) -> Any: ...


def analyse(chunks: Iterable[Sequence[Article]], model: str, workers: int = 1, cluster: str | None = None
            ) -> Iterator[tuple[Sequence[Article], list[Mentions]]]:
    """Each chunk with, per article, the entities of each paragraph, in the order given
    (see :func:`article_entities`). ``cluster`` is the address of a Dask scheduler
    (``tcp://host:8786``) whose workers run the model; else ``workers`` local processes."""
    if cluster:
        found = _on_cluster(chunks, model, cluster)
    elif workers > 1:
        found = _in_workers(chunks, model, workers)
    else:
        found = _in_process(chunks, model)
    for chunk, flat in found:
        mentions = iter(flat)
        yield chunk, [article_entities(a.paragraphs, [next(mentions) for _ in a.paragraphs]) for a in chunk]


def article_entities(paragraphs: Sequence[str], found: Sequence[Sequence[Entity]]) -> Mentions:
    """The model's mentions in an article's paragraphs made consistent within the article
    (:func:`~searchidx.ner.article.harmonize`), completed and given canonical names
    (:func:`~searchidx.ner.article.resolve`): what the index stores."""
    from .ner.article import harmonize, resolve

    return resolve(paragraphs, harmonize(paragraphs, found))


class Remembered:
    """The model's entities by paragraph text, so that a paragraph met again in a run goes
    to the model once. Holds at most ``limit`` paragraphs, forgetting the least recent."""

    def __init__(self, limit: int = REMEMBERED_PARAGRAPHS) -> None:
        self._limit = limit
        self._found: OrderedDict[bytes, Found] = OrderedDict()
        self.asked = 0  #: paragraphs sent to the model
        self.reused = 0  #: paragraphs answered from memory

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def plan(self, texts: Sequence[str], coming: set[bytes]) -> tuple[list[bytes], list[str]]:
        """The keys of ``texts``, and those of their texts (each once) that neither memory
        nor a chunk already sent (``coming``, which this adds to) will answer."""
        keys = [self.key(text) for text in texts]
        new: list[str] = []
        for key, text in zip(keys, texts):
            if key in self._found:
                self._found.move_to_end(key)  # recently used: forgotten last
                self.reused += 1
            elif key in coming:  # sent with an earlier chunk, answered before this one is
                self.reused += 1
            else:
                coming.add(key)
                new.append(text)
        self.asked += len(new)
        return keys, new

    def learn(self, texts: Sequence[str], found: Sequence[Found], coming: set[bytes]) -> None:
        for text, entities in zip(texts, found):
            key = self.key(text)
            self._found[key] = list(entities)
            coming.discard(key)

    def recall(self, keys: Sequence[bytes]) -> Mentions:
        """The entities of the paragraphs of ``keys`` (all answered by now). Forgetting waits
        until here, and the chunks in flight hold far fewer paragraphs than the limit, so a
        paragraph planned as remembered is still remembered when its chunk is collected."""
        mentions = [[Entity.from_stored(item) for item in self._found[key]] for key in keys]
        while len(self._found) > self._limit:
            self._found.popitem(last=False)
        return mentions


def _in_process(chunks: Iterable[Sequence[Article]], model: str) -> Iterator[tuple[Sequence[Article], Mentions]]:
    memory = Remembered()
    coming: set[bytes] = set()
    for chunk in chunks:
        keys, new = memory.plan(_texts(chunk), coming)
        memory.learn(new, _extract(model, new), coming)
        yield chunk, memory.recall(keys)


def _texts(chunk: Sequence[Article]) -> list[str]:
    return [p for article in chunk for p in article.paragraphs]


class _Submit(Protocol):
    def __call__(self, texts: list[str]) -> _Future: ...


def _pipelined(chunks: Iterable[Sequence[Article]], submit: _Submit, in_flight: int
               ) -> Iterator[tuple[Sequence[Article], Mentions]]:
    """Chunks sent through ``submit`` with at most ``in_flight`` awaiting their answer,
    collected in the order given; each distinct paragraph is sent once."""
    memory = Remembered()
    coming: set[bytes] = set()
    pending: deque[tuple[Sequence[Article], list[bytes], list[str], _Future]] = deque()

    def collect() -> tuple[Sequence[Article], Mentions]:
        chunk, keys, new, future = pending.popleft()
        memory.learn(new, future.result(), coming)
        return chunk, memory.recall(keys)

    try:
        for chunk in chunks:
            keys, new = memory.plan(_texts(chunk), coming)
            pending.append((chunk, keys, new, submit(new)))
            if len(pending) >= in_flight:
                yield collect()
        while pending:
            yield collect()
    finally:
        for *_, future in pending:
            future.cancel()


def _in_workers(chunks: Iterable[Sequence[Article]], model: str, workers: int
                ) -> Iterator[tuple[Sequence[Article], Mentions]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may run threads (the console's completion refresher)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(model,)) as pool:
        yield from _pipelined(chunks, lambda texts: pool.submit(_extract, model, texts),
                              IN_FLIGHT_PER_WORKER * workers)


def _on_cluster(chunks: Iterable[Sequence[Article]], model: str, address: str
                ) -> Iterator[tuple[Sequence[Article], Mentions]]:
    """NER on the workers of the Dask scheduler at ``address``. A task of a worker that
    dies is run again on another (the scheduler's own retry), and answers are taken in
    order, so no article is lost or written twice; the index is written here only."""
    from .errors import InputError

    try:
        from distributed import Client
    except ImportError:
        raise InputError("indexing on a cluster needs Dask: pip install 'searchidx[cluster]'") from None
    try:  # a malformed address, told before Dask tries it (it would leave a half-made client behind)
        from distributed.comm import parse_address
        from distributed.comm.addressing import parse_host_port

        parse_host_port(parse_address(address)[1])
    except ValueError as error:
        raise InputError(f"not a Dask scheduler address: {address!r} ({error}); give tcp://HOST:PORT") from None
    try:
        client = Client(address, timeout=5, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    with client:
        threads = sum(client.nthreads().values())
        if not threads:
            raise InputError(f"the Dask scheduler at {address} has no workers")

        def submit(texts: list[str]) -> _Future:
            future: _Future = client.submit(_extract, model, texts, pure=False)
            return future

        yield from _pipelined(chunks, submit, IN_FLIGHT_PER_WORKER * threads)


def _start_worker(model: str) -> None:
    """Load the model once in a worker, which runs on one thread: Ctrl-C is the parent's to
    handle, and the worker ends when the parent does, even when it was killed (SIGKILL, out
    of memory)."""
    import signal
    import threading

    single_threaded_blas()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(target=_exit_with_parent, name="searchidx-parent-watch", daemon=True).start()
    from .ner.model import get_extractor

    get_extractor(model)


#: The variables by which numpy's BLAS libraries (OpenBLAS, MKL, OpenMP builds) take their
#: number of threads.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def single_threaded_blas() -> None:
    """Ask numpy's BLAS for one thread (unless the user chose a number): called before numpy
    loads. The NER model multiplies its matrices with blis, on one thread, and never uses
    the BLAS pool; but a process with a second thread runs the model about 13% slower (the
    C library takes locks in every allocation once a process has two threads), measured on
    300 BBC articles in new processes, 5 rounds: 10.4 s with the pool, 9.0 s without."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def _die_with_parent() -> bool:
    """Have Linux kill this process when its parent ends (``PR_SET_PDEATHSIG``): no thread
    needed to watch for it. False where that cannot be asked. (Linux sends it when the
    thread that started the worker ends: the pool starts its workers from the thread that
    indexes, which shuts the pool down before it returns.)"""
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
    asked to). A process pool's workers otherwise wait for work forever when their parent
    is killed."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os._exit(1)


def _extract(model: str, texts: list[str]) -> list[Found]:
    """Entities of ``texts`` as plain tuples (cheap to send between processes)."""
    from .ner.model import get_extractor

    return [[(e.text, e.field, e.start, e.end) for e in found] for found in get_extractor(model).extract_many(texts)]
