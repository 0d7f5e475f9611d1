"""The shape of the code: layers that hold, no import cycles, modules that fit in a head.

The layer contract itself is in pyproject.toml (`[tool.importlinter]`) and is checked by
`lint-imports`; these tests run it and add what import-linter does not say on its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "screener"
MAX_LINES = 400


def import_cycles() -> list[list[str]]:
    """Every set of screener modules that import each other in a ring (Tarjan's SCCs),
    counting every import: module level, in functions and under TYPE_CHECKING."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("screener", cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative: the graph is deep enough to matter
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                ring = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    ring.append(member)
                    if member == node:
                        break
                if len(ring) > 1:
                    found.append(sorted(ring))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_in_screener() -> None:
    cycles = import_cycles()
    assert cycles == [], "modules that import each other:\n" + "\n".join(
        " <-> ".join(ring) for ring in cycles
    )


def test_the_cycle_finder_finds_a_ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The finder can fail: two modules importing each other are reported."""
    grimp = pytest.importorskip("grimp")
    pkg = tmp_path / "ringpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from ringpkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from ringpkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    real = grimp.build_graph
    monkeypatch.setattr(grimp, "build_graph", lambda _name, **kw: real("ringpkg", **kw))
    assert import_cycles() == [["ringpkg.a", "ringpkg.b"]]


def test_no_module_over_400_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    offenders = {path: n for path, n in sizes.items() if n > MAX_LINES}
    assert offenders == {}, f"modules over {MAX_LINES} lines: {offenders}"
    assert len(sizes) > 50  # the walk found the package


def test_the_layer_contract_holds() -> None:
    """`lint-imports` with the contracts in pyproject.toml (as CI runs it)."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run(
        [exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" in done.stdout and " 0 broken" in done.stdout, done.stdout
