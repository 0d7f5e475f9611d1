"""Untrusted strings (record fields, notes, file names) → Textual Content, never markup.

Every string from a record goes through `plain()`: control and bidi characters are shown
escaped (`\\x1b`), and the result is a `Content` object, so `[bold]` or `[link=...]` in a
title is text, not markup, and an escape sequence is text, not a terminal command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.content import Content, Span

from screener.outgoing import literal

INCLUDE_STYLE = "bold $text-success on $success-muted"
EXCLUDE_STYLE = "bold $text-error on $error-muted"
KIND_STYLE = {"include": INCLUDE_STYLE, "exclude": EXCLUDE_STYLE}


def safe(text: object) -> str:
    """The string, with control and bidi characters escaped."""
    return literal("" if text is None else str(text))


def plain(text: object, style: str = "") -> Content:
    """Literal content: no markup parsing, no control codes."""
    content = Content(safe(text))
    return content.stylize(style) if style and content.plain else content


def highlighted(text: object, spans: Sequence[tuple[int, int, str]], style: str = "") -> Content:
    """Literal content with (start, end, kind) spans of highlight terms styled.

    Offsets index the escaped text (`safe(text)`), which is what the rules should see.
    """
    shown = safe(text)
    base = [Span(0, len(shown), style)] if style and shown else []
    marks = [Span(s, e, KIND_STYLE.get(kind, INCLUDE_STYLE)) for s, e, kind in spans if s < e]
    return Content(shown, base + marks)


def join(parts: Sequence[Any], end: str = "") -> Content:
    """Assemble literal pieces: (text, style) tuples and Content; bare str are literal."""
    out: list[Content] = []
    for part in parts:
        if isinstance(part, Content):
            out.append(part)
        elif isinstance(part, tuple):
            out.append(plain(part[0], part[1]))
        else:
            out.append(plain(part))
    return Content("").join(out) + end if out else Content(end)


def show(widget: Any, content: Content | str) -> None:
    """`widget.update(content)` unless it already shows exactly that (saves a layout pass)."""
    if getattr(widget, "_screener_shown", None) == content:
        return
    widget._screener_shown = content
    widget.update(content)


def bar(done: int, total: int, width: int = 24) -> Content:
    """A text progress bar with its percentage (one Static, no animation)."""
    share = done / total if total else 0.0
    filled = round(share * width)
    return join([("━" * filled, "$accent"), ("━" * (width - filled), "$surface-lighten-2"),
                 f" {share:>4.0%}"])  # fmt: skip


def cell(text: object, style: str = "") -> Text:
    """A literal Rich Text (for DataTable cells, which parse plain str as markup)."""
    return Text(safe(text), style=style, end="")
