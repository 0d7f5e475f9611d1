"""Where an export goes: a file, or standard output for `-` (so it can be piped)."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TextIO


def to_stdout(path: Path) -> bool:
    return str(path) == "-"


def opened(path: Path) -> AbstractContextManager[TextIO]:
    """The file to write (UTF-8, newlines as written), or standard output for `-`."""
    if to_stdout(path):
        return nullcontext(sys.stdout)
    return path.open("w", newline="", encoding="utf-8")
