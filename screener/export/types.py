"""A publication type (free text, as databases write it) matched to an export format's type."""

from __future__ import annotations

import re
from collections.abc import Sequence


def type_by_words(
    publication_type: str, table: Sequence[tuple[Sequence[str], str]], default: str
) -> str:
    """The type of the first row of `table` ((words, type), ...) one of whose words (or its
    plural) is a word of `publication_type`; `default` when none is."""
    words = " " + " ".join(re.findall(r"[a-z0-9]+", publication_type.lower())) + " "
    for names, kind in table:
        if any(f" {name} " in words or f" {name}s " in words for name in names):
            return kind
    return default
