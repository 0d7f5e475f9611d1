"""The app: one review (a Project), one reviewer, screens one key apart.

`make_app(project, reviewer=None, stage=None, screen=None)` builds it for the CLI, the
tests and the benchmark alike. The app is handed its project; it never opens one itself.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import WorkerFailed

from screener.errors import PermissionDenied, ScreenerError
from screener.model import Reviewer, Stage
from screener.project import Project
from screener.tui import ordering
from screener.tui.host import ScreensHost
from screener.tui.messages import Decided, ImportFinished
from screener.tui.screens.modals import ErrorScreen

SCREENS = (
    "dashboard",
    "screening",
    "fulltext",
    "conflicts",
    "conflicts_ft",
    "import",
    "duplicates",
)


class ScreenerApp(App[None]):
    """Blinded dual screening in the terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "screener"
    ENABLE_COMMAND_PALETTE = False
    # Classes every screen gets from the terminal's size (app.tcss uses them).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012  (as App types it)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Quit (every decision is already saved)")
    ]

    def __init__(
        self,
        project: Project,
        reviewer: Reviewer | None = None,
        stage: Stage | None = None,
        screen: str | None = None,
        *,
        tracebacks: bool = False,
    ) -> None:
        super().__init__()
        self.project = project
        self.reviewer = reviewer
        self.stage = stage or Stage.TITLE_ABSTRACT
        self.start = screen
        self.rules: Any | None = None
        self.last_error: ScreenerError | None = None
        self.tracebacks = tracebacks  # print Textual's traceback after a crash (--debug)
        self.crash: BaseException | None = None  # what ended the app, if anything did
        try:
            self.rules = ordering.ruleset(project)
        except ScreenerError as exc:  # invalid rules: screening still works, unhighlighted
            self.last_error = exc

    # -- start --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.title = self.project.config.title
        if self.reviewer is None:
            from screener.tui.screens.login import ReviewerPicker

            names = [(r.name, r.role.value) for r in self.project.config.reviewers]
            self.push_screen(ReviewerPicker(names), self._logged_in)
        else:
            self._begin()

    def _logged_in(self, name: str | None) -> None:
        try:
            self.reviewer = self.project.reviewer(name or "")
        except PermissionDenied as exc:
            self.show_error(exc)
            return
        self._begin()

    def _begin(self) -> None:
        from screener.tui.screens.dashboard import DashboardScreen

        if self.start and self.start != "dashboard":
            self.open_screen(self.start)  # the dashboard comes on Esc (not loaded before)
        else:
            self.push_screen(DashboardScreen())
        if self.last_error is not None:
            self.show_error(self.last_error)
        self.call_after_refresh(self._freeze)

    def _freeze(self) -> None:
        """Everything loaded so far lives as long as the app: keep the garbage collector from
        walking it on every full collection (that walk made a keystroke now and then take
        150 ms on a 100,000-record review). Undone when the app closes."""
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()

    # -- crashes ------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled exception (in a handler or a worker) ends the app, as in Textual; it
        is kept for the command line, which reports it in one line."""
        if self.crash is None:
            self.crash = error.error if isinstance(error, WorkerFailed) else error
        super()._handle_exception(error)

    def _print_error_renderables(self) -> None:
        """Textual prints its traceback on exit only when asked for (`--debug`)."""
        if self.crash is not None and not self.tracebacks:
            self._exit_renderables.clear()
            return
        super()._print_error_renderables()

    # -- navigation ---------------------------------------------------------------------

    @property
    def reviewer_name(self) -> str | None:
        """Who opened the app: the reader every screen shows what blinding allows to."""
        return self.reviewer.name if self.reviewer is not None else None

    def reviewer_or_raise(self) -> Reviewer:
        if self.reviewer is None:
            raise PermissionDenied("say who you are: a reviewer of this review")
        return self.reviewer

    def senior_or_raise(self) -> Reviewer:
        who = self.reviewer_or_raise()
        return self.project.senior(who.name)

    def build_screen(self, name: str) -> Screen[Any]:
        """The screen called `name`; PermissionDenied when the reviewer may not open it."""
        if name == "screening" and self.stage is Stage.FULL_TEXT:
            name = "fulltext"
        if name == "conflicts":  # at the stage the app was opened for
            name = "conflicts_ft" if self.stage is Stage.FULL_TEXT else "conflicts_ta"
        if name == "screening":
            from screener.tui.screens.screening import ScreeningScreen

            self.reviewer_or_raise()
            return ScreeningScreen()
        if name == "fulltext":
            from screener.tui.screens.fulltext import FullTextScreen

            self.reviewer_or_raise()
            return FullTextScreen()
        if name in ("conflicts_ta", "conflicts_ft"):
            from screener.tui.screens.conflicts import ConflictScreen

            self.senior_or_raise()
            return ConflictScreen(
                Stage.FULL_TEXT if name == "conflicts_ft" else Stage.TITLE_ABSTRACT
            )
        if name == "import":
            from screener.tui.screens.imports import ImportScreen

            return ImportScreen()
        if name == "duplicates":
            from screener.tui.screens.duplicates import DuplicatesScreen

            return DuplicatesScreen()
        if name == "dashboard":
            from screener.tui.screens.dashboard import DashboardScreen

            return DashboardScreen()
        raise ScreenerError(f"no screen {name!r} (screens: {', '.join(SCREENS)})")

    def open_screen(self, name: str) -> None:
        try:
            screen = self.build_screen(name)
        except ScreenerError as exc:
            self.show_error(exc)
            return
        self.push_screen(screen)

    def back(self) -> None:
        """Esc: to the screen underneath, or to the dashboard when there is none."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        elif self.reviewer is not None:
            from screener.tui.screens.dashboard import DashboardScreen

            self.switch_screen(DashboardScreen())

    def show_error(self, exc: ScreenerError) -> None:
        self.last_error = exc
        self.push_screen(ErrorScreen(exc.title, exc.message))

    # -- messages from screens ----------------------------------------------------------

    def on_decided(self, message: Decided) -> None:
        self.log.info(f"decided {message.record_id} {message.action}")

    def on_import_finished(self, message: ImportFinished) -> None:
        self.notify(f"Imported {message.imported:,} records from {message.files} file(s)")


if TYPE_CHECKING:  # the app is what its screens take it for
    _host: type[ScreensHost] = ScreenerApp


def make_app(
    project: Project,
    reviewer: str | Reviewer | None = None,
    stage: Stage | str | None = None,
    screen: str | None = None,
    *,
    tracebacks: bool = False,
) -> ScreenerApp:
    """The app for `project`; a named reviewer is checked against the config first.

    `tracebacks`: after a crash, let Textual print its traceback (the CLI's `--debug`).

    Raises PermissionDenied for a name that is not a reviewer of this review, and
    ScreenerError for an unknown screen.
    """
    who = project.reviewer(reviewer) if isinstance(reviewer, str) else reviewer
    who = who or project.login  # a team login is who the app is for
    if screen is not None and screen not in SCREENS:
        raise ScreenerError(f"no screen {screen!r} (screens: {', '.join(SCREENS)})")
    if screen in ("conflicts", "conflicts_ft") and who is not None:
        project.senior(who.name)
    if screen not in (None, "dashboard", "import", "duplicates") and who is None:
        raise PermissionDenied("the screening screens need a reviewer (--reviewer NAME)")
    return ScreenerApp(project, who, Stage(stage) if stage else None, screen, tracebacks=tracebacks)
