"""The screening screen: one record at a time, one key per decision.

Each decision is one event committed by `screener.screening.decide` the moment the key is
pressed; the next record is already in memory (the queue fetches a window ahead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header
from textual.worker import get_current_worker

from screener.model import Decision, Stage
from screener.screening.blinding import view_of
from screener.tui import ordering
from screener.tui.messages import Decided, RecordShown
from screener.tui.queue import QueueSnapshot, ScreeningQueue, Shown, stage_progress
from screener.tui.screens.base import BaseScreen
from screener.tui.screens.modals import ReasonPicker, TextPrompt
from screener.tui.search import SearchResults, search_ids
from screener.tui.text import plain
from screener.tui.widgets.footer import KeyFooter
from screener.tui.widgets.panels import Column, DecisionPanel, ScreeningProgress
from screener.tui.widgets.record import RecordView

if TYPE_CHECKING:
    from screener.ranking.live import LiveModel, LiveRanking

STAGE_NAME = {Stage.TITLE_ABSTRACT: "title/abstract", Stage.FULL_TEXT: "full text"}


def records(n: int) -> str:
    """`1 record`, `2,000 records`."""
    return f"{n:,} record" + ("" if n == 1 else "s")


# The model retrains after every decision; on a review of more than RERANK_RECORDS records,
# after every n // RERANK_RECORDS decisions (scoring every open record takes that long).
RERANK_RECORDS = 10_000


# The keys, in the order the footer and `?` show them (most used first).
INCLUDE = Binding("i", "decide('include')", "Include")
EXCLUDE = Binding("e", "exclude", "Exclude", tooltip="Exclude, with a reason")
MAYBE = Binding("m", "decide('maybe')", "Maybe")
UNDO = Binding("u", "undo", "Undo", tooltip="Take back your latest decision")
NEXT = Binding("right", "move(1)", "Next",
               tooltip="Next record without deciding (while searching: the next match)")  # fmt: skip
PREVIOUS = Binding("left", "move(-1)", "Prev",
                   tooltip="Previous record without deciding (while searching: the previous match)")  # fmt: skip
SEARCH = Binding("slash", "search", "Search", tooltip="Search titles and abstracts (or an id: R17)")
END_SEARCH = Binding("escape", "end_search", "End search",
                     tooltip="While searching: back to the whole queue (or / and an empty search)")  # fmt: skip
BACK = Binding("escape", "back", "Back", tooltip="To the dashboard")
NOTE = Binding("n", "note", "Note", tooltip="A note on this record (only you see it)")
SCROLL = [
    Binding("down", "scroll(1)", "Scroll down", show=False),
    Binding("up", "scroll(-1)", "Scroll up", show=False),
    Binding("pagedown", "scroll(10)", "Page down", show=False),
    Binding("pageup", "scroll(-10)", "Page up", show=False),
]


class ScreeningScreen(BaseScreen):
    """Blinded screening: the reviewer sees their own decisions only."""

    HELP_TITLE = "Screening"
    STAGE = Stage.TITLE_ABSTRACT
    BINDINGS: ClassVar[list[BindingType]] = [
        INCLUDE, EXCLUDE, MAYBE, UNDO, NEXT, PREVIOUS, END_SEARCH, SEARCH, BACK, NOTE, *SCROLL,
    ]  # fmt: skip

    def __init__(self, queue: ScreeningQueue | None = None) -> None:
        super().__init__()
        self.queue = queue
        self.stage_line = ""
        self.stopping_line = ""
        self.shown: Shown | None = None
        self.search: SearchResults | None = None  # while a `/` search is on
        self._search_title = ("", "")
        self._since_rank = 0
        self._stage_open = False  # others' progress may be shown (blinding)
        self._view_checked = False
        self._model: LiveModel | None = None  # built once, in the first ranking worker
        self._totals_asked = 0  # stage recounts asked for (one per decision)
        self._totals_running = False

    @property
    def stage(self) -> Stage:
        return self.queue.stage if self.queue else self.STAGE

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="screening"):
            yield RecordView(id="record")
            with Column(id="side"):
                yield DecisionPanel(id="decision")
                yield ScreeningProgress(id="progress")
        yield KeyFooter()

    def on_mount(self) -> None:
        app = self.sapp
        if self.queue is None:
            self.queue = ScreeningQueue.load(app.project, app.reviewer_or_raise(), self.STAGE)
        self.set_heading(f"{STAGE_NAME[self.stage]} · {self.queue.reviewer.name}")
        self.stage_line = f"Stage: {records(len(self.queue.ids))}"
        self.refresh_record()
        self.call_after_refresh(self.refresh_stage_totals)
        if app.project.config.ranking_enabled:
            self.call_after_refresh(self.rank)

    # -- showing ------------------------------------------------------------------------

    def refresh_record(self) -> None:
        assert self.queue is not None
        self.shown = self.queue.shown()
        app = self.sapp
        self.query_one(RecordView).show(
            self.shown.record if self.shown else None, self.shown.databases if self.shown else [],
            app.rules,
        )  # fmt: skip
        self.query_one(DecisionPanel).show(
            self.shown, app.rules, app.project.config.ranking_enabled, self.stage is Stage.FULL_TEXT
        )
        self.refresh_counts()
        self.refresh_search_title()
        self.post_message(RecordShown(self.queue.current))

    def refresh_search_title(self) -> None:
        """The search on the record's border: "Match k of n" and the query (cut to the width
        left) above, how many matches are undecided and the keys below."""
        assert self.queue is not None
        title = subtitle = ""
        view = self.query_one(RecordView)
        if self.search is not None:
            k, n = self.search.where(self.queue)
            title = f"Match {k} of {n}" if k else f"{n} matches (not this one)"
            room = (view.size.width or 80) - len(title) - 11  # corners, spaces, quotes
            query = self.search.query
            if room >= 4:
                title += f' · "{query if len(query) <= room else query[: room - 1] + "…"}"'
            subtitle = f"{self.search.undecided(self.queue)} undecided · → ← matches · Esc ends"
        if (title, subtitle) != self._search_title:
            self._search_title = (title, subtitle)
            view.border_title = plain(title, "bold $accent")  # the query is literal text
            view.border_subtitle = plain(subtitle, "$text-muted")

    def on_resize(self) -> None:
        super().on_resize()
        if self.queue is not None:
            self.refresh_search_title()

    def refresh_counts(self) -> None:
        assert self.queue is not None
        self.query_one(ScreeningProgress).show(
            self.queue.counts(), self.stage_line, self.stopping_line
        )

    def refresh_stage_totals(self) -> None:
        """Recount the stage totals off the loop: one count at a time; a decision made while
        one runs is counted by another started when it ends, so the last one shown is fresh."""
        self._totals_asked += 1
        if not self._totals_running:
            self._totals_running = True
            self.load_stage_totals(self._totals_asked)

    @work(thread=True, group="stage-totals")
    def load_stage_totals(self, asked: int) -> None:
        """Stage totals come from everyone's log (counts only): off the loop. While the stage
        is blinded to this reviewer, they are not shown (they would tell others' progress)."""
        assert self.queue is not None
        project = self.sapp.project
        started, complete = stage_progress(project, self.stage)
        if not self._stage_open and (complete >= len(self.queue.ids) or not self._view_checked):
            # the rule itself (screening/blinding.py), only when it may have changed
            self._view_checked = True
            self._stage_open = view_of(project, self.queue.reviewer.name).outcomes(self.stage)
        line = f"Stage: {records(len(self.queue.ids))}"
        if self._stage_open:
            line += f"\n{started:,} started · {complete:,} fully decided"
        else:
            line += "\nothers' progress: blinded"
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._stage_totals_loaded, asked, line)

    def _stage_totals_loaded(self, asked: int, line: str) -> None:
        self.stage_line = line
        self.refresh_counts()
        if asked < self._totals_asked:  # decided while counting: count again
            self.load_stage_totals(self._totals_asked)
        else:
            self._totals_running = False

    def rank(self) -> None:
        """Rank again, from a copy of the queue taken here: the worker never reads the live
        queue, which the keys change meanwhile."""
        assert self.queue is not None
        self.rank_in_thread(self.queue.snapshot())

    @work(thread=True, exclusive=True, group="rank")
    def rank_in_thread(self, q: QueueSnapshot) -> None:
        """The first ranking featurizes the stage's records (off the loop); each later one
        only retrains the model. The order swaps in after. A ranking that fails leaves the
        order as it is and says why: screening goes on."""
        try:
            if self._model is None:
                self._model = ordering.model(self.sapp.project, q.ids)
            ranking: LiveRanking | None = self._model.rank(q.my_decisions())
            line = ranking.line() if ranking else ""
        except Exception as exc:  # a model failure must never end a reviewer's session
            self.log.error(f"ranking failed: {exc!r}")
            ranking = None
            line = f"Ranking unavailable ({type(exc).__name__}: {exc}); order unchanged"
        status = "\n".join(x for x in (line, ordering.stopping(q)) if x)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._reordered, ranking, status)

    def _reordered(self, ranking: LiveRanking | None, status: str) -> None:
        assert self.queue is not None
        self.stopping_line = status
        if ranking is not None:
            self.queue.reorder(ranking.order, ranking)
        self.refresh_record()

    # -- actions ------------------------------------------------------------------------

    def action_decide(self, value: str, reason: str = "") -> None:
        assert self.queue is not None
        if self.queue.current is None:
            return
        rid = self.guarded(self.queue.decide, Decision(value), reason)
        if rid is None:
            return
        if self.search is not None:
            self.next_match_after(rid)
        self.refresh_record()
        self.post_message(Decided(rid, value))
        self.call_after_refresh(self.refresh_stage_totals)  # once the next record is painted
        if self.sapp.project.config.ranking_enabled:
            self._since_rank += 1
            if self._since_rank >= max(1, len(self.queue.ids) // RERANK_RECORDS):
                self._since_rank = 0
                self.call_after_refresh(self.rank)  # the next record is painted first

    def reason_required(self) -> bool:
        return self.stage is Stage.FULL_TEXT

    def action_exclude(self) -> None:
        assert self.queue is not None
        if self.queue.current is None:
            return
        reasons = self.sapp.project.config.reasons(self.stage)

        def picked(reason: str | None) -> None:
            if reason is not None:
                self.action_decide("exclude", reason)

        self.app.push_screen(ReasonPicker(reasons, required=self.reason_required()), picked)

    def action_note(self) -> None:
        assert self.queue is not None
        if self.queue.current is None:
            return

        def noted(text: str | None) -> None:
            if text and self.guarded(self.queue.note, text) is not None:  # type: ignore[union-attr]
                self.refresh_record()

        self.app.push_screen(TextPrompt("Note on this record (only you see it)"), noted)

    def action_undo(self) -> None:
        assert self.queue is not None
        rid = self.guarded(self.queue.undo)
        if rid is None:
            self.notify("Nothing to undo", severity="warning")
            return
        self.refresh_record()
        self.post_message(Decided(rid, "undo"))
        self.call_after_refresh(self.refresh_stage_totals)
        if self.sapp.project.config.ranking_enabled:
            self.rank()

    def action_move(self, delta: int) -> None:
        """→ ←: the next or previous record; while searching, the next or previous match."""
        assert self.queue is not None
        if self.search is not None:
            self.step_match(delta)
            return
        before = self.queue.current
        if self.queue.move(delta) != before:
            self.refresh_record()

    def action_scroll(self, lines: int) -> None:
        self.query_one(RecordView).scroll_relative(y=lines, animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While searching, Esc ends the search (and is shown so in the footer)."""
        if action == "end_search":
            return self.search is not None
        if action == "back":
            return self.search is None
        return True

    def action_search(self) -> None:
        def searched(text: str | None) -> None:
            if text is None:  # Esc: as it was
                return
            if text.strip():
                self.run_search(text.strip())
            else:
                self.action_end_search()

        now = self.search.query if self.search else ""
        self.app.push_screen(
            TextPrompt("Search titles and abstracts (or a record id like R17); empty ends the search",
                       value=now),
            searched,
        )  # fmt: skip

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, text: str) -> None:
        """The search runs in SQL over every record: off the loop."""
        hits = search_ids(self.sapp.project, text)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._found, text, hits)

    def _found(self, text: str, hits: list[int]) -> None:
        assert self.queue is not None
        found = SearchResults.of(text, hits, self.queue)
        start = found.first(self.queue)
        if start is None:
            self.notify(f"No record here matches {text!r}", severity="warning", markup=False)
            return
        self.search = found
        self.queue.show_at(start)
        self.refresh_bindings()
        self.refresh_record()
        self.notify(f"{len(found.ids):,} record(s) match {text!r}: → ← step through them, "
                    "Esc ends the search", markup=False)  # fmt: skip

    def step_match(self, delta: int) -> None:
        assert self.queue is not None and self.search is not None
        position = self.search.step(self.queue, delta)
        if position is not None and position != self.queue.position:
            self.queue.show_at(position)
            self.refresh_record()

    def action_end_search(self) -> None:
        if self.search is None:
            return
        self.search = None
        self.refresh_bindings()
        self.refresh_search_title()
        self.notify("Search ended: → ← move through the whole queue again")

    def next_match_after(self, rid: int) -> None:
        """After deciding on `rid` while searching: on to the next undecided match."""
        assert self.queue is not None and self.search is not None
        decided_at = self.queue.index[rid]
        position = self.search.next_undecided(self.queue, decided_at + 1)
        if position is None:
            self.queue.show_at(decided_at)
            self.notify("Every match is decided: Esc ends the search", markup=False)
        else:
            self.queue.show_at(position)
