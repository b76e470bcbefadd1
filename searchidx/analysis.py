"""Finding the entities of articles, chunk by chunk, in this process or in worker processes.

NER is most of the cost of indexing. With ``workers`` > 1 the chunks go to that many
processes (each loads the model once) while this process writes the index, so NER runs
on every core and overlaps with writing. At most two chunks per worker are in flight,
so memory stays bounded whatever the corpus size.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from .models import Article, Entity

if TYPE_CHECKING:  # the process machinery is imported only when indexing in parallel
    from concurrent.futures import Future

Mentions = list[list[Entity]]  # per paragraph, the entities found in it


def analyse(chunks: Iterable[Sequence[Article]], model: str, workers: int = 1
            ) -> Iterator[tuple[Sequence[Article], list[Mentions]]]:
    """Each chunk with, per article, the entities of each paragraph, in the order given
    (see :func:`article_entities`)."""
    found = _in_workers(chunks, model, workers) if workers > 1 else _in_process(chunks, model)
    for chunk, flat in found:
        mentions = iter(flat)
        yield chunk, [article_entities(a.paragraphs, [next(mentions) for _ in a.paragraphs]) for a in chunk]


def article_entities(paragraphs: Sequence[str], found: Sequence[Sequence[Entity]]) -> Mentions:
    """The model's mentions in an article's paragraphs made consistent within the article
    (:func:`~searchidx.ner.article.harmonize`), completed and given canonical names
    (:func:`~searchidx.ner.article.resolve`): what the index stores."""
    from .ner.article import harmonize, resolve

    return resolve(paragraphs, harmonize(paragraphs, found))


def _in_process(chunks: Iterable[Sequence[Article]], model: str) -> Iterator[tuple[Sequence[Article], Mentions]]:
    from .ner.model import get_extractor

    extractor = get_extractor(model)
    for chunk in chunks:
        yield chunk, list(extractor.extract_many(p for article in chunk for p in article.paragraphs))


def _in_workers(chunks: Iterable[Sequence[Article]], model: str, workers: int
                ) -> Iterator[tuple[Sequence[Article], Mentions]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may run threads (the console's completion refresher)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(model,)) as pool:
        pending: deque[tuple[Sequence[Article], Future[list[list[tuple[str, str, int, int]]]]]] = deque()
        try:
            for chunk in chunks:
                texts = [p for article in chunk for p in article.paragraphs]
                pending.append((chunk, pool.submit(_extract, model, texts)))
                if len(pending) >= 2 * workers:
                    yield _collect(*pending.popleft())
            while pending:
                yield _collect(*pending.popleft())
        finally:
            for _, future in pending:
                future.cancel()


def _collect(chunk: Sequence[Article], future: Future[list[list[tuple[str, str, int, int]]]]
             ) -> tuple[Sequence[Article], Mentions]:
    return chunk, [[Entity(*item) for item in paragraph] for paragraph in future.result()]


def _start_worker(model: str) -> None:
    """Load the model once in a worker; Ctrl-C is the parent's to handle, and the worker
    ends when the parent does, even when it was killed (SIGKILL, out of memory)."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, name="searchidx-parent-watch", daemon=True).start()
    from .ner.model import get_extractor

    get_extractor(model)


def _exit_with_parent() -> None:
    """Wait for the parent process to end, then end this worker. A process pool's workers
    otherwise wait for work forever when their parent is killed."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os._exit(1)


def _extract(model: str, texts: list[str]) -> list[list[tuple[str, str, int, int]]]:
    """Entities of ``texts`` as plain tuples (cheap to send between processes)."""
    from .ner.model import get_extractor

    return [[(e.text, e.field, e.start, e.end) for e in found] for found in get_extractor(model).extract_many(texts)]
