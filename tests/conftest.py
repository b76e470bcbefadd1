"""Shared fixtures: small indexes built once per test session in temporary folders."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from searchidx import SearchIndex
from searchidx.cli import Env, main

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
