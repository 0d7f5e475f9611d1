"""Pilot tests of the import screen (worker, progress, report) and the duplicates screen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from textual.widgets import DataTable, Input, ProgressBar, Static

from screener.project import Project
from screener.store import schema
from screener.store.store import now
from screener.tui import dupes, make_app
from screener.tui.screens.duplicates import DuplicatesScreen
from screener.tui.screens.imports import ImportScreen
from tests.test_tui_screening import text_of
from tests.test_tui_support import RECORDS, open_review, ris, run, settle

# Each test runs the whole app headless (a Pilot session, about a second each).
pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path) -> Any:
    p = open_review(tmp_path / "review")
    yield p
    p.close()


def on_screen(project: Project, name: str, script: Any) -> Any:
    app = make_app(project, "reviewer1", screen=name)

    async def go() -> Any:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            return await script(pilot, app.screen)

    return run(go)


def test_import_files_in_a_worker_with_report(project: Project) -> None:
    folder = project.config.root
    (folder / "extra1.ris").write_text(ris(RECORDS[:2], "X"), encoding="utf-8")
    (folder / "extra2.ris").write_text(ris(RECORDS[2:5], "Y"), encoding="utf-8")
    (folder / "broken.ris").write_text("this is not a bibliography\n", encoding="utf-8")
    before = project.store.count_records()

    async def script(pilot: Any, screen: ImportScreen) -> None:
        assert isinstance(screen, ImportScreen)
        assert not screen.query_one(ProgressBar).display  # no bar before an import
        screen.query_one("#import-paths", Input).value = "extra*.ris broken.ris"
        screen.query_one("#import-label", Input).value = "Scopus"
        screen.query_one("#import-paths", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 3
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(3)]
        assert rows[0][:5] == ["extra1.ris", "ris", "Scopus", "2", "2"]
        assert rows[1][:5] == ["extra2.ris", "ris", "Scopus", "3", "3"]
        assert rows[2][0] == "broken.ris" and rows[2][4] == "0"
        bar = screen.query_one(ProgressBar)
        assert bar.display and bar.progress == bar.total
        status = text_of(screen.query_one("#import-status", Static))
        assert "5 records imported from 3 file(s), 1 refused" in status
        screen.query_one("#import-paths", Input).value = "extra1.ris"
        await pilot.press("ctrl+o")  # the same bytes again: skipped, said so
        await settle(pilot)
        assert table.row_count == 4
        assert "already imported" in str(table.get_row_at(3)[6])

    on_screen(project, "import", script)
    assert project.store.count_records() == before + 5
    assert {b.source_label for b in project.store.batches()} == {"PubMed", "Embase", "Scopus"}


def add_candidates(project: Project, pairs: list[tuple[int, int, float]]) -> None:
    with project.store.write() as conn:
        conn.execute(insert(schema.dup_candidates), [
            {"ts": now(), "record_a": a, "record_b": b, "score": s, "detail": json.dumps({})}
            for a, b, s in pairs
        ])  # fmt: skip


def test_duplicates_confirm_and_split(project: Project) -> None:
    add_candidates(project, [(3, 4, 0.91), (2, 6, 0.55), (1, 7, 0.99)])  # 1-7 already linked

    async def script(pilot: Any, screen: DuplicatesScreen) -> None:
        assert isinstance(screen, DuplicatesScreen)
        assert [(p.a, p.b) for p in screen.pairs] == [(3, 4), (2, 6)]
        status = text_of(screen.query_one("#dup-status", Static))
        assert "Pair 1 of 2" in status and "field(s) differ" in status
        a = screen.query_one("#dup-a", Static).content
        styled = {a.plain[s.start : s.end] for s in a.spans if "warning" in str(s.style)}
        assert any("Exercise and mood" in t for t in styled)  # titles differ: highlighted
        await pilot.press("right")
        await pilot.pause()
        assert "Pair 2 of 2" in text_of(screen.query_one("#dup-status", Static))
        await pilot.press("left")
        await pilot.pause()
        assert "Pair 1 of 2" in text_of(screen.query_one("#dup-status", Static))
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert "0 open" in text_of(screen.query_one("#dup-status", Static))

        await pilot.press("r")  # find duplicates again (in a worker): nothing left to judge
        await settle(pilot)
        assert "No possible duplicates" in text_of(screen.query_one("#dup-status", Static))

    on_screen(project, "duplicates", script)
    got = [(e.action, {e.record_id, e.other_id}, e.actor) for e in project.store.link_events()][1:]
    assert got == [("link", {3, 4}, "reviewer1"), ("distinct", {2, 6}, "reviewer1")]
    primary = project.primary_of()
    assert primary.get(4) == 3 or primary.get(3) == 4
    assert dupes.pending(project) == []


def test_differences_ignore_case_and_punctuation() -> None:
    from screener.model import Record

    a = Record(title="Exercise, and MOOD", year=2020, doi="10.1/x")
    b = Record(title="exercise and mood", year=2021, doi="10.1/x")
    assert dupes.differences(a, b) == {"year"}
