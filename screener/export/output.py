"""Where an export goes: a file, or standard output for `-` (so it can be piped)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TextIO, cast

from screener.errors import ScreenerError
from screener.export.safe import literal


def to_stdout(path: Path) -> bool:
    return str(path) == "-"


class _Terminal:
    """Standard output when it is a terminal: what an imported string holds that the
    terminal would act on (escape sequences, bidi overrides) is shown escaped. A pipe or a
    file gets the exact text."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(literal(text.replace("\r\n", "\n")))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()


def opened(path: Path) -> AbstractContextManager[TextIO]:
    """The file to write (UTF-8, newlines as written), or standard output for `-`.

    Raises `ScreenerError` (one line) when the file cannot be created."""
    if to_stdout(path):
        stdout = sys.stdout
        if stdout.isatty():
            return nullcontext(cast(TextIO, _Terminal(stdout)))
        return nullcontext(stdout)
    try:
        return path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise ScreenerError(f"{path}: cannot write: {exc.strerror or exc}") from exc
