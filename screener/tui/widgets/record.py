"""One record on screen: title, authors, journal, year, databases, abstract, keywords.

Every field is shown literally (see `screener.tui.text`): record data never becomes markup.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from screener.store.store import StoredRecord
from screener.tui.text import highlighted, join, plain, safe

MAX_AUTHORS = 8


def _spans(rules: Any | None, text: str) -> list[tuple[int, int, str]]:
    if rules is None or not text:
        return []
    try:
        return list(rules.highlight(text))
    except Exception:  # a rules bug must never hide the record
        return []


def authors_line(authors: list[str]) -> str:
    shown = "; ".join(authors[:MAX_AUTHORS])
    return shown + (f"; … (+{len(authors) - MAX_AUTHORS})" if len(authors) > MAX_AUTHORS else "")


def source_line(sr: StoredRecord, databases: list[str]) -> Content:
    r = sr.record
    where = ", ".join(p for p in (r.journal, str(r.year or ""),
                                  f"{r.volume}({r.issue})" if r.issue else r.volume, r.pages) if p)  # fmt: skip
    ids = "  ".join(f"{k} {v}" for k, v in (("DOI", r.doi), ("PMID", r.pmid)) if v)
    return join([
        (sr.pid, "bold $accent"), "  ", (where or "no journal or year", "" if where else "italic"),
        "\n", ("Databases: ", "dim"), ", ".join(databases) or r.database or "—",
        *(["  ", (ids, "dim")] if ids else []),
    ])  # fmt: skip


PARTS = ("title", "authors", "source", "abstract", "keywords")


class RecordView(VerticalScroll, can_focus=False):
    """The record being screened, in one Static (one widget to lay out per record).

    `parts` keeps each field's Content (title, authors, source, abstract, keywords).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record_id: int | None = None
        self.parts: dict[str, Content] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="rec-body", markup=False)

    def show(self, sr: StoredRecord | None, databases: list[str], rules: Any | None) -> None:
        self.record_id = sr.id if sr else None
        body = self.query_one("#rec-body", Static)
        if sr is None:
            self.parts = {"title": plain("Nothing to screen here.", "bold")}
            body.update(self.parts["title"])
            return
        r = sr.record
        t = safe(r.title) or "(no title)"
        a = safe(r.abstract)
        kw = safe("; ".join(r.keywords))
        self.parts = {
            "title": highlighted(t, _spans(rules, t), "bold"),
            "authors": plain(authors_line(r.authors) or "(no authors)", "italic"),
            "source": source_line(sr, databases),
            "abstract": highlighted(a, _spans(rules, a))
            if a
            else plain("(no abstract)", "dim italic"),
            "keywords": join([("Keywords: ", "dim"), highlighted(kw, _spans(rules, kw))])
            if kw
            else Content(""),
        }
        shown = [self.parts[p] for p in PARTS if self.parts[p].plain]
        body.update(Content("\n\n").join(shown))
        self.scroll_home(animate=False)
