"""The home screen: PRISMA flow as it stands, progress, conflicts waiting, agreement."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Static

from screener.errors import ScreenerError
from screener.model import Stage
from screener.screening.blinding import view_of
from screener.tui.screens.base import BaseScreen
from screener.tui.screens.screening import STAGE_NAME
from screener.tui.summary import Dashboard, compute
from screener.tui.text import join, plain
from screener.tui.widgets.footer import KeyFooter
from screener.tui.widgets.panels import Column
from screener.tui.widgets.prisma import PrismaFlow

CONFLICT_KEY = {Stage.TITLE_ABSTRACT: "c", Stage.FULL_TEXT: "C"}  # the dashboard's keys


def progress_content(data: Dashboard) -> Any:
    parts: list[Any] = []
    last = ""
    for p in data.progress:
        if p.reviewer != last:
            parts += [(p.reviewer, "bold"), "\n"]
            last = p.reviewer
        share = f"{p.decided / p.total:.0%}" if p.total else "—"
        of = f"/{p.total:,}" if p.total is not None else " decided"
        parts += [(f"  {STAGE_NAME[p.stage]:<15}", "dim"), f"{p.decided:,}{of} ",
                  (share if p.total is not None else "", "$accent"), "\n"]  # fmt: skip
    if data.others_hidden:
        parts.append(("other reviewers: blinded", "dim italic"))
    return join(parts) if parts else plain("no reviewer has decided anything yet", "dim italic")


def conflicts_content(data: Dashboard) -> Any:
    parts: list[Any] = [("Conflicts for the senior\n", "dim")]
    for stage, n in data.conflicts.items():
        if n is None:
            parts += [(f"  {STAGE_NAME[stage]:<16}", "dim"), ("blinded", "dim italic"), "\n"]
            continue
        parts += [(f"  {STAGE_NAME[stage]:<16}", "dim"), (f"{n:,}", "bold $text-error" if n else "bold"),
                  (f"  key {CONFLICT_KEY[stage]}", "dim"), "\n"]  # fmt: skip
    parts.append(("Awaiting decisions\n", "dim"))
    for label, n in data.open_counts.items():
        if "pending" in label:
            shown = (f"{n:,}", "bold") if n is not None else ("blinded", "dim italic")
            parts += [(f"  {label.replace(' pending', ''):<16}", "dim"), shown, "\n"]
    return join(parts)


def agreement_content(data: Dashboard) -> Any:
    parts: list[Any] = []
    for stage in Stage:
        a = data.agreement.get(stage)
        parts += [(STAGE_NAME[stage], "dim"), "\n  "]
        if stage in data.hidden:
            parts += [("blinded: for the senior until the stage is finished", "dim italic"), "\n"]
            continue
        if a is None or not a.n:
            parts += [("no record decided by two reviewers yet", "dim italic"), "\n"]
            continue
        parts += [("κ ", "dim"), (f"{a.kappa:.2f}", "bold"), (" · ", "dim"),
                  f"{(a.percent_agreement or 0) * 100:.0f}%", (" agree · PABAK ", "dim"),
                  f"{a.pabak:.2f}", (" · n ", "dim"), f"{a.n:,}", "\n"]  # fmt: skip
    return join(parts)


class DashboardScreen(BaseScreen):
    """Where the app opens; every other screen is one key away."""

    HELP_TITLE = "Dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "open('screening')", "Screen", tooltip="Title/abstract screening"),
        Binding("f", "open('fulltext')", "Full text", tooltip="Full-text screening"),
        Binding(
            "c",
            "open('conflicts_ta')",
            "Conflicts",
            tooltip="Resolve title/abstract conflicts (senior)",
        ),
        Binding(
            "C",
            "open('conflicts_ft')",
            "FT conflicts",
            tooltip="Resolve full-text conflicts (senior)",
        ),
        Binding(
            "d", "open('duplicates')", "Duplicates", tooltip="Confirm or split possible duplicates"
        ),
        Binding("o", "open('import')", "Import", tooltip="Import database exports"),
        Binding("r", "reload", "Refresh"),
        Binding("escape", "back", show=False),  # nothing under the dashboard
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="dashboard"):
            with VerticalScroll(id="flow-pane"):
                yield PrismaFlow(id="prisma")
            with Column(id="dash-side"):
                yield Static(
                    plain("computing…", "dim"), id="dash-progress", classes="panel", markup=False
                )
                yield Static(plain(""), id="dash-conflicts", classes="panel", markup=False)
                yield Static(plain(""), id="dash-agreement", classes="panel", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        who = self.sapp.reviewer
        self.set_heading(f"dashboard · {who.name}" if who else "dashboard")
        self.query_one("#flow-pane").border_title = "PRISMA 2020 flow"
        self.query_one("#dash-progress").border_title = "Reviewers"
        self.query_one("#dash-conflicts").border_title = "Waiting"
        self.query_one("#dash-agreement").border_title = "Agreement"

    def on_screen_resume(self) -> None:
        self.load()  # on first show too: counts are fresh whenever the dashboard is seen

    @work(thread=True, exclusive=True, group="dashboard")
    def load(self) -> None:
        try:
            project = self.sapp.project
            data = compute(project, view_of(project, self.sapp.reviewer_name))
        except ScreenerError as exc:  # e.g. PRISMA counts that do not add up
            self.app.call_from_thread(self.sapp.show_error, exc)
            return
        self.app.call_from_thread(cast(Any, self._loaded), data)

    async def _loaded(self, data: Dashboard) -> None:
        await self.query_one(PrismaFlow).show(data.flow, data.provisional)
        self.query_one("#dash-progress", Static).update(progress_content(data))
        self.query_one("#dash-conflicts", Static).update(conflicts_content(data))
        self.query_one("#dash-agreement", Static).update(agreement_content(data))

    def action_reload(self) -> None:
        self.load()

    def action_open(self, name: str) -> None:
        self.sapp.open_screen(name)

    def action_back(self) -> None:
        return None
