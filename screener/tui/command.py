"""The shell command that starts the app for one browser connection (`screener serve`).

Shared by the CLI and the web server; it imports nothing heavy (no textual, no aiohttp).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path


def app_command(config: Path, reviewer: str | None) -> str:
    """The shell command textual-serve runs per browser connection (no token in it)."""
    parts = [sys.executable, "-m", "screener", "--config", str(config), "app"]
    if reviewer:
        parts += ["--reviewer", reviewer]
    return " ".join(shlex.quote(p) for p in parts)
