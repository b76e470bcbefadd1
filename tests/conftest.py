"""Shared fixtures: small indexes built once per test session in temporary folders."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from searchidx import SearchIndex
from searchidx.cli import Env, main
from searchidx.workers import single_threaded_blas

single_threaded_blas()  # as `searchidx index` does, before numpy loads: no BLAS pool, so workers are forked

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_ID = "000_e51cdd4034850a5f"
SHARED = Path(os.environ.get("SEARCHIDX_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def seed_index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the bundled seed article (built once; tests must not write to it)."""
    path = tmp_path_factory.mktemp("seed-index")
    with SearchIndex.create(path) as idx:
        idx.add_paths([SEEDS])
    return path


@pytest.fixture
def seed_index(seed_index_path: Path):
    with SearchIndex.open(seed_index_path) as idx:
        yield idx


@pytest.fixture
def own_gazetteer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A function that makes its text the user's own gazetteer ($SEARCHIDX_GAZETTEER) and
    has the gazetteer read again; the bundled one alone again after the test."""
    from searchidx.ner import gazetteer

    path = tmp_path / "own-gazetteer.tsv"

    def write(text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("SEARCHIDX_GAZETTEER", str(path))
        gazetteer.forget()
        return path

    yield write
    monkeypatch.delenv("SEARCHIDX_GAZETTEER", raising=False)
    gazetteer.forget()


@pytest.fixture
def shared() -> Path:
    """The shared data folder; tests that need it skip when it is absent."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


def run_cli(*argv: str, tty: bool = False) -> tuple[int, str, str]:
    """Run the ``searchidx`` command in-process; its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    env = Env(stdin=io.StringIO(), stdout=out, stderr=err, stdout_isatty=tty, stderr_isatty=False)
    code = main(list(argv), env)
    return code, out.getvalue(), err.getvalue()


#: Hostile strings that the web tests put in articles, names and ids (tests/test_web*.py).
HOSTILE_NAME = '"><script>alert(1)</script>'
HOSTILE_LINK = "javascript:alert(2)"
HOSTILE_ID = "evil/\"<x onmouseover=alert(3)>'&?#1"
HOSTILE_TITLE = '<script>alert("title")</script> & "quotes" \'apos\''


@pytest.fixture(scope="session")
def web_index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the invented dated news in fixtures/web, the seed article, and one hostile
    article whose title, text, id and entity names try to break out of HTML (built once;
    tests must not write to it)."""
    from searchidx import Article, Entity

    path = tmp_path_factory.mktemp("web-index")
    with SearchIndex.create(path) as idx:
        idx.add_paths([FIXTURES / "web" / "news.jsonl", SEEDS])
        first = f"Reporter {HOSTILE_NAME} met {HOSTILE_LINK} near the harbour."
        second = 'Then <img src=x onerror=alert(4)> and "><svg onload=alert(5)> were seen at the harbour.'
        mentions = [[Entity(HOSTILE_NAME, "person", first.index(HOSTILE_NAME),
                            first.index(HOSTILE_NAME) + len(HOSTILE_NAME), HOSTILE_NAME),
                     Entity(HOSTILE_LINK, "org", first.index(HOSTILE_LINK),
                            first.index(HOSTILE_LINK) + len(HOSTILE_LINK), HOSTILE_LINK)], []]
        with idx.writer() as writer:
            writer.put(Article(HOSTILE_ID, (first, second), title=HOSTILE_TITLE, date="2024-03-05"), "hostile",
                       mentions, replacing=False)
    return path
