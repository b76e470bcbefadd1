"""The console's settings file, layered: built-in defaults, then the config
file (``config.toml`` in the user's config folder, or ``$SEARCHIDX_CONFIG``).

A broken config file never stops the console: each bad setting is reported once and
its default is kept.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ..formatters import FORMATS
from ..settings import console_config_path

#: Colours of the console, as prompt-toolkit style strings; the config's [colors] overrides them.
DEFAULT_COLORS: dict[str, str] = {
    "field": "ansicyan bold",
    "operator": "ansimagenta bold",
    "phrase": "ansigreen",
    "range": "ansiyellow",
    "paren": "ansiblue bold",
    "error": "bg:ansired ansiwhite",
    "command": "ansiblue bold",
    "prompt": "bold",
    "bottom-toolbar": "bg:#222222 #aaaaaa noreverse",
    "bottom-toolbar.warning": "bg:#222222 ansired bold noreverse",
    "completion-menu.completion.current": "bg:ansicyan ansiblack",
}

EXAMPLE = """\
# searchidx console settings (every key is optional)
limit = 10              # hits per page
format = "table"        # table, vertical, json, jsonl or csv
key_bindings = "emacs"  # or "vi"
pager = "less -RFX"     # used only when results do not fit the screen; "" turns it off

[colors]                # prompt-toolkit styles
field = "ansicyan bold"
error = "bg:ansired ansiwhite"
"""


@dataclass(frozen=True)
class Config:
    """The console's settings."""

    limit: int = 10
    format: str = "table"
    key_bindings: str = "emacs"
    pager: str = "less -RFX"
    colors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLORS))


def load_config(path: Path | None = None) -> tuple[Config, list[str]]:
    """The settings from ``path`` (default: :func:`~searchidx.settings.console_config_path`) over the defaults, and a
    list of problems found in the file (empty when it is fine or absent)."""
    path = path or console_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config(), []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Config(), [f"{path}: ignored, cannot read it ({error})"]
    config, problems = Config(), []
    known = {f.name for f in fields(Config)}
    for key, value in data.items():
        if key not in known:
            problems.append(f"{path}: unknown setting {key!r} ignored")
            continue
        problem = _check(key, value)
        if problem:
            problems.append(f"{path}: {key}: {problem}; the default is kept")
        elif key == "colors":
            config = replace(config, colors={**DEFAULT_COLORS, **{str(k): str(v) for k, v in value.items()}})
        else:
            config = replace(config, **{key: value})
    return config, problems


def _check(key: str, value: object) -> str | None:
    if key == "limit" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return "must be a whole number, 1 or more"
    if key == "format" and value not in FORMATS["results"]:
        return f"must be one of {', '.join(FORMATS['results'])}"
    if key == "key_bindings" and value not in ("emacs", "vi"):
        return 'must be "emacs" or "vi"'
    if key == "pager" and not isinstance(value, str):
        return "must be a command (a string)"
    if key == "colors" and not isinstance(value, dict):
        return "must be a table of style strings"
    return None
