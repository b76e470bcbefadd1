"""Whoosh imported without urllib.request and asyncio (searchidx.engine.lean), spaCy without
its command line (searchidx.ner.lean): each test runs in a new interpreter, where nothing
has imported them yet."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_whoosh_is_imported_without_them_and_they_stay_importable():
    out = run("""
        import sys
        import searchidx.engine, whoosh.reading, whoosh.compat
        print(sorted(m for m in ("urllib.request", "asyncio", "http.client", "email") if m in sys.modules))
        import asyncio, urllib.request
        print("__file__" in vars(asyncio), urllib.request.Request.__name__, asyncio.run.__name__)
    """)
    assert out.splitlines() == ["[]", "True Request run"]


def test_what_whoosh_asks_of_a_stand_in_comes_from_the_real_module(tmp_path: Path):
    source = tmp_path / "source.txt"
    source.write_text("fetched")
    out = run(f"""
        import sys
        import searchidx.engine
        import whoosh.compat
        from cached_property import cached_property  # (whoosh.reading's: it asked asyncio)

        class Record:
            @cached_property
            def plain(self):
                return 1

            @cached_property
            async def later(self):
                return 2

        record = Record()
        print(record.plain, "asyncio" in sys.modules)
        whoosh.compat.urlretrieve({source.as_uri()!r}, {str(tmp_path / "copy.txt")!r})
        print(open({str(tmp_path / "copy.txt")!r}).read(), "__file__" in vars(sys.modules["urllib.request"]))

        async def main():
            return await record.later
        import asyncio
        print(asyncio.run(main()))
    """)
    assert out.splitlines() == ["1 False", "fetched True", "2"]


def test_nothing_stands_in_for_a_module_imported_before():
    out = run("""
        import sys, urllib.request, asyncio
        real = sys.modules["urllib.request"], sys.modules["asyncio"]
        import searchidx.engine, whoosh.compat, cached_property
        print(whoosh.compat.urlretrieve is urllib.request.urlretrieve, cached_property.asyncio is asyncio,
              (sys.modules["urllib.request"], sys.modules["asyncio"]) == real)
    """)
    assert out == "True True True"


def test_spacy_is_imported_without_its_command_line_which_stays_importable():
    out = run("""
        import sys
        import searchidx.ner.model
        print(sorted(m for m in ("spacy.cli", "spacy.cli.info", "typer", "weasel", "requests") if m in sys.modules))
        import spacy
        print("spacy_version" in spacy.info(), "__file__" in vars(sys.modules["spacy.cli.info"]))
        import spacy.cli
        print(callable(spacy.cli.setup_cli))
    """)
    assert out.splitlines() == ["[]", "True True", "True"]


def test_a_spacy_imported_before_is_left_as_it_is():
    out = run("""
        import sys, spacy
        info = spacy.info
        import searchidx.ner.model
        print(spacy.info is info is sys.modules["spacy.cli.info"].info)
    """)
    assert out == "True"
