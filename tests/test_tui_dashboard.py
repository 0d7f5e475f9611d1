"""Pilot tests of the dashboard, the reviewer picker and the navigation keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from screener.model import Stage
from screener.project import Project
from screener.screening import decide as d
from screener.screening.blinding import view_of
from screener.tui import make_app
from screener.tui.screens.conflicts import ConflictScreen
from screener.tui.screens.dashboard import DashboardScreen
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.tui.screens.fulltext import FullTextScreen
from screener.tui.screens.imports import ImportScreen
from screener.tui.screens.login import ReviewerPicker
from screener.tui.screens.modals import ErrorScreen, HelpScreen
from screener.tui.screens.screening import ScreeningScreen
from screener.tui.summary import compute
from tests.conftest import lift_blinding
from tests.test_tui_conflicts import make_conflicts
from tests.test_tui_screening import text_of
from tests.test_tui_support import open_review, run, settle

# Each test runs the whole app headless (a Pilot session, about a second each).
pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path) -> Any:
    p = open_review(tmp_path / "review")
    yield p
    p.close()


def dashboard(project: Project, script: Any, reviewer: str | None = "senior") -> Any:
    app = make_app(project, reviewer)

    async def go() -> Any:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            return await script(pilot)

    return run(go)


def boxes(screen: DashboardScreen) -> dict[str, str]:
    """Box label → the rest of its text (count first, then the breakdown)."""
    shown = [text_of(w).split("\n", 1) for w in screen.query(".prisma-box").results(Static)]
    return {label: rest for label, rest in shown}


def test_prisma_flow_progress_conflicts_agreement(project: Project) -> None:
    make_conflicts(project)

    async def script(pilot: Any) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, DashboardScreen)
        shown = boxes(screen)
        assert shown["Records identified"].startswith("7")
        assert (
            "PubMed: 6" in shown["Records identified"]
            and "Embase: 1" in shown["Records identified"]
        )
        assert "duplicates: 1" in shown["Removed before screening"]
        assert shown["Records screened"].startswith("6")
        assert shown["Records excluded"].startswith("1")  # R4, agreed
        assert screen.query(".prisma-provisional")  # screening still open
        progress = text_of(screen.query_one("#dash-progress", Static))
        assert "reviewer1" in progress and "4/6" in progress
        waiting = text_of(screen.query_one("#dash-conflicts", Static))
        assert "title/abstract" in waiting and "2" in waiting
        assert "κ" in text_of(screen.query_one("#dash-agreement", Static))

    dashboard(project, script)


def test_dashboard_counts_match_the_outcomes(project: Project) -> None:
    make_conflicts(project)
    data = compute(project, view_of(project, "senior"))
    screened = next(b for phase, bs in data.flow for b in bs if b.label == "Records screened")
    assert screened.n == len(project.outcomes(Stage.TITLE_ABSTRACT))
    assert data.provisional and data.conflicts[Stage.TITLE_ABSTRACT] == 2


def test_a_blinded_reviewer_sees_no_outcome_and_only_their_own_progress(project: Project) -> None:
    make_conflicts(project)
    data = compute(project, view_of(project, "reviewer2"))
    boxes = {b.label: b.n for _phase, bs in data.flow for b in bs}
    assert boxes["Records screened"] == len(project.outcomes(Stage.TITLE_ABSTRACT))
    assert boxes["Records excluded"] is None and boxes["Studies included"] is None
    assert data.conflicts == {Stage.TITLE_ABSTRACT: None, Stage.FULL_TEXT: None}
    assert {p.reviewer for p in data.progress} == {"reviewer2"} and data.others_hidden


def test_navigation_keys_open_every_screen(project: Project) -> None:
    for who in ("reviewer1", "reviewer2"):
        d.decide(project, 1, "include", reviewer=who)

    async def script(pilot: Any) -> None:
        app = pilot.app
        for key, kind in (("s", ScreeningScreen), ("f", FullTextScreen), ("c", ConflictScreen),
                          ("C", ConflictScreen), ("d", DuplicatesScreen), ("o", ImportScreen)):  # fmt: skip
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, kind), key
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen), key
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = text_of(app.screen.query_one("#help-text", Static))
        for word in ("Screen", "Full text", "Conflicts", "Duplicates", "Import", "Refresh"):
            assert word in help_text

    dashboard(project, script)


def test_conflicts_keys_refused_to_a_reviewer(project: Project) -> None:
    async def script(pilot: Any) -> None:
        for key in ("c", "C"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(pilot.app.screen, ErrorScreen), key
            message = text_of(pilot.app.screen.query_one("#error-message", Static))
            assert "only a senior" in message, key
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(pilot.app.screen, DashboardScreen)

    dashboard(project, script, reviewer="reviewer1")


def footer_keys(screen: Any) -> dict[str, str]:
    """Key → description of every key the screen's footer shows."""
    return {k.key: k.description for k in screen.query("FooterKey")}


def test_both_conflict_queues_open_from_keys_in_the_footer(project: Project) -> None:
    """c: title/abstract conflicts, C: full-text ones, both in the footer, whatever the stage
    the app was opened at."""
    make_conflicts(project)  # R1, R2 in conflict at title/abstract; R3 on to full text
    lift_blinding(project)  # full text before title/abstract is finished
    d.decide(project, 3, "include", reviewer="reviewer1", stage=Stage.FULL_TEXT)
    d.decide(project, 3, "exclude", reviewer="reviewer2", stage=Stage.FULL_TEXT,
             reason=project.config.reasons(Stage.FULL_TEXT)[0])  # fmt: skip
    for stage in (None, "full_text"):

        async def go(app: Any) -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                keys = footer_keys(app.screen)
                assert keys.get("c") == "Conflicts" and keys.get("C") == "FT conflicts"
                for key, at, ids in (("C", Stage.FULL_TEXT, [3]),
                                     ("c", Stage.TITLE_ABSTRACT, [1, 2])):  # fmt: skip
                    await pilot.press(key)
                    await settle(pilot)
                    screen = app.screen
                    assert isinstance(screen, ConflictScreen), key
                    assert (screen.stage, screen.ids) == (at, ids), key
                    await pilot.press("escape")
                    await settle(pilot)
                    assert isinstance(app.screen, DashboardScreen)

        run(lambda: go(make_app(project, "senior", stage=stage)))  # noqa: B023


def test_picker_asks_who_is_screening(project: Project) -> None:
    async def script(pilot: Any) -> None:
        assert isinstance(pilot.app.screen, ReviewerPicker)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DashboardScreen)
        assert pilot.app.reviewer.name == "reviewer2"
        await pilot.press("s", "i")
        await settle(pilot)

    dashboard(project, script, reviewer=None)
    assert [(e.reviewer, e.record_id) for e in project.store.events()] == [("reviewer2", 1)]


def test_escape_from_a_screen_opened_directly_goes_to_the_dashboard(project: Project) -> None:
    app = make_app(project, "reviewer1", screen="screening")

    async def go() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ScreeningScreen)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen)

    run(go)
