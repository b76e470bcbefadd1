"""The terminal a front runs in: its streams, whether they are terminals, messages to the
user and a progress bar.

Tests replace :class:`Env` with one over string buffers; nothing in the CLI or the
REPL reads ``sys.stdout`` or calls ``isatty`` directly.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from typing import TextIO

from .settings import color_refused


@dataclass
class Env:
    """The streams and terminal facts the command runs with (tests pass their own)."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None

    def __post_init__(self) -> None:
        def isatty(stream: TextIO) -> bool:
            try:
                return stream.isatty()
            except (AttributeError, ValueError):
                return False

        if self.stdin_isatty is None:
            self.stdin_isatty = isatty(self.stdin)
        if self.stdout_isatty is None:
            self.stdout_isatty = isatty(self.stdout)
        if self.stderr_isatty is None:
            self.stderr_isatty = isatty(self.stderr)

    @property
    def color(self) -> bool:
        """Colour on standard output: only on a terminal, and never with ``NO_COLOR`` set."""
        return bool(self.stdout_isatty) and not color_refused()

    @property
    def width(self) -> int:
        return shutil.get_terminal_size((100, 24)).columns if self.stdout_isatty else 100

    def error(self, message: str) -> None:
        self.stderr.write(f"searchidx: error: {printable(message)}\n")

    def warn(self, message: str) -> None:
        self.stderr.write(f"searchidx: warning: {printable(message)}\n")

    def info(self, message: str) -> None:
        self.stderr.write("\n".join(printable(line) for line in message.split("\n")) + "\n")


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped (``\\r``, ``\\x00``),
    so that a message that quotes a query stays one line of plain text."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ProgressBar:
    """A progress bar on a terminal's stderr (tqdm), with warnings printed above it.

    Off a terminal (or when disabled) it shows nothing and warnings are plain lines.
    """

    def __init__(self, env: Env, enabled: bool = True) -> None:
        self.env = env
        self.bar = None
        if enabled and env.stderr_isatty:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: one would slow the model and stop workers being forked
            self.bar = tqdm(total=None, unit=" articles", file=env.stderr, dynamic_ncols=True, leave=False)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, done: int, total: int | None) -> None:
        """Show ``done`` of ``total`` articles."""
        if self.bar is not None:
            if total is not None and self.bar.total != total:
                self.bar.total = total
            self.bar.n = done
            self.bar.refresh()

    def warn(self, message: str) -> None:
        """Print a warning without breaking the bar."""
        if self.bar is not None:
            self.bar.write(f"searchidx: warning: {printable(message)}", file=self.env.stderr)
        else:
            self.env.warn(message)
