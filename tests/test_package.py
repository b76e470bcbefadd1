"""The package as a user installs it: a wheel built from the repo, installed into a fresh
virtual environment, run from a folder outside the repo. It catches what an editable install
hides: a module or data file (the seeds, the tables) missing from the wheel.

It builds a wheel (about half a minute), so it runs with ``pytest -m reliability``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.reliability


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh venv with searchidx installed from its wheel; the
    dependencies come from this environment (through a ``.pth`` file), not the network."""
    work = tmp_path_factory.mktemp("package")
    wheels = work / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stderr}")
    (wheel,) = wheels.glob("searchidx-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    ask = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run([str(bin_dir / "python"), "-c", ask], capture_output=True, text=True,
                             check=True).stdout.strip()
    # this environment's packages (Whoosh, spaCy and its model ...) without its searchidx
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
                   check=True, timeout=300)
    return bin_dir


def test_the_wheel_holds_the_seeds_and_searches_them_outside_the_repo(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("PYTHONPATH", None)
    where = subprocess.run([str(installed / "python"), "-c", "import searchidx; print(searchidx.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert str(installed.parent) in where  # the wheel's copy, not the repo's
    index = tmp_path / "index"
    built = subprocess.run([str(installed / "searchidx"), "index", "--index", str(index)],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    found = subprocess.run([str(installed / "searchidx"), "search", "person:gorgun", "--index", str(index),
                            "--format", "jsonl"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines() if line.strip()]
    assert hits and all("Gorgun" in json.dumps(hit) for hit in hits)
