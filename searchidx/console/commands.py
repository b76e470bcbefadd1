"""The console's commands: a registry of backslash commands and their handlers.

Each handler takes the console (its state: the index, the last results, the settings) and
the argument text, and shows what it produces with the shared formatters, so that a thing
reads the same as on the command line. Mistakes raise :class:`~searchidx.errors.QueryError`,
which the console prints as one line.
"""

from __future__ import annotations

import io
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
    write_results,
    write_stats,
)
from ..index import SORTS, SearchIndex
from ..models import ENTITY_FIELDS, Hit
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


@command("\\next", "", "show the next page of hits", aliases=("\\n",))
def cmd_next(repl: Repl, argument: str) -> None:
    if repl.query is None or repl.results is None:
        raise QueryError("no search yet")
    if repl.offset + repl.limit >= repl.results.total:
        raise QueryError("no more hits")
    repl.search(repl.query, repl.offset + repl.limit)


@command("\\prev", "", "show the previous page of hits", aliases=("\\p",))
def cmd_prev(repl: Repl, argument: str) -> None:
    if repl.query is None:
        raise QueryError("no search yet")
    if repl.offset == 0:
        raise QueryError("already on the first page")
    repl.search(repl.query, max(0, repl.offset - repl.limit))


@command("\\show", "N", "show the whole article of hit N, with the hit's paragraph marked")
def cmd_show(repl: Repl, argument: str) -> None:
    hit = _hit(repl, argument, "\\show")
    buffer = io.StringIO()
    write_article(hit, repl.index.article(hit.article), buffer, width=repl.env.width, color=repl.env.color)
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
    write_entity_page(page, buffer, width=repl.env.width, color=repl.env.color)
    repl.show(buffer.getvalue())


@command("\\like", "N", "find paragraphs related to hit N")
def cmd_like(repl: Repl, argument: str) -> None:
    hit = _hit(repl, argument, "\\like")
    results = repl.index.similar(hit.article, hit.paragraph, limit=repl.limit)
    buffer = io.StringIO()
    write_results(results, buffer, repl.format, width=repl.env.width, color=repl.env.color)
    repl.show(buffer.getvalue())


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


@command("\\quit", "", "leave the console (or Ctrl-D)", aliases=("\\q", "\\exit"))
def cmd_quit(repl: Repl, argument: str) -> None:
    raise ExitRepl
