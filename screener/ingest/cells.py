"""Spreadsheet cells as text, and the one line that refuses a sheet too big to read (shared by
the `.xlsx` reader and the `.xls` child process)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from screener.ingest.text import clean


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return clean(str(value))


def sparse_cells(row: Sequence[Any], offset: int = 0) -> dict[int, str]:
    """The non-empty cells of a row, by column index (from 0)."""
    cells = {i + offset: _cell(v) for i, v in enumerate(row) if v is not None and v != ""}
    return {i: v for i, v in cells.items() if v}


def _column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def too_big_message(row: int, width: int, max_cells: int) -> str:
    return (
        f"the sheet's data reaches row {row:,} and column {_column_letter(width)} "
        f"({row * width:,} cells), more than the {max_cells:,} cells screener reads from a "
        "spreadsheet: delete what lies beyond the records, save the sheet as CSV, or raise "
        "[import] max_cells in config.toml"
    )
