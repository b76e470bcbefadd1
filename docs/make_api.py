"""Write docs/api.md, the Python API reference, from the docstrings of ``searchidx.__all__``.

Run ``python docs/make_api.py`` after changing a public name or its docstring;
``tests/test_api_docs.py`` fails while docs/api.md is out of date or a public name has no
docstring.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import searchidx

OUT = Path(__file__).resolve().parent / "api.md"

HEADER = """# Python API reference

Everything below is exported from `searchidx` (`from searchidx import SearchIndex`). It is
generated from the docstrings by `python docs/make_api.py`; a test fails when it is out of
date or a public name is undocumented. The README's "Use it from Python" section shows the
API at work, and `examples/server.py` is a small web service built on it.
"""


def public_names() -> list[str]:
    """The exported names, classes and functions first, then exceptions, then constants."""

    def order(name: str) -> tuple[int, int, str]:
        obj = getattr(searchidx, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return 2, 0, name
        if isinstance(obj, type) or callable(obj):
            return (0 if name in ("SearchIndex", "IndexWriter", "SearchResults") else 1,
                    ["SearchIndex", "IndexWriter", "SearchResults"].index(name)
                    if name in ("SearchIndex", "IndexWriter", "SearchResults") else 0, name)
        return 3, 0, name

    return sorted(searchidx.__all__, key=order)


def members(cls: type) -> Iterator[tuple[str, Any]]:
    """The public methods and properties a class defines itself, in source order."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (classmethod, staticmethod, property)) or inspect.isfunction(value):
            yield name, value


def undocumented() -> list[str]:
    """Public names, methods and properties without a docstring."""
    missing = []
    for name in searchidx.__all__:
        obj = getattr(searchidx, name)
        if not (callable(obj) or isinstance(obj, type)):
            if not constant_comment(name):
                missing.append(name)
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if isinstance(obj, type):
            for member, value in members(obj):
                target = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
                if not (getattr(target, "__doc__", None) or "").strip():
                    missing.append(f"{name}.{member}")
    return missing


def constant_comment(name: str) -> str:
    """The ``#:`` comment above a module constant's assignment, where the constant is defined."""
    for module in (sys.modules[m] for m in list(sys.modules) if m.startswith("searchidx")):
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            continue
        match = re.search(rf"((?:^#:.*\n)+)^{name}\b", source, re.MULTILINE)
        if match:
            return " ".join(line[2:].strip() for line in match.group(1).splitlines())
    return ""


def annotation(text: Any) -> str:
    return text if isinstance(text, str) else inspect.formatannotation(text)


def signature(function: Any, skip_self: bool) -> str:
    """``(a: int, *, b: str = 'x') -> T`` with the annotations as written in the source."""
    sig = inspect.signature(function)
    parts = []
    star_done = False
    for index, param in enumerate(sig.parameters.values()):
        if skip_self and index == 0:
            continue
        if param.kind is param.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if param.kind is param.VAR_POSITIONAL:
            star_done = True
        text = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "") + param.name
        if param.annotation is not param.empty:
            text += f": {annotation(param.annotation)}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        parts.append(text)
    result = f"({', '.join(parts)})"
    if sig.return_annotation is not sig.empty:
        result += f" -> {annotation(sig.return_annotation)}"
    return result


def doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def document_class(name: str, cls: type) -> list[str]:
    if issubclass(cls, BaseException):
        base = cls.__mro__[1].__name__
        return [f"### `{name}({base})`", "", doc(cls), ""]
    lines = [f"## `{name}`", "", doc(cls), ""]
    if dataclasses.is_dataclass(cls):
        lines += ["| field | type | default |", "|---|---|---|"]
        for item in dataclasses.fields(cls):
            default = ""
            if item.default is not dataclasses.MISSING:
                default = repr(item.default)
            elif item.default_factory is not dataclasses.MISSING:
                default = repr(item.default_factory())
            lines.append(f"| `{item.name}` | `{annotation(item.type)}` | {f'`{default}`' if default else ''} |")
        lines.append("")
    for member, value in members(cls):
        if isinstance(value, property):
            lines += [f"### `{name}.{member}` (property)", "", doc(value), ""]
            continue
        kind = "classmethod" if isinstance(value, classmethod) else "staticmethod" if isinstance(
            value, staticmethod) else ""
        function = value.__func__ if kind else value
        heading = f"### `{name}.{member}{signature(function, skip_self=kind != 'staticmethod')}`"
        lines += [heading + (f" ({kind})" if kind else ""), "", doc(function), ""]
    return lines


def render() -> str:
    """docs/api.md's text."""
    lines = [HEADER]
    errors_started = constants_started = False
    for name in public_names():
        obj = getattr(searchidx, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            if not errors_started:
                lines += ["## Errors", "", doc(sys.modules["searchidx.errors"]), ""]
                errors_started = True
            lines += document_class(name, obj)
        elif isinstance(obj, type):
            lines += document_class(name, obj)
        elif callable(obj):
            lines += [f"## `{name}{signature(obj, skip_self=False)}`", "", doc(obj), ""]
        else:
            if not constants_started:
                lines += ["## Constants", ""]
                constants_started = True
            lines += [f"### `{name} = {obj!r}`", "", constant_comment(name), ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    missing = undocumented()
    if missing:
        print(f"undocumented public names: {', '.join(missing)}", file=sys.stderr)
        return 1
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
