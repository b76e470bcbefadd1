"""The interactive search console (``searchidx``, ``searchidx repl``), on prompt-toolkit.

- :mod:`.repl`: the session: the prompt loop, piped input, the pager and the toolbar;
- :mod:`.commands`: the backslash commands;
- :mod:`.completion`: completion of fields, names, operators and commands;
- :mod:`.lexer`: colours as a query is typed;
- :mod:`.config`: the console's settings file.
"""

from __future__ import annotations

from .repl import Repl, run_console

__all__ = ["Repl", "run_console"]
