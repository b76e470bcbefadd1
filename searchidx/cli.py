# PYTHON_ARGCOMPLETE_OK
"""The ``searchidx`` command: a thin layer over :class:`~searchidx.index.SearchIndex`.

It parses arguments, calls the library, prints results with :mod:`searchidx.formatters`
and turns the library's exceptions into one-line messages and documented exit codes.
Everything it touches of the outside world is in :class:`Env`, which tests replace.
"""

from __future__ import annotations

import argparse
import enum
import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import NoReturn

from .arguments import (
    UsageError,
    build_parser,
    complete_in_shell,
)
from .errors import (
    EntityNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearchidxError,
)
from .export import MB
from .formatters import (
    HUMAN_FORMATS,
    describe_check,
    describe_deletion,
    describe_export,
    describe_report,
    write_entity_list,
    write_entity_page,
    write_explanation,
    write_results,
    write_stats,
)
from .index import SearchIndex
from .settings import (
    MIN_WRITE_TOKEN,
    WRITE_TOKEN_ENV,
    default_index_path,
    default_seeds_path,
    index_given,
    write_token,
)
from .terminal import Env, ProgressBar, printable
from .workers import single_threaded_blas


class ExitStatus(enum.IntEnum):
    """Exit codes of the ``searchidx`` command."""

    OK = 0
    ERROR = 1  #: a failure not covered below (unreadable input, a model that will not load)
    USAGE = 2  #: bad arguments or a malformed query
    NO_INDEX = 3  #: no index at the path, or one that cannot be read
    LOCKED = 4  #: another process is writing to the index
    INTERRUPTED = 130  #: stopped by Ctrl-C; the index keeps its last commit


def cmd_completion(args: argparse.Namespace, env: Env) -> int:
    """``searchidx completion SHELL``: the script that hooks searchidx into the shell's completion."""
    from argcomplete.shell_integration import shellcode

    env.stdout.write(shellcode(["searchidx"], True, args.shell))
    return ExitStatus.OK


def _dash_hint(argv: Sequence[str]) -> str:
    """What to write instead, when a query word starting with "-" (``-navy``: not navy) was
    taken for an option (``-n avy``)."""
    if argv[:1] not in (["search"], ["explain"]) or "--" in argv:
        return ""
    words = [a for a in argv[1:] if len(a) > 2 and a[0] == "-" and a[1:].isalpha()]
    if not words:
        return ""
    import shlex

    return f"; a query starting with '-' goes last, after '--': searchidx {argv[0]} [OPTIONS] -- {shlex.join(words)}"


def run() -> NoReturn:
    """The ``searchidx`` command (and ``python -m searchidx``): :func:`main`, then
    :func:`exit_with` its status."""
    exit_with(main())


def exit_with(status: int) -> NoReturn:
    """End the process with ``status``, the objects left in memory frozen first
    (:func:`gc.freeze`): the interpreter's last collections at exit then skip them rather than
    walk them all again only to find them still referenced (after indexing 300 articles,
    spaCy's model among them: exit 0.22 -> 0.06 s; after a one-shot search 25 -> 6 ms). Exit
    handlers and finalizers run as before; a cycle of objects left at exit is not collected,
    which Python never promised, and this program closes its files when done with them.
    Only for a process that ends here, never for :func:`main`, which tests and hosts call
    in their own process."""
    gc.freeze()
    sys.exit(status)


def main(argv: Sequence[str] | None = None, env: Env | None = None) -> int:
    """Run the command line; returns the exit status."""
    env = env or Env()
    single_threaded_blas()  # (before anything loads numpy: see the function)
    words = sys.argv[1:] if argv is None else list(argv)
    # (the shell's completion needs every command; a run, only the one it runs)
    only = words[0] if words and not words[0].startswith("-") and "_ARGCOMPLETE" not in os.environ else None
    try:
        parser = build_parser(only)
        complete_in_shell(parser)
        args = parser.parse_args(argv)
        command: Callable[[argparse.Namespace, Env], int] = COMMANDS[args.command or "repl"]
        return command(args, env)
    except UsageError as error:
        env.error(str(error) + _dash_hint(words))
        return ExitStatus.USAGE
    except EntityNotFoundError as error:
        env.error(str(error))
        return ExitStatus.ERROR
    except QueryError as error:
        env.error(f"bad query: {error}")
        return ExitStatus.USAGE
    except (IndexNotFoundError, IndexCorruptError) as error:
        env.error(str(error))
        return ExitStatus.NO_INDEX
    except IndexLockedError as error:
        env.error(str(error))
        return ExitStatus.LOCKED
    except SearchidxError as error:
        env.error(str(error))
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        env.error("interrupted; the index keeps its last commit")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # the reader of our output went away (`searchidx search ... | head`): not an error;
        # point stdout at /dev/null so that Python's final flush does not complain
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.OK


def cmd_index(args: argparse.Namespace, env: Env) -> int:
    """``searchidx index``: add files to the index, creating it when needed."""
    paths = args.paths
    if not paths:
        seeds = default_seeds_path()
        if seeds is None:
            raise UsageError("no PATH given and no seeds/ folder here")
        paths = [seeds]
    path = default_index_path(args.index)
    rebuild = args.rebuild
    try:
        idx = SearchIndex.open(path)
    except IndexNotFoundError:
        idx = SearchIndex.create(path)
        rebuild = False
    except IndexCorruptError:
        if not rebuild:
            raise
        idx = SearchIndex.create(path, overwrite=True)
    started = time.perf_counter()
    with idx, ProgressBar(env, enabled=not args.quiet) as progress:
        report = idx.add_paths(paths, rebuild=rebuild, on_progress=progress.update, on_warning=progress.warn,
                               workers=args.workers, commit_every=args.commit_every, lock_timeout=args.wait,
                               cluster=args.cluster)
    if not args.quiet:
        env.info(describe_report(report, time.perf_counter() - started, path))
    if report.skipped and not (report.articles_added or report.articles_updated or report.articles_unchanged):
        env.error("nothing could be read from the paths given")
        return ExitStatus.ERROR
    return ExitStatus.OK


def cmd_delete(args: argparse.Namespace, env: Env) -> int:
    """``searchidx delete``: remove articles by id; exit 1 when none of them was indexed."""
    path = default_index_path(args.index)
    with SearchIndex.open(path) as idx:
        report = idx.delete(args.articles, lock_timeout=args.wait)
    if not report.articles_deleted:
        env.error(f"{path} holds no article {', '.join(map(repr, args.articles))}; nothing was deleted")
        return ExitStatus.ERROR
    env.info(describe_deletion(report, path))
    return ExitStatus.OK


def cmd_search(args: argparse.Namespace, env: Env) -> int:
    """``searchidx search``: print the best hits in the chosen format; with ``-``, do so for
    each line of standard input (exit 2 when any of them was a bad query)."""
    if args.query == ["-"]:
        status, many = ExitStatus.OK, 0
        with SearchIndex.open(default_index_path(args.index)) as idx:
            for line in env.stdin:
                if line.strip():
                    try:
                        if not _search_one(idx, line.strip(), args, env, many + 1):
                            status = max(status, ExitStatus.ERROR)
                        many += 1
                    except QueryError as error:
                        env.error(f"bad query {printable(line.strip())!r}: {error}")
                        status = ExitStatus.USAGE
        return status
    with SearchIndex.open(default_index_path(args.index)) as idx:
        found = _search_one(idx, " ".join(args.query), args, env)
    return ExitStatus.OK if found else ExitStatus.ERROR


def _search_one(idx: SearchIndex, query: str, args: argparse.Namespace, env: Env, many: int = 0) -> bool:
    """One query of ``searchidx search``: warnings on stderr, results on stdout (with "did
    you mean" in the formats people read, and on stderr beside the others). False, with one
    line on stderr and nothing on stdout, for a page or offset past the last hit."""
    offset = (args.page - 1) * args.limit if args.page else args.offset
    results = idx.search(query, limit=args.limit, offset=offset, sort=args.sort, whole=args.whole,
                         facets=args.facets, time_limit=args.time_limit)
    if offset and not results.hits and results.total:
        env.error(past_the_end(results.total, offset, args.limit, args.page))
        return False
    for warning in results.warnings:
        env.warn(f"query: {warning}")
    if results.suggestion and args.format not in HUMAN_FORMATS:
        env.info(f"did you mean: {printable(results.suggestion)}")
    write_results(results, env.stdout, args.format, width=env.width, color=env.color, many=many)
    return True


def past_the_end(total: int, offset: int, limit: int, page: int | None) -> str:
    """The message for a page or an offset past the last hit."""
    noun = "paragraph matches" if total == 1 else "paragraphs match"
    if page:
        pages = -(-total // limit)
        return (f"page {page} is past the end: {total} {noun}, {pages} page{'s' * (pages > 1)} of {limit} "
                f"(the last is --page {pages})")
    return f"offset {offset} is past the end: {total} {noun} (the last is --offset {total - 1})"


def cmd_explain(args: argparse.Namespace, env: Env) -> int:
    """``searchidx explain``: the parsed query and the scoring of its top hits."""
    with SearchIndex.open(default_index_path(args.index)) as idx:
        explanation = idx.explain(args.query, limit=args.limit)
    write_explanation(explanation, env.stdout, args.format)
    return ExitStatus.OK


def cmd_similar(args: argparse.Namespace, env: Env) -> int:
    """``searchidx similar``: paragraphs related to one paragraph."""
    with SearchIndex.open(default_index_path(args.index)) as idx:
        results = idx.similar(args.article, args.paragraph, limit=args.limit)
    write_results(results, env.stdout, args.format, width=env.width, color=env.color)
    return ExitStatus.OK


def cmd_check(args: argparse.Namespace, env: Env) -> int:
    """``searchidx check``: one line per problem, then a summary; exit 3 when damaged."""
    with SearchIndex.open(default_index_path(args.index)) as idx:
        result = idx.check()
    for line in describe_check(result):
        env.error(line) if result.problems else env.info(line)
    return ExitStatus.NO_INDEX if result.problems else ExitStatus.OK


def cmd_stats(args: argparse.Namespace, env: Env) -> int:
    """``searchidx stats``: counts of articles, paragraphs and entity names, and the size."""
    with SearchIndex.open(default_index_path(args.index)) as idx:
        write_stats(idx.stats(), env.stdout, args.format)
    return ExitStatus.OK


def cmd_entities(args: argparse.Namespace, env: Env) -> int:
    """``searchidx entities``: the names of one entity field with their counts."""
    with SearchIndex.open(default_index_path(args.index)) as idx:
        found = idx.entities(args.field, prefix=args.prefix, limit=args.limit)
    write_entity_list(found, env.stdout, args.format)
    return ExitStatus.OK


def cmd_entity(args: argparse.Namespace, env: Env) -> int:
    """``searchidx entity``: one entity's page."""
    field, colon, name = args.reference.partition(":")
    if not colon or not name.strip().strip('"'):
        raise UsageError(f"give the entity as FIELD:NAME, e.g. person:yunus (not {args.reference!r})")
    with SearchIndex.open(default_index_path(args.index)) as idx:
        page = idx.entity(field, name.strip().strip('"'), query=args.query, limit=args.limit, related=args.related)
    write_entity_page(page, env.stdout, args.format, width=env.width, color=env.color)
    return ExitStatus.OK


def cmd_export(args: argparse.Namespace, env: Env) -> int:
    """``searchidx export``: mapping and bulk files for OpenSearch or Elasticsearch."""
    with SearchIndex.open(default_index_path(args.index)) as idx:
        report = idx.export(args.folder, name=args.name, max_bytes=args.max_mb * MB, overwrite=args.overwrite)
    for line in describe_export(report):
        env.info(line)
    return ExitStatus.OK


def cmd_serve(args: argparse.Namespace, env: Env) -> int:
    """``searchidx serve``: the web app on the index until Ctrl-C (see :mod:`searchidx.web`)."""
    from .web.server import address_of, listen, serve  # gunicorn and Jinja2 load only to serve

    path = default_index_path(args.index)
    token = write_token()
    if token is not None and len(token) < MIN_WRITE_TOKEN:
        raise UsageError(f"${WRITE_TOKEN_ENV} must be {MIN_WRITE_TOKEN} characters or more")
    with SearchIndex.open(path) as idx:  # fail here, in one line, rather than in every worker
        paragraphs = idx.stats().paragraphs
    try:
        sock = listen(args.host, args.port)
    except OSError as error:
        env.error(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}")
        return ExitStatus.ERROR
    env.stdout.write(address_of(sock) + "\n")  # the first line: the address, for scripts
    env.stdout.flush()
    env.info(f"serving {path} ({paragraphs:,} paragraphs) with {args.workers or 'one per core'} workers; "
             f"writing {'on' if token else 'off'}; Ctrl-C stops")
    status = serve(path, sock, workers=args.workers, write_token=token, time_limit=args.time_limit,
                   quiet=not args.verbose)
    env.info("stopped")
    return ExitStatus.OK if status == 0 else ExitStatus.ERROR


def cmd_repl(args: argparse.Namespace, env: Env) -> int:
    """``searchidx`` / ``searchidx repl``: the console, on an index built from seeds/ if needed."""
    from .console import run_console  # prompt-toolkit is loaded only for the console

    path = default_index_path(args.index)
    try:
        idx = SearchIndex.open(path)
    except (IndexNotFoundError, IndexVersionError) as error:
        seeds = default_seeds_path()
        if index_given(args.index) or seeds is None:
            raise
        # the default index is generated from seeds/: build it, or rebuild it for this version
        old = isinstance(error, IndexVersionError)
        env.info(f"The index at {path} was built by another version of searchidx: rebuilding it from {seeds}/..."
                 if old else f"No index at {path} yet: building it from {seeds}/ (once)...")
        idx = SearchIndex.create(path, overwrite=old)
        with ProgressBar(env) as progress:
            report = idx.add_paths([seeds], on_progress=progress.update, on_warning=progress.warn)
        env.info(f"indexed {report.paragraphs_written} paragraphs")
    with idx:
        return run_console(idx, env)


COMMANDS: dict[str, Callable[[argparse.Namespace, Env], int]] = {
    "index": cmd_index,
    "delete": cmd_delete,
    "search": cmd_search,
    "stats": cmd_stats,
    "check": cmd_check,
    "explain": cmd_explain,
    "similar": cmd_similar,
    "entities": cmd_entities,
    "entity": cmd_entity,
    "export": cmd_export,
    "serve": cmd_serve,
    "repl": cmd_repl,
    "completion": cmd_completion,
}
