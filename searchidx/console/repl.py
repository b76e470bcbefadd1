"""The interactive search console: prompt-toolkit in front of :class:`SearchIndex`.

A line is either a query (searched with the library, like ``searchidx search``) or a
console command starting with a backslash (``\\help``), which no query can start with.
On a terminal it has completion, colours, history and a toolbar; with piped input it
runs each line and prints plain results.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any, TextIO

from prompt_toolkit import PromptSession, search
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import DynamicCompleter
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.filters import is_searching
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.styles import Style
from prompt_toolkit.utils import get_cwidth

from ..errors import QueryError, SearchidxError
from ..formatters import HUMAN_FORMATS, write_results
from ..index import SearchIndex
from ..models import SearchResults
from ..settings import data_dir
from ..syntax import problems
from ..terminal import Env, printable
from .commands import COMMANDS, ExitRepl, unique_commands
from .completion import Catalog, CatalogRefresher, QueryCompleter
from .config import Config, load_config
from .lexer import QueryLexer

ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")
PROMPT = "searchidx> "
#: Words that mean a command when typed alone, as in psql and pgcli.
BARE_COMMANDS = {"help": "\\help", "exit": "\\quit", "quit": "\\quit"}
#: Rows below the output that the prompt takes: its line, the toolbar, and the room
#: prompt-toolkit keeps for the completion menu (scrolling the output's top away).
MENU_ROWS = 8
RESERVED_ROWS = MENU_ROWS + 3


def screen_rows(text: str, columns: int) -> int:
    """The rows ``text`` takes on a terminal ``columns`` wide (long lines wrap; colour codes take none)."""
    rows = 0
    for line in text.splitlines():
        visible = get_cwidth(ANSI_CODE.sub("", line))
        rows += max(1, -(-visible // max(1, columns)))
    return rows


def pager_environment() -> dict[str, str]:
    """The environment of the pager: ``less`` in secure mode, so that keys typed while it is
    open (the next query, say "chelsea") cannot save files (``s``), run commands (``!``) or
    open an editor (``v``), and without a history file."""
    return {**os.environ, "LESSSECURE": "1", "LESSHISTFILE": "-"}


def fit_problems(found: list[str], width: int) -> str:
    """All of a query's problems on one line of ``width`` columns, cut with "…" when long."""
    head = f" {len(found)} problems: " if len(found) > 1 else " "
    line = head + " · ".join(found)
    if get_cwidth(line) <= width - 1:
        return line
    # each problem's first clause ("unknown field 'colour' at column 1"), each cut to its share
    short = [re.split(r" \(|; ", problem, maxsplit=1)[0] for problem in found]
    share = max(8, (width - 1 - len(head)) // len(short) - 3)
    line = head + " · ".join(p if len(p) <= share else p[:share - 1] + "…" for p in short)
    return line if get_cwidth(line) <= width - 1 else line[:max(1, width - 2)] + "…"


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
        #: the paragraph whose related paragraphs were shown last (``\\like``), which ``\\next`` pages
        self.like: tuple[str, int] | None = None
        #: where results go instead of the screen (``\\o FILE``)
        self.output_file: TextIO | None = None
        self.output_name = ""
        self.completer = QueryCompleter(Catalog(), {c.name: c.help for c in unique_commands()})
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

        @bindings.add("enter", filter=is_searching)
        def _run_found(event: Any) -> None:
            """Enter in a history search (Ctrl-R) runs the line found, as in bash."""
            search.accept_search()
            event.app.current_buffer.validate_and_handle()

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
            reserve_space_for_menu=MENU_ROWS,
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
        if self._session is None:
            return self.toolbar("", 0)
        return self.toolbar(self._session.default_buffer.text, self._session.app.output.get_size().columns)

    def toolbar(self, text: str, width: int) -> StyleAndTextTuples:
        """The bottom toolbar while ``text`` is typed on a terminal ``width`` wide: the
        settings, or every problem of the query fitted to the width (they matter more)."""
        mode = "vi" if self._session and self._session.app.editing_mode == EditingMode.VI else "emacs"
        parts: StyleAndTextTuples = [("class:bottom-toolbar", (
            f" {self.index.path} · {self.paragraphs:,} paragraphs · {self.format} · "
            f"limit {self.limit} · sort {self.sort} · {mode} (F4)"))]
        if self.refresher.busy:
            parts.append(("class:bottom-toolbar", " · refreshing completions…"))
        if text.strip() and not text.lstrip().startswith("\\"):
            found = problems(text)
            if found:
                return [("class:bottom-toolbar.warning", fit_problems(found, width))]
        return parts

    def _catalog_ready(self, catalog: Catalog) -> None:
        self.completer = QueryCompleter(catalog, self.completer.commands)
        if self._session is not None and self._session.app.is_running:
            self._session.app.invalidate()

    def switch_to(self, index: SearchIndex) -> None:
        """Search ``index`` from now on (``\\open``), closing the one searched so far."""
        self.index.close()
        self.index = index
        self.query, self.results = None, None
        self.index_changed()

    def index_changed(self) -> None:
        """Refresh what the console shows of the index after it changed (``\\index``)."""
        self.paragraphs = self.index.stats().paragraphs
        self.refresher.refresh(self.index.path)

    # -- one line --------------------------------------------------------------------------

    def execute(self, line: str) -> None:
        """Run one line: a ``\\command`` or a query. Mistakes are reported, never raised.

        ``help``, ``exit`` and ``quit`` alone on a line are the commands, as in other
        consoles (search the word with ``text:help``)."""
        line = line.strip()
        if not line:
            return
        line = BARE_COMMANDS.get(line.lower(), line)
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

    @property
    def color(self) -> bool:
        """Colour in what is shown: on a terminal, not into a file (``\\o``)."""
        return self.env.color and self.output_file is None

    def search(self, query: str, offset: int) -> None:
        """Search ``query`` and show the page of hits from ``offset``; ``\\next`` pages it."""
        self.like = None
        results = self.index.search(query, limit=self.limit, offset=offset, sort=self.sort, whole=self.whole,
                                    facets=self.facets)
        self.query, self.offset, self.results = query, offset, results
        self.show_results(results)

    def show_results(self, results: SearchResults) -> None:
        """Show a page of hits in the current format, with the query's warnings and "did you
        mean" above them (inside the pager too, so that nothing scrolls away)."""
        buffer = io.StringIO()
        for warning in results.warnings:
            buffer.write(f"warning: {printable(warning)}\n")
        if results.suggestion and self.format not in HUMAN_FORMATS:
            buffer.write(f"did you mean: {printable(results.suggestion)}\n")
        write_results(results, buffer, self.format, width=self.env.width, color=self.color)
        if self.format in HUMAN_FORMATS and results.total > results.offset + len(results):
            buffer.write("\\next for more\n")
        self.show(buffer.getvalue())

    def show(self, text: str) -> None:
        """Print ``text``: into the file of ``\\o`` when one is set, else on the screen,
        through the pager when it is taller than what stays visible above the prompt."""
        if self.output_file is not None:
            self.output_file.write(text)
            self.output_file.flush()
            self.env.info(f"({text.count(chr(10))} lines written to {self.output_name}; \\o alone writes to the "
                          "screen again)")
            return
        pager = self.config.pager.strip()
        if pager and self.env.stdout_isatty:
            size = os.get_terminal_size()
            if screen_rows(text, size.columns) > size.lines - RESERVED_ROWS:
                command = shlex.split(pager)
                if Path(command[0]).name == "less":
                    command.append("-Ps(q returns to the searchidx prompt)")
                try:
                    subprocess.run(command, input=text, text=True, check=False, env=pager_environment())
                    return
                except OSError:
                    pass  # no such pager: print instead
        self.env.stdout.write(text)
        self.env.stdout.flush()


def run_console(index: SearchIndex, env: Env) -> int:
    """Start the console on ``index`` with the user's config; returns the exit status."""
    config, config_problems = load_config()
    for problem in config_problems:
        env.warn(problem)
    return Repl(index, env, config).run()

