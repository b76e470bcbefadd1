# PYTHON_ARGCOMPLETE_OK
"""The ``searchidx`` command: a thin layer over :class:`~searchidx.index.SearchIndex`.

It parses arguments, calls the library, prints results with :mod:`searchidx.formatters`
and turns the library's exceptions into one-line messages and documented exit codes.
Everything it touches of the outside world is in :class:`Env`, which tests replace.
"""

from __future__ import annotations

import argparse
import enum
import os
import re
import sys
import time
from collections.abc import Callable, Sequence

from . import __version__
from .errors import (
    EntityNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearchidxError,
)
from .export import DEFAULT_MAX_BYTES, DEFAULT_NAME, MB
from .formatters import (
    FORMATS,
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
from .index import COMMIT_EVERY, LOCK_TIMEOUT, SORTS, TIME_LIMIT, SearchIndex
from .models import ENTITY_FIELDS
from .settings import (
    INDEX_ENV,
    MIN_WRITE_TOKEN,
    WRITE_TOKEN_ENV,
    default_index_path,
    default_seeds_path,
    index_given,
    write_token,
)
from .syntax import FIELD_NAMES, field_name
from .terminal import Env, ProgressBar, printable
from .variants import fold


class ExitStatus(enum.IntEnum):
    """Exit codes of the ``searchidx`` command."""

    OK = 0
    ERROR = 1  #: a failure not covered below (unreadable input, a model that will not load)
    USAGE = 2  #: bad arguments or a malformed query
    NO_INDEX = 3  #: no index at the path, or one that cannot be read
    LOCKED = 4  #: another process is writing to the index
    INTERRUPTED = 130  #: stopped by Ctrl-C; the index keeps its last commit


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting, so ``main`` keeps control."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


class UsageError(Exception):
    """Bad command-line arguments."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``searchidx [index|search|stats|repl] ...``."""
    parser = _Parser(
        prog="searchidx",
        description="Search news paragraphs by words and by the people, organisations, places "
                    "and dates named in them. With no command, opens the interactive search console.",
        epilog="exit codes: 0 ok, 1 error, 2 bad arguments or query, 3 no readable index, "
               "4 index locked by another process, 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=f"searchidx {__version__}")
    parser.set_defaults(index=None)  # no command: the console on the default index
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # the options every command that works on an index shares
    on_index = _Parser(add_help=False)
    on_index.add_argument("--index", metavar="DIR", help=f"index folder (default: ${INDEX_ENV}, else ./index)")
    writes = _Parser(add_help=False)
    writes.add_argument("--wait", type=_seconds, default=LOCK_TIMEOUT, metavar="SECONDS",
                        help=f"how long to wait for another process writing to the same index "
                             f"(default: {LOCK_TIMEOUT:g})")

    def command(name: str, help_text: str, description: str | None = None, *, output: str | None = None,
                writing: bool = False) -> argparse.ArgumentParser:
        parents = [on_index, writes] if writing else [on_index]
        sub = commands.add_parser(name, help=help_text, description=description or help_text, parents=parents)
        if output:
            choices = FORMATS[output]
            sub.add_argument("--format", "-f", choices=choices, default=choices[0],
                             help=f"output format (default: {choices[0]})")
        return sub

    index = command("index", "add articles to an index (unchanged ones are skipped)",
                    "Index .txt, .md and .jsonl files and folders. Articles already indexed with the same "
                    "text are skipped; changed ones are replaced.", writing=True)
    index.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: seeds/)")
    index.add_argument("--rebuild", action="store_true",
                       help="replace the whole index with these articles (in one commit)")
    index.add_argument("--workers", "-j", type=_positive_int, metavar="N",
                       help="NER processes (default: $SEARCHIDX_WORKERS, else one per core for "
                            "300 articles or more)")
    index.add_argument("--cluster", metavar="ADDRESS",
                       help="run NER on the workers of the Dask scheduler at ADDRESS (tcp://HOST:8786) while "
                            "this process writes the index; needs pip install 'searchidx[cluster]'")
    index.add_argument("--commit-every", type=_positive_int, default=COMMIT_EVERY, metavar="N",
                       help=f"commit after about N new or changed articles, so that an interrupted run "
                            f"keeps its work and the next run skips it (default: {COMMIT_EVERY})")
    index.add_argument("--quiet", "-q", action="store_true", help="print no progress or summary")

    delete = command("delete", "remove articles from an index",
                     "Remove every paragraph of the articles given by id (as search results show them), "
                     "in one commit.", writing=True)
    delete.add_argument("articles", nargs="+", metavar="ARTICLE", help="article ids, e.g. business/001")

    search = command("search", "search an index and print the hits",
                     "Search with words, \"phrases\", field:value, AND/OR/NOT, word~ (fuzzy), wild* cards and "
                     "[a TO b] ranges. Words are joined with AND unless you write OR.", output="results")
    search.add_argument("query", nargs="+", metavar="QUERY",
                        help="the query, e.g. 'person:yunus defence' (several words are joined: "
                             "searchidx search tony blair iraq); - reads queries from standard input, one a line"
                        ).completer = complete_query  # type: ignore[attr-defined]
    search.add_argument("--limit", "-n", type=_natural_int, default=10, metavar="N",
                        help="how many hits to print (default: 10; 0 prints only the count)")
    search.add_argument("--offset", type=_natural_int, default=0, metavar="N",
                        help="skip the first N hits (for paging)")
    search.add_argument("--page", "-p", type=_positive_int, metavar="P",
                        help="show page P of --limit hits (the same as --offset (P-1)*limit)")
    search.add_argument("--sort", "-s", choices=SORTS, default="score",
                        help="order: score (relevance, the default), newest or oldest (publication date)")
    search.add_argument("--facets", type=_natural_int, default=0, metavar="N",
                        help="also count the N most frequent names of each entity field among all "
                             "matching paragraphs (table, vertical and json formats)")
    search.add_argument("--whole", "-w", action="store_true",
                        help="show whole paragraphs, not the best fragment")
    search.add_argument("--time-limit", type=_seconds, default=TIME_LIMIT, metavar="SECONDS",
                        help=f"stop ranking after SECONDS and show the best hits found by then "
                             f"(default: {TIME_LIMIT:g})")

    explain = command("explain", "show how a query runs and why its top hits score",
                      "Print the query as the engine runs it (after repairs and stemming), the default "
                      "operator, and for the top hits each matched term's part of the BM25F score.",
                      output="explanation")
    explain.add_argument("query", metavar="QUERY").completer = complete_query  # type: ignore[attr-defined]
    explain.add_argument("--limit", "-n", type=_positive_int, default=3, metavar="N",
                         help="how many hits to explain (default: 3)")

    similar = command("similar", "find paragraphs related to one paragraph",
                      "Paragraphs that share the most distinctive words of the given paragraph "
                      "(more like this).", output="results")
    similar.add_argument("article", metavar="ARTICLE", help="the article id, e.g. business/001")
    similar.add_argument("paragraph", metavar="PARAGRAPH", type=_positive_int, help="its paragraph number")
    similar.add_argument("--limit", "-n", type=_positive_int, default=10, metavar="N")

    entities = command("entities", "list the people, organisations, places ... of an index",
                       "The entities of one field by canonical name, named in most paragraphs first, with "
                       "their paragraph and article counts.", output="entities")
    entities.add_argument("field", metavar="FIELD", help=f"an entity field: {', '.join(ENTITY_FIELDS)}"
                          ).completer = complete_field  # type: ignore[attr-defined]
    entities.add_argument("--prefix", default="", metavar="TEXT",
                          help="only names with a word starting with TEXT (case and accents ignored)")
    entities.add_argument("--limit", "-n", type=_positive_int, default=20, metavar="N",
                          help="how many names (default: 20)")

    entity = command("entity", "one entity's page: names, articles, related entities",
                     "What the index knows about one entity: the names it is written as, its roles, the "
                     "articles and paragraphs naming it, and the entities named most often beside it. The "
                     "name may be any spelling, an alias or a part (person:gorgun).", output="entity")
    entity.add_argument("reference", metavar="FIELD:NAME", help="e.g. 'person:Haluk Gorgun' or place:turkey"
                        ).completer = complete_reference  # type: ignore[attr-defined]
    entity.add_argument("--query", "-q", metavar="QUERY", help="count only the paragraphs that match QUERY as well")
    entity.add_argument("--limit", "-n", type=_natural_int, default=10, metavar="N",
                        help="how many paragraphs to show (default: 10)")
    entity.add_argument("--related", type=_natural_int, default=10, metavar="N",
                        help="how many related entities to list (default: 10)")

    command("repl", "the interactive search console (the default command)",
            "Search interactively with completion of field names and entity names, highlighting and "
            "history. Reads queries from standard input when it is not a terminal. Builds the default "
            "index from seeds/ when there is none.")
    command("check", "read a whole index and report any damage",
            "Read every file, term, posting list, length table and stored paragraph of an index, and "
            "compare its files with the digests recorded when they were written. Exits 0 when the index "
            "is sound, 3 when it is damaged (rebuild it).")
    command("stats", "print an index's counts and size", output="stats")

    completion = commands.add_parser(
        "completion", help="print the shell completion script for bash, zsh or fish",
        description="Print a script that makes the shell complete searchidx's commands, options, field names "
                    "and the entity names of the index: eval \"$(searchidx completion bash)\" in ~/.bashrc, "
                    "eval \"$(searchidx completion zsh)\" in ~/.zshrc, or searchidx completion fish > "
                    "~/.config/fish/completions/searchidx.fish.")
    completion.add_argument("shell", choices=SHELLS, help="the shell")
    serve = command("serve", "serve the index as a web page and a JSON API",
                    "Open a local web app on the index: a search page (facets, entity pages with timelines, "
                    "articles, more like this) and the JSON API behind it (docs/web.md). Prints the address "
                    "and serves until Ctrl-C. Writing (POST/DELETE /api/articles) is off unless "
                    f"${WRITE_TOKEN_ENV} holds a secret of {MIN_WRITE_TOKEN} characters or more.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_whole_number(0), default=8000, metavar="PORT",
                       help="the port (default: 8000; 0 picks a free one)")
    serve.add_argument("--workers", "-j", type=_positive_int, metavar="N",
                       help="worker processes, each with its own index reader (default: one per core)")
    serve.add_argument("--time-limit", type=_seconds, default=TIME_LIMIT, metavar="SECONDS",
                       help=f"stop ranking a search after SECONDS (default: {TIME_LIMIT:g}); a request "
                            "running 20 s longer is cut off")
    serve.add_argument("--verbose", "-v", action="store_true", help="log every request on stderr")

    export = command("export", "write the index for OpenSearch or Elasticsearch",
                     "Write an index mapping (mapping.json) and bulk files (bulk-0001.ndjson, ...) that load "
                     "every paragraph, with its entity fields, into an OpenSearch or Elasticsearch cluster, "
                     "and print the curl commands that load them.")
    export.add_argument("folder", metavar="DIR", help="the folder to write (new or empty)")
    export.add_argument("--name", default=DEFAULT_NAME, metavar="NAME",
                        help=f"the index name in the cluster (default: {DEFAULT_NAME})")
    export.add_argument("--max-mb", type=_positive_int, default=DEFAULT_MAX_BYTES // MB, metavar="N",
                        help=f"largest bulk file in MB (default: {DEFAULT_MAX_BYTES // MB}; clusters "
                             "advise bulk requests of 5 to 15 MB)")
    export.add_argument("--overwrite", action="store_true",
                        help="write into a folder that is not empty, replacing an earlier export's files")
    return parser


def _whole_number(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``least``."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {least} or more: {text}")
        return value

    return convert


_natural_int = _whole_number(0)
_positive_int = _whole_number(1)


def _seconds(text: str) -> float:
    """An argparse type: a duration in seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds: {text}")
    return value


#: Shells ``searchidx completion`` writes a script for.
SHELLS = ("bash", "zsh", "fish")


def complete_query(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Shell completion of a query word: field names (``per`` -> ``person:``), and after an
    entity field the names of the index (``person:hal`` -> ``person:"Haluk Gorgun"``)."""
    fieldname, colon, value = prefix.partition(":")
    if not colon:
        lowered = prefix.lstrip("+-").lower()
        return [prefix[:len(prefix) - len(lowered)] + name + ":" for name in FIELD_NAMES if name.startswith(lowered)]
    field = field_name(fieldname.lstrip("+-"))
    if field not in ENTITY_FIELDS:
        return []
    wanted = fold(value.strip('"'))
    try:
        with SearchIndex.open(default_index_path(getattr(parsed_args, "index", None))) as idx:
            values = idx.entity_values(field)
    except SearchidxError:
        return []
    found = [name for name, _ in values if fold(name).startswith(wanted)][:50]
    return [f'{fieldname}:"{name}"' if re.search(r'[\s:()"]', name) else f"{fieldname}:{name}" for name in found]


def complete_field(prefix: str, **_: object) -> list[str]:
    """Shell completion of an entity field's name."""
    return [name for name in ENTITY_FIELDS if name.startswith(prefix.lower())]


def complete_reference(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """Shell completion of ``searchidx entity FIELD:NAME``: entity fields, then names."""
    if ":" not in prefix:
        return [f"{name}:" for name in ENTITY_FIELDS if name.startswith(prefix.lower())]
    return complete_query(prefix, parsed_args)


def _complete_in_shell(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request, when this run is one (argcomplete sets
    ``_ARGCOMPLETE``); its import costs 30 ms, so other runs do not pay it."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    import argcomplete

    def matches(completion: str, prefix: str) -> bool:  # names match with any case and accents
        return fold(completion.replace('"', "")).startswith(fold(prefix.replace('"', "")))

    argcomplete.autocomplete(parser, validator=matches)


def cmd_completion(args: argparse.Namespace, env: Env) -> int:
    """``searchidx completion SHELL``: the script that hooks searchidx into the shell's completion."""
    from argcomplete.shell_integration import shellcode

    env.stdout.write(shellcode(["searchidx"], True, args.shell))
    return ExitStatus.OK


def main(argv: Sequence[str] | None = None, env: Env | None = None) -> int:
    """Run the command line; returns the exit status."""
    env = env or Env()
    try:
        parser = build_parser()
        _complete_in_shell(parser)
        args = parser.parse_args(argv)
        command: Callable[[argparse.Namespace, Env], int] = COMMANDS[args.command or "repl"]
        return command(args, env)
    except UsageError as error:
        env.error(str(error))
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
