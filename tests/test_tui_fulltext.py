"""Pilot tests of the full-text screen: retrieval, PDF location, required reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from screener.model import Decision, Stage
from screener.project import Project
from screener.screening import decide as d
from screener.screening.state import NOT_RETRIEVED, RETRIEVED
from screener.tui import make_app
from screener.tui.screens.fulltext import FullTextScreen
from screener.tui.screens.modals import ReasonPicker, TextPrompt
from screener.tui.widgets.record import RecordView
from tests.conftest import lift_blinding
from tests.test_tui_screening import text_of, votes
from tests.test_tui_support import open_review, run, settle, submit

# Each test runs the whole app headless (a Pilot session, about a second each).
pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path) -> Any:
    p = open_review(tmp_path / "review")
    for rid in (1, 3, 4):  # both reviewers include: these reach full text
        for who in ("reviewer1", "reviewer2"):
            d.decide(p, rid, "include", reviewer=who)
    lift_blinding(p)  # the senior opens full text before title/abstract is finished
    yield p
    p.close()


def fulltext(project: Project, script: Any) -> Any:
    app = make_app(project, "reviewer1", stage="full_text", screen="screening")

    async def go() -> Any:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, FullTextScreen)
            return await script(pilot, app.screen)

    return run(go)


def retrievals(project: Project) -> list[tuple[int, str, str]]:
    return [(e.record_id, e.decision, e.note)
            for e in project.store.events(stage="full_text", actions=["retrieval"])]  # fmt: skip


def test_only_records_that_passed_title_abstract(project: Project) -> None:
    async def script(pilot: Any, screen: FullTextScreen) -> None:
        assert screen.queue is not None
        assert screen.queue.ids == [1, 3, 4]
        assert screen.query_one(RecordView).record_id == 1

    fulltext(project, script)


def test_retrieved_with_pdf_then_not_retrieved(project: Project, tmp_path: Path) -> None:
    pdf = tmp_path / "report R1.pdf"

    async def script(pilot: Any, screen: FullTextScreen) -> None:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TextPrompt)
        await submit(pilot, str(pdf))
        assert retrievals(project) == [(1, RETRIEVED, str(pdf))]
        assert str(pdf) in text_of(screen.query_one("#extra", Static))
        await pilot.press("right", "x")
        await pilot.pause()
        assert retrievals(project)[-1] == (3, NOT_RETRIEVED, "")
        assert "not retrieved" in text_of(screen.query_one("#extra", Static))
        await pilot.press("a")
        await submit(pilot, "https://example.org/r3.pdf")
        assert retrievals(project)[-1] == (3, RETRIEVED, "https://example.org/r3.pdf")

    fulltext(project, script)


def test_exclusion_needs_a_reason(project: Project) -> None:
    reasons = project.config.reasons(Stage.FULL_TEXT)

    async def script(pilot: Any, screen: FullTextScreen) -> None:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReasonPicker)
        await pilot.press("0")  # "no reason" is not offered at full text
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReasonPicker)
        await pilot.press("3")
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("i")
        await pilot.pause()

    fulltext(project, script)
    mine = votes(project, stage=Stage.FULL_TEXT)
    assert mine[1].decision is Decision.EXCLUDE and mine[1].reason == reasons[2]
    assert mine[3].decision is Decision.INCLUDE
