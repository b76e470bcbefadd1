"""The console end to end in a real pseudo-terminal (pexpect): prompt, Tab completion,
highlighted results, first-use index build, Ctrl-D."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")


def spawn(args: list[str], cwd: Path, tmp_path: Path, extra_env: dict[str, str] | None = None):
    env = {k: v for k, v in os.environ.items() if k != "SEARCHIDX_INDEX"}
    env.update({"TERM": "xterm-256color", "SEARCHIDX_DATA_DIR": str(tmp_path / "data"),
                "SEARCHIDX_CONFIG": str(tmp_path / "no-config.toml"), "PAGER": "cat"})
    env.update(extra_env or {})
    child = pexpect.spawn(sys.executable, ["-m", "searchidx", *args], cwd=str(cwd), env=env,
                          encoding="utf-8", dimensions=(40, 120), timeout=30)
    return child


def test_tab_completes_an_entity_name_and_results_are_highlighted(seed_index_path: Path, tmp_path: Path):
    child = spawn(["repl", "--index", str(seed_index_path)], tmp_path, tmp_path)
    child.expect_exact("searchidx>")
    child.send("person:yun")
    child.expect_exact("Muhammad Yunus")  # the completion menu, while typing
    child.send("\t")  # take the first offer
    child.send("\r")
    child.expect(r"\d+ paragraphs? \(\d+ ms\)")
    assert "\x1b[1;33mYunus\x1b[0m" in child.before  # the match, in colour on a terminal
    child.expect_exact("searchidx>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_first_run_builds_the_default_index_from_seeds(tmp_path: Path):
    child = spawn([], tmp_path, tmp_path)
    child.expect_exact("building it from")
    child.expect_exact("searchidx>", timeout=120)
    child.send("place:dhaka\r")
    child.expect_exact("1 paragraph (")
    child.send("\\quit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "index" / "searchidx.json").is_file()


def test_keys_typed_while_the_pager_is_open_save_no_file(seed_index_path: Path, tmp_path: Path):
    # the default pager, less, on a small screen: "chelsea" typed into it once saved a file "ea"
    child = spawn(["repl", "--index", str(seed_index_path)], tmp_path, tmp_path)
    child.setwinsize(20, 80)
    child.expect_exact("searchidx>")
    child.send("defence\r")
    child.expect(r"q returns to the searchidx prompt|\n\x1b\[7m:|\n:")  # less is open, waiting for keys
    child.send("chelsea\r")
    for _ in range(4):  # whatever less made of it ("h" opens its help), leave it
        child.send("q")
        if child.expect_exact(["searchidx>", pexpect.TIMEOUT], timeout=3) == 0:
            break
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_output_taller_than_the_room_above_the_prompt_is_paged(seed_index_path: Path, tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(f'pager = "tee {tmp_path / "paged.txt"}"\nlimit = 8\n', encoding="utf-8")
    child = spawn(["repl", "--index", str(seed_index_path)], tmp_path, tmp_path, {"SEARCHIDX_CONFIG": str(config)})
    child.setwinsize(45, 150)
    child.expect_exact("searchidx>")
    child.send("defence\r")
    child.expect_exact("8 of 10 paragraphs")
    child.expect_exact("searchidx>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    paged = (tmp_path / "paged.txt").read_text(encoding="utf-8")
    assert 34 < paged.count("\n") <= 43  # fits the screen, not the room the prompt leaves
    assert "8 of 10 paragraphs" in paged


def test_ctrl_r_runs_the_line_found_with_one_enter(seed_index_path: Path, tmp_path: Path):
    child = spawn(["repl", "--index", str(seed_index_path)], tmp_path, tmp_path)
    child.expect_exact("searchidx>")
    child.send("place:dhaka\r")
    child.expect_exact("1 paragraph (")
    child.expect_exact("searchidx>")
    child.send("person:zaman\r")
    child.expect_exact("2 paragraphs (")
    child.expect_exact("searchidx>")
    child.sendcontrol("r")
    child.send("dhak")
    child.send("\r")
    child.expect_exact("1 paragraph (", timeout=10)
    child.expect_exact("searchidx>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
