"""The frictions of issue 17 on the real BBC corpus, as the user met them (``pytest -m corpus``):
misspelt names, a wrongly widening alias, facets of the fallback, a joined query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from searchidx import SearchIndex

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def bbc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import SHARED

    if not (SHARED / "corpus" / "bbc").is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    path = tmp_path_factory.mktemp("bbc")
    with SearchIndex.create(path) as idx:
        idx.add_paths([SHARED / "corpus" / "bbc"])
    return path


def test_misspelt_names_get_the_nearest_names(bbc: Path):
    code, out, _ = run_cli("search", 'person:"arsene wengr"', "--index", str(bbc))
    assert code == 0 and out.startswith('did you mean: person:"Arsene Wenger"\n')
    _, out, _ = run_cli("search", 'person:"jose mourino"', "--index", str(bbc))
    assert out.startswith('did you mean: person:"Jose Mourinho"\n')
    code, _, err = run_cli("entity", "person:Tony Blare", "--index", str(bbc))
    assert code == 1 and "did you mean Tony Blair" in err
    _, out, _ = run_cli("search", "roman", "abramovitch", "--index", str(bbc))
    assert out.startswith("did you mean: roman abramovich\n")


def test_united_states_does_not_widen_to_latin_america(bbc: Path):
    _, out, _ = run_cli("search", 'place:"united states" place:"latin america"', "--index", str(bbc), "-n", "50",
                        "-f", "json")
    hits = json.loads(out)["hits"]
    assert all("United States" in hit["entities"]["place"] for hit in hits)


def test_facets_of_a_relaxed_query_count_only_real_matches(bbc: Path):
    _, out, _ = run_cli("search", "tuition fees universities", "--facets", "6", "-f", "json", "--index", str(bbc))
    names = {value["name"] for values in json.loads(out)["facets"].values() for value in values}
    assert not names & {"Vivendi Universal", "Paramount", "Toshiba"}
