"""The ``searchidx`` command line's grammar: its parser (subcommands, options, help), the
types of its arguments, and the shell completion of commands, options, fields and names.
:mod:`searchidx.cli` runs what it parses."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from typing import Any

from . import __version__
from .errors import (
    SearchidxError,
)
from .export import DEFAULT_MAX_BYTES, DEFAULT_NAME, MB
from .formatters import (
    FORMATS,
)
from .index import COMMIT_EVERY, LOCK_TIMEOUT, SORTS, TIME_LIMIT, SearchIndex
from .models import ENTITY_FIELDS
from .settings import (
    INDEX_ENV,
    MIN_WRITE_TOKEN,
    WRITE_TOKEN_ENV,
    default_index_path,
)
from .syntax import FIELD_NAMES, field_name
from .variants import fold


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting, so ``main`` keeps control."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


class UsageError(Exception):
    """Bad command-line arguments."""


class _Skipped:
    """Stands for the parser of a command that is not being run, and drops its arguments."""

    def add_argument(self, *_: object, **__: object) -> argparse.Namespace:
        return argparse.Namespace()  # (a completer may be set on it)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line: ``searchidx [index|search|stats|repl] ...``. With ``only``, the
    parser of that command alone when it is one (a one-shot search need not build the
    other twelve: 2 to 3 ms)."""
    built = []
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
                writing: bool = False) -> Any:
        if only is not None and name != only:
            return _Skipped()
        built.append(name)
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
                       help="NER processes, this one included (default: $SEARCHIDX_WORKERS, else one per "
                            "core for 100 articles or more)")
    index.add_argument("--cluster", metavar="ADDRESS",
                       help="run NER on the workers of the Dask scheduler at ADDRESS (tcp://HOST:8786) while "
                            "this process writes the index; needs pip install 'searchidx[cluster]'")
    index.add_argument("--commit-every", type=_positive_int, default=COMMIT_EVERY, metavar="N",
                       help=f"commit after about N new or changed articles (or sooner when the writer's memory "
                            f"fills), so that an interrupted run keeps its work and the next run skips it "
                            f"(default: {COMMIT_EVERY})")
    index.add_argument("--quiet", "-q", action="store_true", help="print no progress or summary")

    delete = command("delete", "remove articles from an index",
                     "Remove every paragraph of the articles given by id (as search results show them), "
                     "in one commit.", writing=True)
    delete.add_argument("articles", nargs="+", metavar="ARTICLE", help="article ids, e.g. business/001")

    search = command("search", "search an index and print the hits",
                     "Search with words, \"phrases\", field:value, AND/OR/NOT, word~ (fuzzy), wild* cards and "
                     "[a TO b] ranges. Words are joined with AND unless you write OR; a question or description "
                     "of five or more plain words joins them with OR and is searched again with words its best "
                     "paragraphs share (`searchidx explain` shows them).", output="results")
    search.add_argument("query", nargs="+", metavar="QUERY",
                        help="the query, e.g. 'person:yunus defence' (several words are joined: "
                             "searchidx search tony blair iraq); - reads queries from standard input, one a line"
                        ).completer = complete_query
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
    explain.add_argument("query", metavar="QUERY").completer = complete_query
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
                          ).completer = complete_field
    entities.add_argument("--prefix", default="", metavar="TEXT",
                          help="only names with a word starting with TEXT (case and accents ignored)")
    entities.add_argument("--limit", "-n", type=_positive_int, default=20, metavar="N",
                          help="how many names (default: 20)")

    entity = command("entity", "one entity's page: names, articles, related entities",
                     "What the index knows about one entity: the names it is written as, its roles, the "
                     "articles and paragraphs naming it, and the entities named most often beside it. The "
                     "name may be any spelling, an alias or a part (person:gorgun).", output="entity")
    entity.add_argument("reference", metavar="FIELD:NAME", help="e.g. 'person:Haluk Gorgun' or place:turkey"
                        ).completer = complete_reference
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

    if only in (None, "completion"):
        built.append("completion")
        completion = commands.add_parser(
            "completion", help="print the shell completion script for bash, zsh or fish",
            description="Print a script that makes the shell complete searchidx's commands, options, field "
                        "names and the entity names of the index: eval \"$(searchidx completion bash)\" in "
                        "~/.bashrc, eval \"$(searchidx completion zsh)\" in ~/.zshrc, or searchidx completion "
                        "fish > ~/.config/fish/completions/searchidx.fish.")
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
    if only is not None and not built:  # not a command: the whole parser says which there are
        return build_parser()
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


def complete_in_shell(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request, when this run is one (argcomplete sets
    ``_ARGCOMPLETE``); its import costs 30 ms, so other runs do not pay it."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    import argcomplete

    def matches(completion: str, prefix: str) -> bool:  # names match with any case and accents
        return fold(completion.replace('"', "")).startswith(fold(prefix.replace('"', "")))

    argcomplete.autocomplete(parser, validator=matches)
