"""A short soak (bench/soak.py): the example web service under steady search load while
another process adds articles, for a minute: no errors, every answer a committed state,
searches a second steady, memory flat. The 10-minute run is ``python bench/soak.py``."""

from __future__ import annotations

import importlib.util
import io
import sys

import pytest
from conftest import ROOT


@pytest.mark.reliability
def test_the_web_service_holds_steady_under_search_load_while_articles_are_added():
    spec = importlib.util.spec_from_file_location("soak", ROOT / "bench" / "soak.py")
    assert spec and spec.loader
    soak = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = soak  # (its dataclasses look their module up)
    spec.loader.exec_module(soak)
    out = io.StringIO()
    result = soak.soak(None, seconds=60, threads=4, add_every=1.0, interval=10, out=out)
    assert result.problems() == [], out.getvalue()
    assert result.states > 20 and result.intervals[-1][2] >= 20, out.getvalue()  # articles were added meanwhile
