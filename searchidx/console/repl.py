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

from ..errors import QueryError, SearchidxError
from ..formatters import write_results
from ..index import SearchIndex
from ..models import SearchResults
from ..settings import data_dir
from ..syntax import problems
from ..terminal import Env, printable
from .commands import COMMANDS, ExitRepl, unique_commands
from .completion import Catalog, CatalogRefresher, QueryCompleter
from .config import Config, load_config
from .lexer import QueryLexer

PROMPT = "searchidx> "


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


def run_console(index: SearchIndex, env: Env) -> int:
    """Start the console on ``index`` with the user's config; returns the exit status."""
    config, config_problems = load_config()
    for problem in config_problems:
        env.warn(problem)
    return Repl(index, env, config).run()

