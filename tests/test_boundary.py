"""The domain core must never import textual: only `screener.tui` may."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import screener


def test_core_imports_no_textual() -> None:
    modules = [
        m.name
        for m in pkgutil.walk_packages(screener.__path__, "screener.")
        if not m.name.startswith(("screener.tui", "screener.cli.tui", "screener.__main__"))
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert len(modules) > 15
    assert result.stdout.strip() == "0", result.stdout
