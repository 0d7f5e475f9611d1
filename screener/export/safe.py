"""Neutralise spreadsheet formulas in exported cells (CSV injection)."""

from __future__ import annotations

from typing import Any

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
