"""Side panels: the reviewer's own decision, rule flags, relevance, progress."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from screener.model import Decision
from screener.screening.state import NOT_RETRIEVED, Vote
from screener.tui.queue import Counts, Shown
from screener.tui.text import bar, join, plain, show

DECISION_STYLE = {
    Decision.INCLUDE: "bold $text-success",
    Decision.EXCLUDE: "bold $text-error",
    Decision.MAYBE: "bold $text-warning",
}


def vote_content(vote: Vote | None, empty: str = "not decided yet") -> Content:
    if vote is None:
        return plain(empty, "dim italic")
    parts: list[Any] = [(vote.decision.value, DECISION_STYLE[vote.decision])]
    if vote.reason:
        parts += [" — ", vote.reason]
    if vote.note:
        parts += ["\n", ("note: ", "dim"), vote.note]
    return join(parts)


def fit(name: str, width: int) -> str:
    """`name` cut with an ellipsis to `width` cells (a rule's name is one long word)."""
    return name if len(name) <= width or width < 4 else name[: width - 1] + "…"


def rules_content(rules: Any | None, shown: Shown, width: int = 0) -> Content:
    if rules is None:
        return plain("no rules configured", "dim italic")
    try:
        hits = [h for h in rules.evaluate(shown.record.record) if str(h.action) != "highlight"]
        reason = rules.suggested_reason(shown.record.record)
    except Exception:  # a rules bug must never hide the record
        return plain("rules unavailable", "dim italic")
    if not hits:
        return plain("no rule fires", "dim italic")
    parts: list[Any] = []
    for h in hits:
        action = str(h.action)
        name = fit(h.rule, width - 2) if width else h.rule
        parts += [("⚑ ", "$text-warning"), name, (f" ({action})" if action != "flag" else "", "dim"),
                  "\n"]  # fmt: skip
    if reason:
        parts += [("Suggested reason: ", "dim"), (reason, "bold")]
    return join(parts)


class Column(VerticalScroll, can_focus=False):
    """A column that scrolls (mouse wheel) when its panels are taller than the terminal, and
    never takes the focus: the arrows stay the screen's keys (and in its footer)."""


class DecisionPanel(Vertical):
    """What this reviewer decided (never anyone else's), notes, rules, relevance."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] | None = None

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)

    def compose(self) -> ComposeResult:
        yield Static(id="mine", markup=False, classes="panel")
        yield Static(id="rules", markup=False, classes="panel")
        yield Static(id="extra", markup=False, classes="panel")

    def on_mount(self) -> None:
        self.query_one("#mine").border_title = "Your decision"
        self.query_one("#rules").border_title = "Rules"
        self.query_one("#extra").border_title = "Relevance"

    def show(
        self, shown: Shown | None, rules: Any | None, ranking: bool, full_text: bool = False
    ) -> None:
        self._shown = (shown, rules, ranking, full_text)
        mine, rules_w, extra = (self.query_one(f"#{n}", Static) for n in ("mine", "rules", "extra"))
        if shown is None:
            for w in (mine, rules_w, extra):
                show(w, "")
            return
        parts: list[Any] = [vote_content(shown.mine)]
        for n in shown.notes[-3:]:
            parts += ["\n", ("✎ ", "dim"), n.note]
        show(mine, join(parts))
        show(rules_w, rules_content(rules, shown, rules_w.content_size.width))
        lines: list[Any] = []
        if shown.retrieval is not None:
            retrieved = shown.retrieval.reason != NOT_RETRIEVED
            lines += [("Full text: ", "dim"),
                      ("retrieved" if retrieved else "not retrieved",
                       "$text-success" if retrieved else "$text-error")]  # fmt: skip
            if shown.retrieval.note:
                lines += ["\n", ("PDF: ", "dim"), shown.retrieval.note]
        elif full_text:
            lines += [("Full text: ", "dim"), ("not marked yet (r retrieved, x not retrieved)", "dim italic")]  # fmt: skip
        if ranking and lines:
            lines.append("\n")
        if ranking and shown.score is not None:
            lines += [("Relevance ", "dim"), f"{shown.score:.2f}", ("  rank ", "dim"),
                      f"{shown.rank} of {shown.total}"]  # fmt: skip
        elif ranking and shown.mine is not None:
            lines += [("decided: ranked records are the open ones", "dim italic")]
        elif ranking:
            lines += [("ranking…", "dim italic")]
        if extra.display != bool(lines):
            extra.display = bool(lines)
        title = "Relevance" if ranking else "Full text"
        if extra.border_title != title:
            extra.border_title = title
        show(extra, join(lines))


class ScreeningProgress(Vertical):
    """Mine decided / to go, and the stage totals; the bar as wide as the panel."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Counts, str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="mine-counts", markup=False)
        yield Static(id="stage-counts", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Progress"

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)

    def show(self, counts: Counts, stage_line: str, stopping_line: str = "") -> None:
        self._shown = (counts, stage_line, stopping_line)
        by = ", ".join(f"{v} {k}" for k, v in sorted(counts.by_decision.items()))
        width = self.content_size.width or 30
        show(self.query_one("#mine-counts", Static), join([
            ("Mine: ", "dim"), (f"{counts.decided:,} decided", "bold"), " · ",
            (f"{counts.to_go:,} to go", "bold"), "\n", (by or "nothing decided yet", "dim"), "\n",
            bar(counts.decided, counts.total, max(6, min(40, width - 6))),
        ]))  # fmt: skip
        lines = f"{stage_line}\n{stopping_line}" if stopping_line else stage_line
        show(self.query_one("#stage-counts", Static), plain(lines, "dim"))
