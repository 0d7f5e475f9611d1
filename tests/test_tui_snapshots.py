"""Snapshot tests (pytest-textual-snapshot) of the screening, conflict and dashboard screens.

Fixed terminal size, fixed data, no clock: regenerate after a reviewed change with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from screener.project import Project
from screener.screening import decide as d
from screener.tui import make_app
from tests.test_tui_conflicts import make_conflicts
from tests.test_tui_support import open_review, settle

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
