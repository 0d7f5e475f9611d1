"""Pilot tests of the senior's conflict screen: both decisions shown, resolve, undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from screener.errors import PermissionDenied
from screener.model import Decision, Stage
from screener.project import Project
from screener.screening import decide as d
from screener.tui import make_app
from screener.tui.screens.conflicts import ConflictScreen
from screener.tui.screens.modals import ReasonPicker
from screener.tui.widgets.record import RecordView
from tests.test_tui_screening import text_of
from tests.test_tui_support import open_review, run, settle, submit

# Each test runs the whole app headless (a Pilot session, about a second each).
pytestmark = pytest.mark.slow


def make_conflicts(p: Project) -> None:
    """R1 and R2 in conflict, R3 agreed include, R4 agreed exclude."""
    d.decide(p, 1, "include", reviewer="reviewer1", note="clearly a trial")
    d.decide(p, 1, "exclude", reviewer="reviewer2", reason="Wrong population", note="adults only?")
    d.decide(p, 2, "exclude", reviewer="reviewer1", reason="Wrong population")
    d.decide(p, 2, "maybe", reviewer="reviewer2")
    for who in ("reviewer1", "reviewer2"):
        d.decide(p, 3, "include", reviewer=who)
        d.decide(p, 4, "exclude", reviewer=who, reason="Wrong study design")


@pytest.fixture
def project(tmp_path: Path) -> Any:
    p = open_review(tmp_path / "review")
    make_conflicts(p)
    yield p
    p.close()


def conflict_screen(project: Project, script: Any) -> Any:
    app = make_app(project, "senior", screen="conflicts")

    async def go() -> Any:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ConflictScreen)
            return await script(pilot, app.screen)

    return run(go)


def resolutions(project: Project) -> dict[int, Any]:
    return {rid: rs.resolution for rid, rs in project.states(Stage.TITLE_ABSTRACT).items()
            if rs.resolution is not None}  # fmt: skip


def test_both_decisions_side_by_side_with_agreement(project: Project) -> None:
    async def script(pilot: Any, screen: ConflictScreen) -> None:
        assert screen.ids == [1, 2]
        assert screen.query_one(RecordView).record_id == 1
        a, b = screen.query_one("#vote-a", Static), screen.query_one("#vote-b", Static)
        assert (a.border_title, b.border_title) == ("reviewer1", "reviewer2")
        assert "include" in text_of(a) and "clearly a trial" in text_of(a)
        assert "exclude" in text_of(b) and "Wrong population" in text_of(b)
        assert "adults only?" in text_of(b)
        agreement = text_of(screen.query_one("#agreement", Static))
        assert "κ" in agreement and "n 4" in agreement
        assert "Conflict 1 of 2" in text_of(screen.query_one("#conflict-status", Static))
        await pilot.press("right")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 2
        await pilot.press("left")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 1

    conflict_screen(project, script)
    assert resolutions(project) == {}


def test_resolve_include_exclude_and_undo(project: Project) -> None:
    reasons = project.config.reasons(Stage.TITLE_ABSTRACT)

    async def script(pilot: Any, screen: ConflictScreen) -> None:
        await pilot.press("n")
        await submit(pilot, "checked the protocol")
        assert resolutions(project) == {}  # a note alone resolves nothing
        await pilot.press("i")
        await pilot.pause()
        assert resolutions(project)[1].decision is Decision.INCLUDE
        assert resolutions(project)[1].note == "checked the protocol"
        assert screen.query_one(RecordView).record_id == 2
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReasonPicker)
        await pilot.press("1")
        await pilot.pause()
        got = resolutions(project)[2]
        assert got.decision is Decision.EXCLUDE and got.reason == reasons[0]
        assert "0 open" in text_of(screen.query_one("#conflict-status", Static))
        await pilot.press("u")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 2

    conflict_screen(project, script)
    assert set(resolutions(project)) == {1}
    assert [e.action for e in project.store.events(reviewer="senior")] == [
        "resolve", "resolve", "unresolve"
    ]  # fmt: skip


def test_a_reviewer_cannot_open_conflicts(project: Project) -> None:
    with pytest.raises(PermissionDenied):
        make_app(project, "reviewer1", screen="conflicts")


def test_no_conflicts_says_so(tmp_path: Path) -> None:
    p = open_review(tmp_path / "empty")

    async def script(pilot: Any, screen: ConflictScreen) -> None:
        assert screen.ids == []
        assert "No conflicts" in text_of(screen.query_one("#conflict-status", Static))
        await pilot.press("i")
        await pilot.pause()

    try:
        conflict_screen(p, script)
        assert resolutions(p) == {}
    finally:
        p.close()
