"""Safety: paths are used as given and never run, the console never evaluates what is typed,
and indexing only reads the files it is given."""

from __future__ import annotations

import ast
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from searchidx import SearchIndex
from searchidx.cli import main
from searchidx.console import Repl
from searchidx.terminal import Env

PACKAGE = ROOT / "searchidx"
#: Names of files that the commands below would create if anything ran them in a shell or evaluated them.
CANARIES = ("pwned-dollar", "pwned-tick", "pwned-semicolon", "pwned-eval", "pwned-bang", "pwned-pipe")
HOSTILE_NAMES = [
    "$(touch pwned-dollar).txt",
    "`touch pwned-tick`.txt",
    "a; touch pwned-semicolon; b.txt",
    "x | touch pwned-pipe.txt",
    "it's \"quoted\" & 100%.txt",
    "--rebuild.txt",  # looks like an option
    "line\nbreak.txt",
]


def canaries_in(*folders: Path) -> list[Path]:
    return [folder / name for folder in folders for name in CANARIES if (folder / name).exists()]


def env() -> Env:
    return Env(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=False,
               stderr_isatty=False)


# -- the code itself ---------------------------------------------------------------------------

#: built-ins that evaluate code, and functions of ``os`` that run programs
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_METHODS = {"system", "popen", "spawnl", "spawnlp", "spawnv", "spawnvp", "execv", "execvp", "execl",
                     "execlp", "startfile", "posix_spawn"}
FORBIDDEN_MODULES = {"subprocess", "pty", "code", "codeop", "runpy"}
#: The console's pager is the one program searchidx runs: the user's configured pager (``less``),
#: without a shell, the text on its standard input.
ALLOWED = {("repl.py", "subprocess")}


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_the_package_never_runs_or_evaluates_anything(module: Path):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported = {alias.name.split(".")[0] for alias in node.names} - {m for f, m in ALLOWED if f == module.name}
            assert not imported & FORBIDDEN_MODULES, ast.dump(node)
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in FORBIDDEN_MODULES, ast.dump(node)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                name = node.func.attr
                assert name not in FORBIDDEN_METHODS, f"{module.name}:{node.lineno} calls {name}"
            else:
                name = getattr(node.func, "id", "")
                assert name not in FORBIDDEN_BUILTINS, f"{module.name}:{node.lineno} calls {name}"
            assert not any(k.arg == "shell" for k in node.keywords), f"{module.name}:{node.lineno} uses shell="
            if name in {"loads", "load"} and isinstance(node.func, ast.Attribute):
                assert getattr(node.func.value, "id", "") != "pickle", f"{module.name}:{node.lineno} unpickles"


# -- paths -----------------------------------------------------------------------------------------

@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A folder of articles whose names are shell commands, and a working folder to run in."""
    folder = tmp_path / "$(touch pwned-dollar)"
    folder.mkdir()
    for n, name in enumerate(HOSTILE_NAMES):
        (folder / name).write_text(f"Ferries sail from Lisbon to Tangier, report {n}.\n", encoding="utf-8")
    return folder


def test_hostile_file_names_are_indexed_as_names(hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    index = tmp_path / "`touch pwned-tick`; idx"
    assert main(["index", str(hostile), "--index", str(index), "-q"], env()) == 0
    with SearchIndex.open(index) as idx:
        articles = {hit.article for hit in idx.search("ferries", limit=None)}
    assert articles == {Path(name).stem for name in HOSTILE_NAMES}
    assert canaries_in(tmp_path, hostile, Path.cwd()) == []


def test_hostile_paths_in_a_real_shell_free_process(hostile: Path, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    index = tmp_path / "index $(touch pwned-dollar)"
    done = subprocess.run([sys.executable, "-m", "searchidx", "index", str(hostile / HOSTILE_NAMES[0]),
                           str(hostile / HOSTILE_NAMES[2]), "--index", str(index), "-q"], cwd=work,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = subprocess.run([sys.executable, "-m", "searchidx", "search", "ferries", "--index", str(index),
                            "-f", "jsonl"], cwd=work, capture_output=True, text=True, timeout=60)
    assert found.returncode == 0 and found.stdout.count("\n") == 2
    assert canaries_in(work, tmp_path, hostile) == []


# -- the console -------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "__import__('os').system('touch pwned-eval')",
    "!touch pwned-bang",
    "\\! touch pwned-bang",
    "$(touch pwned-dollar)",
    "`touch pwned-tick`",
    "; touch pwned-semicolon",
    "\\index $(touch pwned-dollar) `touch pwned-tick`",
    "\\open $(touch pwned-dollar)",
    "\\export x | touch pwned-pipe",
])
def test_the_console_never_evaluates_input(seed_index_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           line: str):
    monkeypatch.chdir(tmp_path)
    console = Env(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), stdin_isatty=True,
                  stdout_isatty=False, stderr_isatty=False)
    with create_pipe_input() as pipe, SearchIndex.open(seed_index_path) as idx:
        pipe.send_text(line + "\r\\quit\r")
        assert Repl(idx, console, history_path=tmp_path / "history", input=pipe, output=DummyOutput()).run() == 0
    assert canaries_in(tmp_path) == []
    assert "Traceback" not in console.stderr.getvalue()


# -- files are only read ---------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every entry under ``folder`` with its mode, size, modification time and content digest."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        found[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return found


def test_indexing_only_reads_the_files_it_is_given(tmp_path: Path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "seed.txt").write_bytes(next(SEEDS.glob("*.txt")).read_bytes())
    (source / "latin1.txt").write_bytes("Café in São Paulo, said Müller.".encode("latin-1"))
    (source / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (source / "empty.md").write_bytes(b"")
    (source / "broken.jsonl").write_bytes(b'{"id": "j1", "text": "Ships in Porto."}\n{not json\n')
    (source / "sub").mkdir()
    (source / "sub" / "link.txt").symlink_to(source / "seed.txt")
    before = snapshot(source)
    index = tmp_path / "index"
    for args in (["index", str(source)], ["index", str(source)], ["index", str(source), "--rebuild"]):
        assert main([*args, "--index", str(index), "-q"], env()) == 0
    with SearchIndex.open(index) as idx:
        idx.export(tmp_path / "export")
        assert idx.search("porto").total == 1
    assert snapshot(source) == before

