"""The console's commands: a registry of backslash commands and their handlers.

Each handler takes the console (its state: the index, the last results, the settings) and
the argument text, and shows what it produces with the shared formatters, so that a thing
reads the same as on the command line. Mistakes raise :class:`~searchidx.errors.QueryError`,
which the console prints as one line.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import QueryError
from ..formatters import (
    FORMATS,
    describe_fields,
    write_article,
    write_entity_list,
    write_entity_page,
    write_explanation,
    write_stats,
)
from ..index import SORTS, SearchIndex
from ..models import ENTITY_FIELDS, Hit
from ..settings import data_dir
from ..syntax import FIELDS, entity_reference
from ..terminal import ProgressBar

if TYPE_CHECKING:
    from .repl import Repl

Handler = Callable[["Repl", str], None]


@dataclass(frozen=True)
class Command:
    """A console command: its name, argument synopsis, help line and handler."""

    name: str
    args: str
    help: str
    handler: Handler
    aliases: tuple[str, ...] = ()


#: Every name and alias of a command -> the command.
COMMANDS: dict[str, Command] = {}


def command(name: str, args: str, help_text: str, aliases: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register a console command (a function of the console and the argument text)."""

    def register(handler: Handler) -> Handler:
        cmd = Command(name, args, help_text, handler, aliases)
        for key in (name, *aliases):
            COMMANDS[key] = cmd
        return handler

    return register


def unique_commands() -> list[Command]:
    """Each command once, in the order they were registered."""
    seen: dict[str, Command] = {}
    for cmd in COMMANDS.values():
        seen.setdefault(cmd.name, cmd)
    return list(seen.values())


class ExitRepl(Exception):
    """Raised by ``\\quit`` to leave the console."""


@command("\\help", "[COMMAND]", "list the commands, or explain one", aliases=("\\?", "\\h"))
def cmd_help(repl: Repl, argument: str) -> None:
    if argument:
        cmd = COMMANDS.get(argument if argument.startswith("\\") else "\\" + argument)
        if cmd is None:
            raise QueryError(f"no command {argument}")
        repl.show(f"{cmd.name} {cmd.args}\n  {cmd.help}\n")
        return
    lines = ["Type a query to search, e.g.  person:yunus defence   place:\"Bay of Bengal\"   "
             "\"army chief\"  turk*  defense~", "Words are joined with AND; use OR and NOT, "
             "(brackets), \"phrases\" and field:value. Tab completes fields and names.", "",
             "Commands:"]
    lines += [f"  {(c.name + ' ' + c.args).strip():<18} {c.help}" for c in unique_commands()]
    lines += ["", "Keys: Tab complete · Ctrl-R search history · → accept suggestion · "
              "Ctrl-C cancel line · Ctrl-D quit · F4 emacs/vi"]
    repl.show("\n".join(lines) + "\n")


@command("\\fields", "", "list the fields a query can name")
def cmd_fields(repl: Repl, argument: str) -> None:
    repl.show(describe_fields(FIELDS, repl.index.stats().entities))


@command("\\stats", "", "show the index's counts and size")
def cmd_stats(repl: Repl, argument: str) -> None:
    buffer = io.StringIO()
    write_stats(repl.index.stats(), buffer)
    repl.show(buffer.getvalue())


@command("\\open", "PATH", "open another index")
def cmd_open(repl: Repl, argument: str) -> None:
    if not argument:
        raise QueryError("\\open needs the index folder")
    repl.switch_to(SearchIndex.open(Path(argument).expanduser()))
    repl.show(f"opened {repl.index.path} ({repl.paragraphs:,} paragraphs)\n")


@command("\\index", "PATH...", "add files or folders to this index")
def cmd_index(repl: Repl, argument: str) -> None:
    if not argument:
        raise QueryError("\\index needs one or more files or folders")
    try:
        paths = [Path(p).expanduser() for p in shlex.split(argument)]
    except ValueError as error:
        raise QueryError(f"cannot read the paths: {error}") from None
    with ProgressBar(repl.env) as progress:
        report = repl.index.add_paths(paths, on_progress=progress.update, on_warning=progress.warn)
    repl.index_changed()
    repl.show(f"{report.articles_added} new, {report.articles_updated} updated, "
              f"{report.articles_unchanged} unchanged articles; {report.paragraphs_written} paragraphs "
              f"written; {report.skipped} skipped\n")


@command("\\limit", "N", "set how many hits a page shows")
def cmd_limit(repl: Repl, argument: str) -> None:
    if argument:
        if not argument.isdigit() or int(argument) < 1:
            raise QueryError(f"\\limit needs a whole number, 1 or more (not {argument!r})")
        repl.limit = int(argument)
    repl.show(f"limit {repl.limit}\n")


@command("\\format", "FORMAT", f"set the output format ({', '.join(FORMATS['results'])})")
def cmd_format(repl: Repl, argument: str) -> None:
    _choose(repl, "format", argument, FORMATS["results"])


@command("\\sort", "ORDER", f"order hits by {', '.join(SORTS)} (publication date)")
def cmd_sort(repl: Repl, argument: str) -> None:
    _choose(repl, "sort", argument, SORTS)


def _choose(repl: Repl, setting: str, argument: str, choices: tuple[str, ...]) -> None:
    """Set a setting that takes one of a few words, or say which words it takes."""
    if argument not in choices:
        raise QueryError(f"\\{setting} takes one of: {', '.join(choices)}")
    setattr(repl, setting, argument)
    repl.show(f"{setting} {argument}\n")


@command("\\whole", "on|off", "show whole paragraphs instead of the best fragment")
def cmd_whole(repl: Repl, argument: str) -> None:
    if argument not in ("on", "off"):
        raise QueryError("\\whole takes on or off")
    repl.whole = argument == "on"
    repl.show(f"whole paragraphs {argument}\n")


@command("\\facets", "N", "count the N most frequent names of each entity field in the hits (0: off)")
def cmd_facets(repl: Repl, argument: str) -> None:
    if not argument.isdigit():
        raise QueryError("\\facets needs a whole number (0 turns facets off)")
    repl.facets = int(argument)
    repl.show(f"facets {repl.facets or 'off'}\n")


@command("\\next", "", "show the next page of hits (of the last search or \\like)", aliases=("\\n",))
def cmd_next(repl: Repl, argument: str) -> None:
    if repl.query is None or repl.results is None:
        raise QueryError("no search yet")
    if repl.offset + repl.limit >= repl.results.total:
        raise QueryError("no more hits")
    _page(repl, repl.offset + repl.limit)


@command("\\prev", "", "show the previous page of hits", aliases=("\\p",))
def cmd_prev(repl: Repl, argument: str) -> None:
    if repl.query is None:
        raise QueryError("no search yet")
    if repl.offset == 0:
        raise QueryError("already on the first page")
    _page(repl, max(0, repl.offset - repl.limit))


def _page(repl: Repl, offset: int) -> None:
    """Show the page from ``offset`` of what was shown last: a search, or ``\\like``'s paragraphs."""
    if repl.like is None:
        repl.search(repl.query or "", offset)
    else:
        _show_like(repl, *repl.like, offset)


@command("\\show", "N", "show the whole article of hit N, with the hit's paragraph marked")
def cmd_show(repl: Repl, argument: str) -> None:
    hit = _hit(repl, argument, "\\show")
    buffer = io.StringIO()
    write_article(hit, repl.index.article(hit.article), buffer, width=repl.env.width, color=repl.color)
    repl.show(buffer.getvalue())


@command("\\explain", "[QUERY]", "show how a query (default: the last one) runs and why its top hits score")
def cmd_explain(repl: Repl, argument: str) -> None:
    query = argument or repl.query
    if not query:
        raise QueryError("\\explain needs a query (or a search before it)")
    buffer = io.StringIO()
    write_explanation(repl.index.explain(query, limit=3), buffer)
    repl.show(buffer.getvalue())


@command("\\entities", "FIELD [PREFIX]", "list the names of an entity field, most paragraphs first")
def cmd_entities(repl: Repl, argument: str) -> None:
    field, _, prefix = argument.partition(" ")
    if not field:
        raise QueryError(f"\\entities needs a field: {', '.join(ENTITY_FIELDS)}")
    buffer = io.StringIO()
    write_entity_list(repl.index.entities(field, prefix=prefix.strip(), limit=max(20, repl.limit)), buffer)
    repl.show(buffer.getvalue())


@command("\\entity", "FIELD:NAME [QUERY]",
         'an entity\'s page: names, articles, related entities (within QUERY): \\entity person:"Haluk Gorgun"')
def cmd_entity(repl: Repl, argument: str) -> None:
    field, name, query = entity_reference(argument)
    if not field:
        raise QueryError('\\entity needs FIELD:NAME, e.g. \\entity person:yunus or place:"Bay of Bengal"')
    page = repl.index.entity(field, name, query=query or None, limit=repl.limit)
    buffer = io.StringIO()
    write_entity_page(page, buffer, width=repl.env.width, color=repl.color)
    repl.show(buffer.getvalue())


@command("\\like", "N", "find paragraphs related to hit N")
def cmd_like(repl: Repl, argument: str) -> None:
    hit = _hit(repl, argument, "\\like")
    _show_like(repl, hit.article, hit.paragraph, 0)


#: Most related paragraphs ``\\like`` and its pages offer.
MAX_LIKE = 100


def _show_like(repl: Repl, article: str, paragraph: int, offset: int) -> None:
    """The page from ``offset`` of the paragraphs related to one paragraph; ``\\next`` and
    ``\\prev`` page them (up to :data:`MAX_LIKE`) until the next search."""
    found = repl.index.similar(article, paragraph, limit=MAX_LIKE)
    page = dataclasses.replace(found, hits=found.hits[offset:offset + repl.limit], offset=offset)
    repl.like, repl.query, repl.offset, repl.results = (article, paragraph), found.query, offset, page
    repl.show_results(page)


def _hit(repl: Repl, argument: str, name: str) -> Hit:
    """Hit number ``argument`` of the page shown last."""
    if repl.results is None:
        raise QueryError("no search yet")
    hit = next((h for h in repl.results if str(h.rank) == argument), None)
    if hit is None:
        ranks = [h.rank for h in repl.results]
        shown = f"{ranks[0]}-{ranks[-1]}" if ranks else "none"
        raise QueryError(f"{name} needs the number of a hit on this page ({shown})")
    return hit


@command("\\o", "[FILE]", "send results to FILE (appended, no colour); \\o alone: to the screen again",
         aliases=("\\out",))
def cmd_output(repl: Repl, argument: str) -> None:
    if repl.output_file is not None:
        repl.output_file.close()
        repl.env.info(f"results go to the screen again ({repl.output_name} closed)")
        repl.output_file, repl.output_name = None, ""
    if not argument:
        return
    path = Path(argument).expanduser()
    try:
        repl.output_file = path.open("a", encoding="utf-8")
    except OSError as error:
        raise QueryError(f"cannot write to {path}: {error.strerror}") from None
    repl.output_name = str(path)
    repl.env.info(f"results go to {path} (appended) until \\o alone")


def saved_queries_path() -> Path:
    """The file of the queries saved with ``\\save`` (beside the history)."""
    return data_dir() / "queries.json"


def saved_queries() -> dict[str, str]:
    """Name -> query of the saved queries ({} when there are none or the file is unreadable)."""
    try:
        data = json.loads(saved_queries_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


@command("\\save", "NAME [QUERY]", "save QUERY (default: the last search) as NAME, for \\run NAME")
def cmd_save(repl: Repl, argument: str) -> None:
    name, _, query = argument.partition(" ")
    query = query.strip() or (repl.query if repl.like is None else None) or ""
    if not name or name.startswith("\\"):
        raise QueryError("\\save needs a name: \\save NAME [QUERY]")
    if not query:
        raise QueryError("\\save needs a query, or a search before it")
    queries = saved_queries() | {name: query}
    path = saved_queries_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(queries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as error:
        raise QueryError(f"cannot save to {path}: {error.strerror}") from None
    repl.show(f"saved {name}: {query}\n")


@command("\\run", "[NAME]", "run the query saved as NAME (\\run alone lists them; \\forget NAME deletes one)")
def cmd_run(repl: Repl, argument: str) -> None:
    queries = saved_queries()
    if not argument:
        width = max([len(name) for name in queries] + [4])
        repl.show("".join(f"{name:<{width}}  {query}\n" for name, query in sorted(queries.items()))
                  or "no saved queries yet: \\save NAME [QUERY] saves one\n")
        return
    if argument not in queries:
        raise QueryError(f"no saved query {argument!r}" + (f"; saved: {', '.join(sorted(queries))}" if queries
                                                           else "; \\save NAME [QUERY] saves one"))
    repl.search(queries[argument], offset=0)


@command("\\forget", "NAME", "delete the saved query NAME")
def cmd_forget(repl: Repl, argument: str) -> None:
    queries = saved_queries()
    if argument not in queries:
        raise QueryError(f"no saved query {argument!r}")
    del queries[argument]
    path = saved_queries_path()
    try:
        path.write_text(json.dumps(queries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise QueryError(f"cannot write {path}: {error.strerror}") from None
    repl.show(f"forgot {argument}\n")


@command("\\quit", "", "leave the console (or Ctrl-D)", aliases=("\\q", "\\exit"))
def cmd_quit(repl: Repl, argument: str) -> None:
    raise ExitRepl
