"""Turning records into feature matrices, once per data set.

The unsupervised part of every ranker (the TF-IDF vocabulary and weights) is fitted
once on all records of a data set; the supervised part is then retrained on the
labelled rows only.  `Features` is the row-indexable bundle that passes between the
two, so that retraining never touches text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from screener.model import Record

__all__ = ["Document", "Features", "TextFields", "compose_text", "text_fields"]

Document = Record | str | Mapping[str, Any]
"""What rankers accept as a record: a `Record`, a plain string (taken as the
abstract), or a mapping with `title`, `abstract` and optionally `keywords`."""


@dataclass(frozen=True, slots=True)
class TextFields:
    """The text of one record that the rankers read."""

    title: str = ""
    abstract: str = ""
    keywords: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.title.strip() or self.abstract.strip() or any(k.strip() for k in self.keywords)
        )


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    return str(value)


def _keywords(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = value.replace(",", ";").split(";")
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, Iterable):
        return tuple(_clean(v).strip() for v in value if _clean(v).strip())
    return ()


def text_fields(doc: Document) -> TextFields:
    """The title, abstract and keywords of a `Record`, mapping or plain string."""
    if isinstance(doc, Record):
        return TextFields(doc.title or "", doc.abstract or "", _keywords(doc.keywords))
    if isinstance(doc, str):
        return TextFields("", doc, ())
    if isinstance(doc, Mapping):
        return TextFields(
            _clean(doc.get("title")),
            _clean(doc.get("abstract")),
            _keywords(doc.get("keywords")),
        )
    raise TypeError(f"cannot read text from {type(doc).__name__}")


def compose_text(fields: TextFields, *, title_weight: int = 1, keywords: bool = True) -> str:
    """One string for a bag-of-words vectoriser.

    The title is repeated `title_weight` times (with sublinear term frequency a
    repeated title word weighs 1 + ln(title_weight) times a single mention); the
    keywords are appended once when `keywords` is true.
    """
    parts = [fields.title] * max(0, int(title_weight))
    parts.append(fields.abstract)
    if keywords and fields.keywords:
        parts.append(" ; ".join(fields.keywords))
    return " \n ".join(p for p in parts if p)


# A scipy CSR matrix or a dense array with one row per record (scipy is untyped here).
Matrix = Any


@dataclass(slots=True)
class Features:
    """Feature blocks for a set of records, indexable by row like an array.

    `blocks` maps a block name (for example ``"word"``) to a matrix with one row per
    record; `empty` marks records that have no text at all (no title, abstract or
    keywords), which no text model can rank.
    """

    blocks: dict[str, Matrix]
    empty: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        n = {m.shape[0] for m in self.blocks.values()}
        if len(n) > 1:
            raise ValueError(f"feature blocks disagree on the number of rows: {sorted(n)}")
        rows = n.pop() if n else 0
        if self.empty.size == 0 and rows:
            self.empty = np.zeros(rows, dtype=bool)
        if self.empty.shape != (rows,):
            raise ValueError("`empty` must have one entry per row")

    def __len__(self) -> int:
        return int(self.empty.shape[0])

    def __getitem__(self, rows: Sequence[int] | npt.NDArray[np.integer[Any]] | slice) -> Features:
        index: Any = rows if isinstance(rows, slice) else np.asarray(rows, dtype=np.intp)
        return Features({k: m[index] for k, m in self.blocks.items()}, self.empty[index])

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={m.shape}" for k, m in self.blocks.items())
        return f"Features({len(self)} rows: {shapes})"
