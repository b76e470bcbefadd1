"""The interactive search console: prompt-toolkit in front of :class:`SearchIndex`.

A line is either a query (searched with the library, like ``searchidx search``) or a
console command starting with a backslash (``\\help``), which no query can start with.
On a terminal it has completion, colours, history and a toolbar; with piped input it
runs each line and prints plain results.
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import DynamicCompleter
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.styles import Style

from .completion import Catalog, CatalogRefresher, QueryCompleter
from .config import Config, data_dir, load_config
from .environment import Env, ProgressBar, printable
from .errors import QueryError, SearchidxError
from .formatters import (
    FORMATS,
    entity_summary,
    format_explanation,
    wrap_fragment,
    write_entity_list,
    write_entity_page,
    write_results,
)
from .index import SORTS, SearchIndex, SearchResults
from .lexer import QueryLexer
from .models import ENTITY_FIELDS, Hit
from .syntax import FIELDS, entity_reference, problems

PROMPT = "searchidx> "


@dataclass(frozen=True)
class Command:
    """A console command: its name, argument synopsis, help line and handler."""

    name: str
    args: str
    help: str
    handler: Callable[[Repl, str], None]
    aliases: tuple[str, ...] = ()


COMMANDS: dict[str, Command] = {}


def command(name: str, args: str, help_text: str, aliases: tuple[str, ...] = ()) -> Callable[
        [Callable[[Repl, str], None]], Callable[[Repl, str], None]]:
    """Register a console command (a method of :class:`Repl` taking the argument text)."""

    def register(handler: Callable[[Repl, str], None]) -> Callable[[Repl, str], None]:
        cmd = Command(name, args, help_text, handler, aliases)
        for key in (name, *aliases):
            COMMANDS[key] = cmd
        return handler

    return register


class ExitRepl(Exception):
    """Raised by ``\\quit`` to leave the console."""


class Repl:
    """One console session over one index at a time."""

    def __init__(self, index: SearchIndex, env: Env | None = None, config: Config | None = None,
                 *, history_path: Path | None = None, input: Any = None, output: Any = None) -> None:
        self.env = env or Env()
        self.config = config or Config()
        self.index = index
        self.limit = self.config.limit
        self.format = self.config.format
        self.sort = "score"
        self.whole = False
        self.facets = 0
        self.query: str | None = None
        self.offset = 0
        self.results: SearchResults | None = None
        self.paragraphs = index.stats().paragraphs
        self.failed = False
        self.completer = QueryCompleter(Catalog(), {c.name: c.help for c in _unique_commands()})
        self.refresher = CatalogRefresher(self._catalog_ready)
        self._history_path = history_path
        self._input, self._output = input, output
        self._session: PromptSession[str] | None = None

    # -- running ---------------------------------------------------------------------------

    def run(self) -> int:
        """Read lines until ``\\quit`` or end of input; returns the exit status."""
        self.refresher.refresh(self.index.path)
        interactive = self._input is not None or (self.env.stdin_isatty and self.env.stdout_isatty)
        if not interactive:
            return self._run_piped()
        session = self._make_session()
        self.env.stdout.write(f"searchidx on {self.index.path} ({self.paragraphs:,} paragraphs). "
                              "Type a query, \\help for commands, Ctrl-D to quit.\n")
        while True:
            try:
                line = session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C drops the line being typed
            except EOFError:
                return 0
            try:
                self.execute(line)
            except ExitRepl:
                return 0

    def _run_piped(self) -> int:
        self.refresher.wait()
        for line in self.env.stdin:
            try:
                self.execute(line.rstrip("\n"))
            except ExitRepl:
                break
        return 1 if self.failed else 0

    def _make_session(self) -> PromptSession[str]:
        history_path = self._history_path or data_dir() / "history"
        try:
            history_path.parent.mkdir(parents=True, exist_ok=True)
            history: Any = FileHistory(str(history_path))
        except OSError as error:
            self.env.warn(f"history not kept: cannot write {history_path} ({error.strerror})")
            history = InMemoryHistory()
        bindings = KeyBindings()

        @bindings.add("f4")
        def _toggle_mode(event: Any) -> None:
            """F4 switches between emacs and vi key bindings."""
            app = event.app
            app.editing_mode = EditingMode.VI if app.editing_mode == EditingMode.EMACS else EditingMode.EMACS

        self._session = PromptSession(
            history=history,
            completer=DynamicCompleter(lambda: self.completer),
            complete_while_typing=True,
            auto_suggest=AutoSuggestFromHistory(),
            lexer=QueryLexer(),
            style=self._style(),
            bottom_toolbar=self._toolbar,
            key_bindings=bindings,
            editing_mode=EditingMode.VI if self.config.key_bindings == "vi" else EditingMode.EMACS,
            enable_history_search=False,
            search_ignore_case=True,
            input=self._input,
            output=self._output,
        )
        return self._session

    def _style(self) -> Style:
        good = {}
        for name, value in self.config.colors.items():
            try:
                Style.from_dict({name: value})
            except (ValueError, AssertionError):
                self.env.warn(f"colour {name!r} = {value!r} is not a prompt-toolkit style; ignored")
                continue
            good[name] = value
        return Style.from_dict(good)

    def _toolbar(self) -> StyleAndTextTuples:
        mode = "vi" if self._session and self._session.app.editing_mode == EditingMode.VI else "emacs"
        parts: StyleAndTextTuples = [("class:bottom-toolbar", (
            f" {self.index.path} · {self.paragraphs:,} paragraphs · {self.format} · "
            f"limit {self.limit} · sort {self.sort} · {mode} (F4)"))]
        if self.refresher.busy:
            parts.append(("class:bottom-toolbar", " · refreshing completions…"))
        if self._session is not None:
            text = self._session.default_buffer.text
            if text.strip() and not text.lstrip().startswith("\\"):
                found = problems(text)
                if found:
                    parts.append(("class:bottom-toolbar.warning", f" · {found[0]}"))
        return parts

    def _catalog_ready(self, catalog: Catalog) -> None:
        self.completer = QueryCompleter(catalog, self.completer.commands)
        if self._session is not None and self._session.app.is_running:
            self._session.app.invalidate()

    # -- one line --------------------------------------------------------------------------

    def execute(self, line: str) -> None:
        """Run one line: a ``\\command`` or a query. Mistakes are reported, never raised."""
        line = line.strip()
        if not line:
            return
        try:
            if line.startswith("\\"):
                name, _, argument = line.partition(" ")
                cmd = COMMANDS.get(name)
                if cmd is None:
                    raise QueryError(f"unknown command {name}; \\help lists the commands")
                cmd.handler(self, argument.strip())
            else:
                self.search(line, offset=0)
        except ExitRepl:
            raise
        except SearchidxError as error:
            self.failed = True
            self.env.error(str(error))
        except KeyboardInterrupt:
            self.env.error("cancelled")

    def search(self, query: str, offset: int) -> None:
        results = self.index.search(query, limit=self.limit, offset=offset, sort=self.sort, whole=self.whole,
                                    facets=self.facets)
        self.query, self.offset, self.results = query, offset, results
        for warning in results.warnings:
            self.env.warn(f"query: {warning}")
        if results.suggestion:
            self.env.info(f"did you mean: {printable(results.suggestion)}")
        buffer = io.StringIO()
        write_results(results, buffer, self.format, width=self.env.width, color=self.env.color)
        if self.format in ("table", "vertical") and results.total > offset + len(results):
            buffer.write("\\next for more\n")
        self.show(buffer.getvalue())

    def show(self, text: str) -> None:
        """Print ``text``, through the pager when it does not fit the terminal."""
        height = os.get_terminal_size().lines if self.env.stdout_isatty else 0
        pager = self.config.pager.strip()
        if pager and self.env.stdout_isatty and text.count("\n") > height - 2:
            try:
                subprocess.run(shlex.split(pager), input=text, text=True, check=False)
                return
            except OSError:
                pass  # no such pager: print instead
        self.env.stdout.write(text)
        self.env.stdout.flush()

    # -- commands ----------------------------------------------------------------------------

    @command("\\help", "[COMMAND]", "list the commands, or explain one", aliases=("\\?", "\\h"))
    def cmd_help(self, argument: str) -> None:
        if argument:
            cmd = COMMANDS.get(argument if argument.startswith("\\") else "\\" + argument)
            if cmd is None:
                raise QueryError(f"no command {argument}")
            self.show(f"{cmd.name} {cmd.args}\n  {cmd.help}\n")
            return
        lines = ["Type a query to search, e.g.  person:yunus defence   place:\"Bay of Bengal\"   "
                 "\"army chief\"  turk*  defense~", "Words are joined with AND; use OR and NOT, "
                 "(brackets), \"phrases\" and field:value. Tab completes fields and names.", "",
                 "Commands:"]
        lines += [f"  {(c.name + ' ' + c.args).strip():<18} {c.help}" for c in _unique_commands()]
        lines += ["", "Keys: Tab complete · Ctrl-R search history · → accept suggestion · "
                  "Ctrl-C cancel line · Ctrl-D quit · F4 emacs/vi"]
        self.show("\n".join(lines) + "\n")

    @command("\\fields", "", "list the fields a query can name")
    def cmd_fields(self, argument: str) -> None:
        counts = self.index.stats().entities
        lines = []
        for name, description in FIELDS.items():
            extra = f" ({counts[name]:,} names)" if name in ENTITY_FIELDS else ""
            lines.append(f"  {name + ':':<12} {description}{extra}")
        self.show("\n".join(lines) + "\n")

    @command("\\stats", "", "show the index's counts and size")
    def cmd_stats(self, argument: str) -> None:
        stats = self.index.stats()
        names = ", ".join(f"{count:,} {name}" for name, count in stats.entities.items())
        self.show(f"{stats.path}: {stats.articles:,} articles, {stats.paragraphs:,} paragraphs, "
                  f"{stats.size_bytes / 1e6:.1f} MB\nnames: {names}\nmodel: {stats.model}\n")

    @command("\\open", "PATH", "open another index")
    def cmd_open(self, argument: str) -> None:
        if not argument:
            raise QueryError("\\open needs the index folder")
        index = SearchIndex.open(Path(argument).expanduser())
        self.index.close()
        self.index = index
        self.paragraphs = index.stats().paragraphs
        self.query, self.results = None, None
        self.refresher.refresh(index.path)
        self.show(f"opened {index.path} ({self.paragraphs:,} paragraphs)\n")

    @command("\\index", "PATH...", "add files or folders to this index")
    def cmd_index(self, argument: str) -> None:
        if not argument:
            raise QueryError("\\index needs one or more files or folders")
        try:
            paths = [Path(p).expanduser() for p in shlex.split(argument)]
        except ValueError as error:
            raise QueryError(f"cannot read the paths: {error}") from None
        with ProgressBar(self.env) as progress:
            report = self.index.add_paths(paths, on_progress=progress.update, on_warning=progress.warn)
        self.paragraphs = self.index.stats().paragraphs
        self.refresher.refresh(self.index.path)
        self.show(f"{report.articles_added} new, {report.articles_updated} updated, "
                  f"{report.articles_unchanged} unchanged articles; {report.paragraphs_written} paragraphs "
                  f"written; {report.skipped} skipped\n")

    @command("\\limit", "N", "set how many hits a page shows")
    def cmd_limit(self, argument: str) -> None:
        if not argument:
            self.show(f"limit {self.limit}\n")
            return
        if not argument.isdigit() or int(argument) < 1:
            raise QueryError(f"\\limit needs a whole number, 1 or more (not {argument!r})")
        self.limit = int(argument)
        self.show(f"limit {self.limit}\n")

    @command("\\format", "FORMAT", f"set the output format ({', '.join(FORMATS)})")
    def cmd_format(self, argument: str) -> None:
        self._choose("format", argument, FORMATS)

    @command("\\sort", "ORDER", f"order hits by {', '.join(SORTS)} (publication date)")
    def cmd_sort(self, argument: str) -> None:
        self._choose("sort", argument, SORTS)

    def _choose(self, setting: str, argument: str, choices: tuple[str, ...]) -> None:
        """Set a setting that takes one of a few words, or say which words it takes."""
        if argument not in choices:
            raise QueryError(f"\\{setting} takes one of: {', '.join(choices)}")
        setattr(self, setting, argument)
        self.show(f"{setting} {argument}\n")

    @command("\\whole", "on|off", "show whole paragraphs instead of the best fragment")
    def cmd_whole(self, argument: str) -> None:
        if argument not in ("on", "off"):
            raise QueryError("\\whole takes on or off")
        self.whole = argument == "on"
        self.show(f"whole paragraphs {argument}\n")

    @command("\\facets", "N", "count the N most frequent names of each entity field in the hits (0: off)")
    def cmd_facets(self, argument: str) -> None:
        if not argument.isdigit():
            raise QueryError("\\facets needs a whole number (0 turns facets off)")
        self.facets = int(argument)
        self.show(f"facets {self.facets or 'off'}\n")

    @command("\\next", "", "show the next page of hits", aliases=("\\n",))
    def cmd_next(self, argument: str) -> None:
        if self.query is None or self.results is None:
            raise QueryError("no search yet")
        if self.offset + self.limit >= self.results.total:
            raise QueryError("no more hits")
        self.search(self.query, self.offset + self.limit)

    @command("\\prev", "", "show the previous page of hits", aliases=("\\p",))
    def cmd_prev(self, argument: str) -> None:
        if self.query is None:
            raise QueryError("no search yet")
        if self.offset == 0:
            raise QueryError("already on the first page")
        self.search(self.query, max(0, self.offset - self.limit))

    @command("\\show", "N", "show the whole article of hit N, with the hit's paragraph marked")
    def cmd_show(self, argument: str) -> None:
        hit = self._hit(argument, "\\show")
        paragraphs = self.index.article(hit.article)
        color = self.env.color
        lines = [f"{hit.article}" + (f"  “{hit.title}”" if hit.title else "") +
                 (f"  {hit.published[:10]}" if hit.published else "")]
        for paragraph in paragraphs:
            marker = "▶" if paragraph.paragraph == hit.paragraph else " "
            body = hit.highlights if paragraph.paragraph == hit.paragraph and len(hit.highlights) >= len(
                paragraph.text) else paragraph.text
            wrapped = wrap_fragment(body, max(30, self.env.width - 6), color)
            lines.append(f"{marker}{paragraph.paragraph:>3}  {wrapped[0] if wrapped else ''}")
            lines += [f"      {rest}" for rest in wrapped[1:]]
            if paragraph.paragraph == hit.paragraph and entity_summary(paragraph):
                lines.append(f"      [{entity_summary(paragraph)}]")
        self.show("\n".join(lines) + "\n")

    @command("\\explain", "[QUERY]", "show how a query (default: the last one) runs and why its top hits score")
    def cmd_explain(self, argument: str) -> None:
        query = argument or self.query
        if not query:
            raise QueryError("\\explain needs a query (or a search before it)")
        buffer = io.StringIO()
        format_explanation(self.index.explain(query, limit=3), buffer)
        self.show(buffer.getvalue())

    @command("\\entities", "FIELD [PREFIX]", "list the names of an entity field, most paragraphs first")
    def cmd_entities(self, argument: str) -> None:
        field, _, prefix = argument.partition(" ")
        if not field:
            raise QueryError(f"\\entities needs a field: {', '.join(ENTITY_FIELDS)}")
        buffer = io.StringIO()
        write_entity_list(self.index.entities(field, prefix=prefix.strip(), limit=max(20, self.limit)), buffer)
        self.show(buffer.getvalue())

    @command("\\entity", 'FIELD:NAME [QUERY]',
             'an entity\'s page: names, articles, related entities (within QUERY): \\entity person:"Haluk Gorgun"')
    def cmd_entity(self, argument: str) -> None:
        field, name, query = entity_reference(argument)
        if not field:
            raise QueryError('\\entity needs FIELD:NAME, e.g. \\entity person:yunus or place:"Bay of Bengal"')
        page = self.index.entity(field, name, query=query or None, limit=self.limit)
        buffer = io.StringIO()
        write_entity_page(page, buffer, width=self.env.width, color=self.env.color)
        self.show(buffer.getvalue())

    @command("\\like", "N", "find paragraphs related to hit N")
    def cmd_like(self, argument: str) -> None:
        hit = self._hit(argument, "\\like")
        results = self.index.similar(hit.article, hit.paragraph, limit=self.limit)
        buffer = io.StringIO()
        write_results(results, buffer, self.format, width=self.env.width, color=self.env.color)
        self.show(buffer.getvalue())

    def _hit(self, argument: str, name: str) -> Hit:
        """Hit number ``argument`` of the page shown last."""
        if self.results is None:
            raise QueryError("no search yet")
        hit = next((h for h in self.results if str(h.rank) == argument), None)
        if hit is None:
            ranks = [h.rank for h in self.results]
            shown = f"{ranks[0]}-{ranks[-1]}" if ranks else "none"
            raise QueryError(f"{name} needs the number of a hit on this page ({shown})")
        return hit

    @command("\\quit", "", "leave the console (or Ctrl-D)", aliases=("\\q", "\\exit"))
    def cmd_quit(self, argument: str) -> None:
        raise ExitRepl


def _unique_commands() -> list[Command]:
    seen: dict[str, Command] = {}
    for cmd in COMMANDS.values():
        seen.setdefault(cmd.name, cmd)
    return list(seen.values())


def run_repl(index: SearchIndex, env: Env) -> int:
    """Start the console on ``index`` with the user's config; returns the exit status."""
    config, config_problems = load_config()
    for problem in config_problems:
        env.warn(problem)
    return Repl(index, env, config).run()

