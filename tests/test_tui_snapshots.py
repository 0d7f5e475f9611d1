"""Snapshot tests (pytest-textual-snapshot) of every screen, at 120×36 and at 80×24 and 160×48.

Fixed terminal size, fixed data, no clock: regenerate after a reviewed change with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from screener.model import Stage
from screener.project import Project
from screener.screening import decide as d
from screener.tui import make_app
from tests.conftest import lift_blinding
from tests.test_tui_conflicts import make_conflicts
from tests.test_tui_import_dupes import add_candidates
from tests.test_tui_support import open_review, settle, submit

# Each test runs the whole app headless (a Pilot session, about a second each).
pytestmark = pytest.mark.slow

SIZE = (120, 36)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = open_review(tmp_path / "review")
    yield p
    p.close()


class TestScreening:
    def test_first_record(self, snap_compare: Any, project: Project) -> None:
        """R1: inclusion terms highlighted, databases of its duplicate, nothing decided."""
        assert snap_compare(make_app(project, "reviewer1", screen="screening"),
                            terminal_size=SIZE, run_before=settle)  # fmt: skip

    def test_flagged_record_after_a_decision(self, snap_compare: Any, project: Project) -> None:
        """R2 after including R1: exclusion terms, the animal-study flag and its reason."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)  # the stage totals are recounted after every decision

        assert snap_compare(make_app(project, "reviewer1", screen="screening"),
                            terminal_size=SIZE, run_before=run_before)  # fmt: skip


class TestConflicts:
    def test_two_decisions_side_by_side(self, snap_compare: Any, project: Project) -> None:
        """R1: reviewer1 include (with a note) against reviewer2 exclude, with agreement."""
        make_conflicts(project)
        assert snap_compare(make_app(project, "senior", screen="conflicts"),
                            terminal_size=SIZE, run_before=settle)  # fmt: skip


class TestDashboard:
    def test_flow_progress_agreement(self, snap_compare: Any, project: Project) -> None:
        """The PRISMA flow (provisional), reviewers' progress, conflicts and agreement."""
        make_conflicts(project)
        d.decide(project, 5, "exclude", reviewer="reviewer1", reason="Wrong study design")
        assert snap_compare(make_app(project, "senior"), terminal_size=(120, 40),
                            run_before=settle)  # fmt: skip


# -- every screen at the smallest and a roomy terminal ------------------------------------

SIZES = [(80, 24), (160, 48)]
SIZE_IDS = ["80x24", "160x48"]


@pytest.fixture
def busy(project: Project) -> Project:
    """Conflicts at both stages (R1, R2 at title/abstract; R3 at full text), R5 excluded by
    reviewer1, and a possible duplicate pair (R3, R4) nobody has judged."""
    make_conflicts(project)
    lift_blinding(project)  # full text before title/abstract is finished
    d.decide(project, 3, "include", reviewer="reviewer1", stage=Stage.FULL_TEXT)
    d.decide(project, 3, "exclude", reviewer="reviewer2", stage=Stage.FULL_TEXT,
             reason=project.config.reasons(Stage.FULL_TEXT)[0])  # fmt: skip
    d.decide(project, 5, "exclude", reviewer="reviewer1", reason="Wrong study design")
    add_candidates(project, [(3, 4, 0.91)])
    return project


sizes = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


@sizes
class TestDashboardSizes:
    def test_dashboard(self, snap_compare: Any, busy: Project, size: tuple[int, int]) -> None:
        """The senior's dashboard: PRISMA flow, reviewers, both conflict queues and their keys."""
        assert snap_compare(make_app(busy, "senior"), terminal_size=size, run_before=settle)


@sizes
class TestScreeningSizes:
    def test_screening(self, snap_compare: Any, project: Project, size: tuple[int, int]) -> None:
        """The rat study after one include: flag, suggested reason, progress, the footer."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)

        assert snap_compare(make_app(project, "reviewer1", screen="screening"),
                            terminal_size=size, run_before=run_before)  # fmt: skip

    def test_search(self, snap_compare: Any, project: Project, size: tuple[int, int]) -> None:
        """A search on: match k of n and the query on the record's border, Esc in the footer."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("slash")
            await submit(pilot, "depression")
            pilot.app.clear_notifications()  # the toast fades on its own: not in the picture
            await settle(pilot)

        assert snap_compare(make_app(project, "reviewer1", screen="screening"),
                            terminal_size=size, run_before=run_before)  # fmt: skip


@sizes
class TestFullTextSizes:
    def test_full_text(self, snap_compare: Any, busy: Project, size: tuple[int, int]) -> None:
        """R3 at full text for a reviewer who has not decided it: retrieval keys first."""
        d.undo(busy, 3, reviewer="reviewer1", stage=Stage.FULL_TEXT)
        assert snap_compare(make_app(busy, "reviewer1", "full_text", screen="screening"),
                            terminal_size=size, run_before=settle)  # fmt: skip


@sizes
class TestConflictSizes:
    def test_title_abstract(self, snap_compare: Any, busy: Project, size: tuple[int, int]) -> None:
        """R1: include with a note against exclude with a reason and a note."""
        assert snap_compare(make_app(busy, "senior", screen="conflicts"), terminal_size=size,
                            run_before=settle)  # fmt: skip

    def test_full_text(self, snap_compare: Any, busy: Project, size: tuple[int, int]) -> None:
        """R3 at full text: include against exclude with the stage's first reason."""
        assert snap_compare(make_app(busy, "senior", screen="conflicts_ft"), terminal_size=size,
                            run_before=settle)  # fmt: skip


@sizes
class TestImportSizes:
    def test_import(self, snap_compare: Any, project: Project, size: tuple[int, int]) -> None:
        """The empty import form (the cursor's blinking stopped for a stable picture)."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            from textual.widgets import Input

            for field in pilot.app.screen.query(Input):
                field.cursor_blink = False

        assert snap_compare(make_app(project, "reviewer1", screen="import"), terminal_size=size,
                            run_before=run_before)  # fmt: skip


@sizes
class TestDuplicatesSizes:
    def test_pair(self, snap_compare: Any, busy: Project, size: tuple[int, int]) -> None:
        """R3 and R4 side by side, every differing field highlighted."""
        assert snap_compare(make_app(busy, "reviewer1", screen="duplicates"), terminal_size=size,
                            run_before=settle)  # fmt: skip


@sizes
class TestReviewerPickerSizes:
    def test_picker(self, snap_compare: Any, project: Project, size: tuple[int, int]) -> None:
        """No --reviewer: who is screening? (the config's reviewers with their roles)."""
        assert snap_compare(make_app(project), terminal_size=size, run_before=settle)


@sizes
class TestModalSizes:
    def test_help(self, snap_compare: Any, project: Project, size: tuple[int, int]) -> None:
        """? on the screening screen: every key, scrolling when taller than the terminal."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)

        assert snap_compare(make_app(project, "reviewer1", screen="screening"),
                            terminal_size=size, run_before=run_before)  # fmt: skip

    def test_error(self, snap_compare: Any, project: Project, size: tuple[int, int]) -> None:
        """c on a reviewer's dashboard: only a senior resolves conflicts."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)

        assert snap_compare(make_app(project, "reviewer1"), terminal_size=size,
                            run_before=run_before)  # fmt: skip
