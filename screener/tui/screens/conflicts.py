"""The senior's conflict screen: both decisions side by side with the record; resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Static

from screener.errors import ScreenerError
from screener.model import Decision, Stage
from screener.screening import decide as d
from screener.screening.state import Vote
from screener.store.store import parse_project_id
from screener.tui.messages import Decided, RecordShown
from screener.tui.queue import ScreeningQueue
from screener.tui.screens.base import BaseScreen
from screener.tui.screens.modals import ReasonPicker, TextPrompt
from screener.tui.screens.screening import STAGE_NAME
from screener.tui.text import join, plain
from screener.tui.widgets.footer import KeyFooter
from screener.tui.widgets.panels import DECISION_STYLE
from screener.tui.widgets.record import RecordView

if TYPE_CHECKING:
    from screener.resolve.agreement import Agreement


def agreement_line(a: Agreement | None, stage: Stage) -> Any:
    if a is None:
        return plain("Agreement: computing…", "dim")
    if not a.n:
        return plain(
            f"Agreement ({STAGE_NAME[stage]}): no record decided by two reviewers yet", "dim"
        )
    return join([
        (f"Agreement ({STAGE_NAME[stage]}): ", "dim"), ("κ ", "dim"), (f"{a.kappa:.2f}", "bold"),
        (" · ", "dim"), f"{(a.percent_agreement or 0) * 100:.0f}%", (" agree · PABAK ", "dim"),
        f"{a.pabak:.2f}", (" · n ", "dim"), f"{a.n:,}",
    ])  # fmt: skip


def decision_content(info: dict[str, Any]) -> Any:
    decision = Decision(info["decision"])
    parts: list[Any] = [(decision.value, DECISION_STYLE[decision])]
    if info.get("reason"):
        parts += ["\n", ("reason: ", "dim"), info["reason"]]
    if info.get("note"):
        parts += ["\n", ("note: ", "dim"), info["note"]]
    return join(parts)


class ConflictScreen(BaseScreen):
    """Records the independent reviewers disagree on (senior only)."""

    HELP_TITLE = "Conflicts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "resolve('include')", "Include"),
        Binding("e", "exclude", "Exclude"),
        Binding("n", "note", "Note", tooltip="A note kept with your next resolution"),
        Binding("u", "undo", "Undo", tooltip="Take back the latest resolution"),
        Binding("right", "move(1)", "Next"),
        Binding("left", "move(-1)", "Prev"),
        Binding("down", "scroll(1)", "Scroll down", show=False),
        Binding("up", "scroll(-1)", "Scroll up", show=False),
    ]

    def __init__(self, stage: Stage = Stage.TITLE_ABSTRACT) -> None:
        super().__init__()
        self.stage = stage
        self.items: list[dict[str, Any]] = []
        self.ids: list[int] = []
        self.position = 0
        self.resolved: dict[int, Vote] = {}
        self.history: list[int] = []
        self.queue: ScreeningQueue | None = None
        self.agreement: Agreement | None = None
        self.pending_note = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(plain("Loading conflicts…", "dim"), id="conflict-status", markup=False)
        with Horizontal(id="votes"):
            yield Static(id="vote-a", classes="panel vote", markup=False)
            yield Static(id="vote-b", classes="panel vote", markup=False)
            yield Static(id="resolution", classes="panel vote", markup=False)
        yield RecordView(id="record")
        yield Static(plain(""), id="agreement", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        senior = self.sapp.senior_or_raise()
        self.set_heading(f"conflicts · {STAGE_NAME[self.stage]} · {senior.name}")
        self.query_one("#resolution").border_title = "Resolution"
        self.load()

    @work(thread=True, exclusive=True, group="conflicts")
    def load(self) -> None:
        from screener.resolve.agreement import agreement  # scikit-learn: slow to import
        from screener.resolve.conflicts import conflicts

        project = self.sapp.project
        try:
            senior = self.sapp.senior_or_raise()
            items = conflicts(project, viewer=senior.name, stage=self.stage)
            overall, _pairs = agreement(project, self.stage)
        except ScreenerError as exc:
            self.app.call_from_thread(self.sapp.show_error, exc)
            return
        self.app.call_from_thread(self._loaded, items, overall)

    def _loaded(self, items: list[dict[str, Any]], overall: Agreement) -> None:
        self.items = items
        self.ids = [parse_project_id(i["id"]) or 0 for i in items]
        self.agreement = overall
        senior = self.sapp.senior_or_raise()
        self.queue = ScreeningQueue(self.sapp.project, senior, self.stage, self.ids, {})
        self.position = 0
        self.show()

    # -- showing ------------------------------------------------------------------------

    @property
    def current(self) -> int | None:
        return self.ids[self.position] if self.ids else None

    def show(self) -> None:
        status = self.query_one("#conflict-status", Static)
        open_n = sum(1 for rid in self.ids if rid not in self.resolved)
        rid = self.current
        view = self.query_one(RecordView)
        a, b, res = (self.query_one(f"#{n}", Static) for n in ("vote-a", "vote-b", "resolution"))
        self.query_one("#agreement", Static).update(agreement_line(self.agreement, self.stage))
        if rid is None or self.queue is None:
            status.update(plain(f"No conflicts at {STAGE_NAME[self.stage]}.", "bold"))
            view.show(None, [], None)
            for w in (a, b, res):
                w.update("")
            self.post_message(RecordShown(None))
            return
        status.update(join([
            (f"Conflict {self.position + 1} of {len(self.ids)}", "bold"),
            (f" · {open_n} open", "dim"),
        ]))  # fmt: skip
        sr = self.queue.record(rid)
        view.show(sr, self.queue.databases(rid), self.sapp.rules)
        votes = list(self.items[self.position]["decisions"].items())
        for widget, vote in zip((a, b), [*votes, None, None][:2], strict=True):
            if vote is None:
                widget.update("")
                widget.border_title = ""
                continue
            widget.border_title = vote[0]
            widget.update(decision_content(vote[1]))
        if len(votes) > 2:  # more than two reviewers disagreeing: list the rest under b
            b.update(join([decision_content(v) for _n, v in votes[1:]]))
        resolved = self.resolved.get(rid)
        if resolved is None:
            res.update(plain("open: i include · e exclude", "dim italic"))
        else:
            res.update(join([(resolved.decision.value, DECISION_STYLE[resolved.decision]),
                             *([" — ", resolved.reason] if resolved.reason else [])]))  # fmt: skip
        self.post_message(RecordShown(rid))

    # -- actions ------------------------------------------------------------------------

    def action_resolve(self, value: str, reason: str = "") -> None:
        rid = self.current
        if rid is None:
            return
        senior = self.sapp.senior_or_raise()
        note, self.pending_note = self.pending_note, ""
        res = self.guarded(
            d.resolve, self.sapp.project, rid, value, reviewer=senior.name, stage=self.stage,
            reason=reason, note=note,
        )  # fmt: skip
        if res is None:
            return
        self.resolved[rid] = Vote(senior.name, res.decision, res.reason, res.note, res.event_id,
                                  "", rid)  # fmt: skip
        self.history.append(rid)
        self._next_open()
        self.show()
        self.post_message(Decided(rid, f"resolve:{value}"))

    def _next_open(self) -> None:
        n = len(self.ids)
        for k in range(1, n + 1):
            i = (self.position + k) % n
            if self.ids[i] not in self.resolved:
                self.position = i
                return

    def action_exclude(self) -> None:
        if self.current is None:
            return
        reasons = self.sapp.project.config.reasons(self.stage)

        def picked(reason: str | None) -> None:
            if reason is not None:
                self.action_resolve("exclude", reason)

        self.app.push_screen(
            ReasonPicker(reasons, required=self.stage is Stage.FULL_TEXT, title="Resolve: exclude"),
            picked,
        )

    def action_note(self) -> None:
        if self.current is None:
            return

        def noted(text: str | None) -> None:
            if text:
                self.pending_note = text.strip()
                self.notify("The note is kept with your resolution: press i or e", markup=False)

        self.app.push_screen(TextPrompt("Note for the resolution"), noted)

    def action_undo(self) -> None:
        if not self.history:
            self.notify("Nothing to undo", severity="warning")
            return
        rid = self.history.pop()
        senior = self.sapp.senior_or_raise()
        if (
            self.guarded(d.undo, self.sapp.project, rid, reviewer=senior.name, stage=self.stage)
            is None
        ):
            return
        self.resolved.pop(rid, None)
        self.position = self.ids.index(rid)
        self.show()
        self.post_message(Decided(rid, "unresolve"))

    def action_move(self, delta: int) -> None:
        if self.ids:
            self.position = max(0, min(len(self.ids) - 1, self.position + delta))
            self.show()

    def action_scroll(self, lines: int) -> None:
        self.query_one(RecordView).scroll_relative(y=lines, animate=False)
