"""What leaves the tool: untrusted text made harmless where it lands, and where it goes.

Spreadsheet formulas in exported cells are neutralised (CSV injection), the characters a
terminal would act on are escaped, and an export is opened as a file or, for `-`, standard
output (escaped when that is a terminal). Just above `model` and `errors`: exports, decision
files, PRISMA tables and the CLI all write through it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, TextIO, cast

from screener.errors import ScreenerError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with a single quote.

    Numbers stay numbers; a negative number written as text (`-3`) stays readable too.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in _FORMULA_START:
        if value[0] in "+-" and value[1:].replace(".", "", 1).isdigit():
            return value
        return "'" + value
    return value


# Every character a terminal may act on or reorder: the controls (C0 but tab and newline,
# DEL, C1), the format characters (bidi overrides and isolates, zero-width marks, ...) and the
# line and paragraph separators: Unicode categories Cc, Cf, Zl and Zp, the soft hyphen aside
# (tests/test_cli.py checks this class against `unicodedata`).
UNSAFE = (
    "\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2"
    "\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb"
    "\\U000110bd\\U000110cd\\U00013430-\\U00013438\\U0001bca0-\\U0001bca3\\U0001d173-\\U0001d17a"
    "\\U000e0001\\U000e0020-\\U000e007f"
)
UNSAFE_RE = re.compile(f"[{UNSAFE}]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def literal(text: str) -> str:
    """Make an untrusted string safe for a terminal: control, bidi and format characters
    escaped (`\\x9b`, `\\u202e`)."""
    return UNSAFE_RE.sub(lambda m: _escape(m.group(0)), text)


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
