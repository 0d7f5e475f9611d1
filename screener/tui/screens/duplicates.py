"""Possible duplicates side by side, differences highlighted: confirm or split."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Static

from screener.errors import ScreenerError
from screener.model import Record
from screener.store.store import StoredRecord
from screener.tui import dupes
from screener.tui.messages import Decided, RecordShown
from screener.tui.screens.base import BaseScreen
from screener.tui.text import join, plain
from screener.tui.widgets.footer import KeyFooter
from screener.tui.widgets.panels import Column

DIFF_STYLE = "bold $text-warning on $warning-muted"
LABELS = {"pmid": "PMID", "doi": "DOI"}


def side_content(sr: StoredRecord, diff: set[str]) -> Any:
    parts: list[Any] = [(sr.pid, "bold $accent"), "\n"]
    r: Record = sr.record
    for name in dupes.COMPARED:
        value = dupes.field_text(r, name)
        label = LABELS.get(name, name.capitalize())
        parts += [(f"{label}: ", "dim")]
        shown = value if name != "abstract" or len(value) < 600 else value[:600] + " …"
        parts += [(shown or "—", DIFF_STYLE if name in diff else "")]
        parts.append("\n")
    return join(parts)


class DuplicatesScreen(BaseScreen):
    """The queue of pairs nobody has judged; each judgement is one event in the link log."""

    HELP_TITLE = "Duplicates"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Same record", tooltip="Confirm: one record (link as duplicate)"),
        Binding(
            "n", "split", "Different", tooltip="Split: different records (never offered again)"
        ),
        Binding("right", "move(1)", "Next"),
        Binding("left", "move(-1)", "Prev"),
        Binding("r", "rerun", "Find duplicates", tooltip="Run duplicate detection again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[dupes.Pair] = []
        self.done: dict[tuple[int, int], str] = {}
        self.position = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(plain("Loading possible duplicates…", "dim"), id="dup-status", markup=False)
        with Horizontal(id="dup-pair"):
            with Column(classes="dup-side"):
                yield Static(id="dup-a", markup=False)
            with Column(classes="dup-side"):
                yield Static(id="dup-b", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_heading("duplicates")
        self.load()

    @work(thread=True, exclusive=True, group="dupes")
    def load(self, rerun: bool = False) -> None:
        project = self.sapp.project
        try:
            if rerun:
                project.run_dedup()
            pairs = dupes.pending(project)
        except ScreenerError as exc:
            self.app.call_from_thread(self.sapp.show_error, exc)
            return
        self.app.call_from_thread(self._loaded, pairs)

    def _loaded(self, pairs: list[dupes.Pair]) -> None:
        self.pairs = pairs
        self.done = {}
        self.position = 0
        self.show()

    @property
    def current(self) -> dupes.Pair | None:
        return self.pairs[self.position] if self.pairs else None

    def show(self) -> None:
        status = self.query_one("#dup-status", Static)
        a_w, b_w = self.query_one("#dup-a", Static), self.query_one("#dup-b", Static)
        pair = self.current
        if pair is None:
            status.update(plain("No possible duplicates waiting.", "bold"))
            a_w.update("")
            b_w.update("")
            self.post_message(RecordShown(None))
            return
        records = {sr.id: sr for sr in self.sapp.project.store.records([pair.a, pair.b])}
        ra, rb = records[pair.a], records[pair.b]
        diff = dupes.differences(ra.record, rb.record)
        verdict = self.done.get((pair.a, pair.b))
        open_n = len(self.pairs) - len(self.done)
        status.update(join([
            (f"Pair {self.position + 1} of {len(self.pairs)}", "bold"), (f" · {open_n} open", "dim"),
            (f" · similarity {pair.score:.2f}", "dim"),
            (f" · {len(diff)} field(s) differ", "$text-warning" if diff else "dim"),
            *([" · ", (verdict, "bold $accent")] if verdict else []),
        ]))  # fmt: skip
        a_w.update(side_content(ra, diff))
        b_w.update(side_content(rb, diff))
        self.post_message(RecordShown(pair.a))

    def _judge(self, verdict: str) -> None:
        pair = self.current
        if pair is None or (pair.a, pair.b) in self.done:
            if pair is not None:
                self.notify("Already judged in this session", severity="warning")
            return
        actor = self.sapp.reviewer.name if self.sapp.reviewer else ""
        fn = dupes.confirm if verdict == "same record" else dupes.split
        try:
            fn(self.sapp.project, pair, actor)
        except ScreenerError as exc:
            self.sapp.show_error(exc)
            return
        self.done[(pair.a, pair.b)] = verdict
        self.post_message(Decided(pair.b, verdict))
        nxt = next((i for i in range(self.position + 1, len(self.pairs))
                    if (self.pairs[i].a, self.pairs[i].b) not in self.done), None)  # fmt: skip
        if nxt is not None:
            self.position = nxt
        self.show()

    def action_confirm(self) -> None:
        self._judge("same record")

    def action_split(self) -> None:
        self._judge("different records")

    def action_move(self, delta: int) -> None:
        if self.pairs:
            self.position = max(0, min(len(self.pairs) - 1, self.position + delta))
            self.show()

    def action_rerun(self) -> None:
        self.query_one("#dup-status", Static).update(plain("Finding duplicates…", "dim"))
        self.load(rerun=True)
