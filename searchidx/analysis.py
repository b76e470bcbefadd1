"""Finding the entities of articles, chunk by chunk: in this process, in worker processes,
or on the workers of a Dask cluster.

NER is most of the cost of indexing. With ``workers`` > 1 it runs in that many processes:
this one, which also writes the index and runs the model between writes, and
``workers - 1`` worker processes (:mod:`searchidx.workers`), so that NER runs on every core
without a process more than there are cores. With a ``cluster`` address the chunks go to
the workers of a Dask distributed scheduler instead. Each worker is sent a few seconds of
work ahead of its answers, and no more, so memory stays bounded whatever the corpus size.

Each distinct paragraph goes to the model once per run: news repeats datelines,
boilerplate and whole articles, and the model's entities depend on the text alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from .models import Article, Entity
from .workers import Found, Worker, Workers, extract

Mentions = list[list[Entity]]  # per paragraph, the entities found in it

#: Characters of text sent to each worker ahead of its answers: about 10 s of the default
#: model (which takes about 16 microseconds a character, on BBC's long paragraphs and on
#: Reuters' short ones alike), so that it stays busy while this process commits, and through
#: most merges (all of Reuters commits with merges of 2.7-3.3 s eight times and of 9.4 and
#: 9.9 s twice; kept 768 paragraphs ahead, about 2 s of Reuters, the worker stood idle for
#: 45 of 203 s, 19 of them after the model's last chunk). Memory stays small (about 0.6 MB
#: of text), and a worker's chunks not begun can be taken back.
AHEAD_PER_WORKER = 600_000
#: Chunks held at once (sent, answered and not yet written, or run here), per worker: a
#: bound on memory when the paragraphs are answered from memory.
HELD_CHUNKS = 128
#: Paragraphs this process sends to the model at once when it runs a chunk itself: between
#: slices it takes the workers' answers and sends them more.
LOCAL_SLICE = 64
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
        found = _beside_workers(chunks, model, workers)
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
        memory.learn(new, extract(model, new), coming)
        yield chunk, memory.recall(keys)


def _texts(chunk: Sequence[Article]) -> list[str]:
    return [p for article in chunk for p in article.paragraphs]


def _size(texts: Sequence[str]) -> int:
    """The model's work in ``texts``, in characters (its time grows with them)."""
    return sum(len(text) for text in texts)


class _Submit(Protocol):
    def __call__(self, texts: list[str]) -> _Future: ...


def _pipelined(chunks: Iterable[Sequence[Article]], submit: _Submit, ahead: int, held: int
               ) -> Iterator[tuple[Sequence[Article], Mentions]]:
    """Chunks sent through ``submit`` until ``ahead`` characters (or ``held`` chunks) await
    their answer, collected in the order given; each distinct paragraph is sent once."""
    memory = Remembered()
    coming: set[bytes] = set()
    pending: deque[tuple[Sequence[Article], list[bytes], list[str], _Future]] = deque()
    waiting = 0  # characters sent and not collected

    def collect() -> tuple[Sequence[Article], Mentions]:
        nonlocal waiting
        chunk, keys, new, future = pending.popleft()
        waiting -= _size(new)
        memory.learn(new, future.result(), coming)
        return chunk, memory.recall(keys)

    try:
        for chunk in chunks:
            keys, new = memory.plan(_texts(chunk), coming)
            pending.append((chunk, keys, new, submit(new)))
            waiting += _size(new)
            while pending and (waiting >= ahead or len(pending) >= held):
                yield collect()
        while pending:
            yield collect()
    finally:
        for *_, future in pending:
            future.cancel()


@dataclasses.dataclass
class _Job:
    """A chunk on its way through the model: answered (``found``), with a worker, or not yet begun here."""

    chunk: Sequence[Article]
    keys: list[bytes]
    new: list[str]  # its texts that go to the model
    found: list[Found] | None = None
    worker: Worker | None = None


def _beside_workers(chunks: Iterable[Sequence[Article]], model: str, workers: int
                    ) -> Iterator[tuple[Sequence[Article], Mentions]]:
    """NER in this process and ``workers - 1`` worker processes (:mod:`searchidx.workers`).
    Each worker is kept :data:`AHEAD_PER_WORKER` characters ahead; this process writes
    what is answered, in order, and when the next answer is not in yet, runs the model on a
    chunk itself (a slice at a time, tending the workers between slices): the first that a
    worker has not begun, else a new one. A worker that ends unexpectedly has its chunks
    run here."""
    memory = Remembered()
    coming: set[bytes] = set()
    jobs: deque[_Job] = deque()
    by_number: dict[int, _Job] = {}
    numbers = itertools.count()
    source = iter(chunks)
    most = HELD_CHUNKS * workers
    ahead: dict[Worker, int] = {}  # characters sent to each worker and not answered
    with Workers(model, workers - 1) as crew:

        def plan() -> _Job | None:
            """The next chunk as a job (None when the chunks are all planned or enough are held)."""
            chunk = next(source, None) if len(jobs) < most else None
            if chunk is None:
                return None
            keys, new = memory.plan(_texts(chunk), coming)
            job = _Job(chunk, keys, new, found=None if new else [])
            jobs.append(job)
            return job

        def tend() -> None:
            """Take the workers' answers and give each its share of chunks."""
            for worker in crew.all:
                if not worker.alive:
                    continue
                for number, found in worker.answers():
                    answered = by_number.pop(number)
                    answered.found = found
                    ahead[worker] -= _size(answered.new)
                while worker.alive and ahead.setdefault(worker, 0) < AHEAD_PER_WORKER:
                    job = plan()
                    if job is None:
                        break
                    if job.found is not None:  # (answered from memory: nothing to send)
                        continue
                    number = next(numbers)
                    if worker.send(number, job.new):
                        job.worker, by_number[number] = worker, job
                        ahead[worker] += _size(job.new)
                if not worker.alive:  # it ended: what it had is run here
                    for number in worker.waiting:
                        by_number.pop(number).worker = None
                    worker.waiting.clear()

        def mine() -> _Job | None:
            """A job for this process: one of a worker that ended, else the first that a
            worker has not begun (taken back: answers come in about the order they are
            written, and this process holds few of its own behind a worker's), else a new chunk."""
            orphan = next((job for job in jobs if job.found is None and job.worker is None), None)
            if orphan is not None:
                return orphan
            for worker in crew.alive:
                number = worker.take_back()
                if number is not None:
                    taken = by_number.pop(number)
                    taken.worker = None
                    ahead[worker] -= _size(taken.new)
                    return taken
            return plan()

        while True:
            tend()
            head = jobs[0] if jobs else None
            if head is not None and head.found is not None:
                jobs.popleft()
                memory.learn(head.new, head.found, coming)
                yield head.chunk, memory.recall(head.keys)
                continue
            job = mine()
            if job is not None:
                found: list[Found] = []
                for start in range(0, len(job.new), LOCAL_SLICE):
                    found += extract(model, job.new[start:start + LOCAL_SLICE])
                    tend()
                job.found = found
            elif jobs:
                crew.wait()
            else:
                break


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
            future: _Future = client.submit(extract, model, texts, pure=False)
            return future

        yield from _pipelined(chunks, submit, AHEAD_PER_WORKER * threads, HELD_CHUNKS * threads)
