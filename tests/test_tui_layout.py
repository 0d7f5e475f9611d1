"""Pilot tests of the layout at 80×24 and 160×48: the footer's keys, panel widths, wrapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from screener.model import Stage
from screener.project import Project
from screener.screening import decide as d
from screener.tui import make_app
from screener.tui.widgets.record import RecordView
from tests.conftest import lift_blinding
from tests.test_tui_conflicts import make_conflicts
from tests.test_tui_import_dupes import add_candidates
from tests.test_tui_screening import text_of
from tests.test_tui_support import build_review, open_review, run, settle, submit

# Each test runs the whole app headless (a Pilot session, about a second each).
pytestmark = pytest.mark.slow

SMALL, LARGE = (80, 24), (160, 48)


@pytest.fixture
def project(tmp_path: Path) -> Any:
    """Conflicts at both stages (R1, R2 title/abstract; R3 full text) and a duplicate pair."""
    p = open_review(tmp_path / "review")
    make_conflicts(p)
    lift_blinding(p)  # full text before title/abstract is finished
    d.decide(p, 3, "include", reviewer="reviewer1", stage=Stage.FULL_TEXT)
    d.decide(p, 3, "exclude", reviewer="reviewer2", stage=Stage.FULL_TEXT,
             reason=p.config.reasons(Stage.FULL_TEXT)[0])  # fmt: skip
    add_candidates(p, [(3, 4, 0.91)])
    yield p
    p.close()


def on_screen(project: Project, size: tuple[int, int], script: Any, reviewer: str = "senior",
              screen: str | None = None) -> Any:  # fmt: skip
    app = make_app(project, reviewer, screen=screen)

    async def go() -> Any:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            return await script(pilot)

    return run(go)


def footer(app: Any) -> dict[str, str]:
    """Key → description of the footer keys wholly inside the terminal (none cut in half)."""
    width = app.size.width
    keys = list(app.screen.query("FooterKey"))
    assert all(k.region.right <= width + 1 for k in keys), "a key runs off the footer"
    return {k.key: k.description for k in keys}


# The keys each screen must show at 80 columns (more at 160).
NEEDED = {
    None: {"s", "f", "c", "C", "d", "o", "question_mark"},  # the dashboard
    "screening": {"i", "e", "m", "u", "right", "left", "slash", "question_mark"},
    "fulltext": {"r", "x", "i", "e", "u", "right", "left", "question_mark"},
    "conflicts": {"i", "e", "u", "right", "left", "question_mark"},
    "conflicts_ft": {"i", "e", "u", "right", "left", "question_mark"},
    "duplicates": {"y", "n", "right", "left", "question_mark"},
}


@pytest.mark.parametrize("screen", list(NEEDED), ids=lambda s: s or "dashboard")
def test_footer_shows_the_needed_keys_at_80_columns(project: Project, screen: str | None) -> None:
    async def script(pilot: Any) -> None:
        small = footer(pilot.app)
        assert NEEDED[screen] <= set(small), NEEDED[screen] - set(small)
        await pilot.resize_terminal(*LARGE)
        await settle(pilot)
        large = footer(pilot.app)
        assert set(small) <= set(large)
        assert "q" in large  # room for the lesser keys too

    on_screen(project, SMALL, script, screen=screen)


def test_search_mode_footer_at_80_columns(project: Project) -> None:
    """While searching, Esc (End search) is in the footer along with the deciding keys."""

    async def script(pilot: Any) -> None:
        await pilot.press("slash")
        await submit(pilot, "depression")
        keys = footer(pilot.app)
        assert keys.get("escape") == "End search"
        assert {"i", "e", "m", "u", "right", "left", "question_mark"} <= set(keys)

    on_screen(project, SMALL, script, reviewer="reviewer1", screen="screening")


def test_screening_side_panel_is_a_share_of_the_width(project: Project) -> None:
    async def script(pilot: Any) -> None:
        app = pilot.app
        side, record = app.screen.query_one("#side"), app.screen.query_one(RecordView)
        assert side.size.width <= 32 and record.size.width >= 46  # 80 columns: the record first
        await pilot.resize_terminal(*LARGE)
        await settle(pilot)
        assert 48 <= side.size.width <= 60 and record.size.width >= 96

    on_screen(project, SMALL, script, reviewer="reviewer1", screen="screening")


def test_long_rule_names_are_cut_not_broken(tmp_path: Path) -> None:
    config = build_review(tmp_path / "review")
    text = config.read_text(encoding="utf-8")
    long_name = 'name = "animal-study-without-any-human-participants"'
    config.write_text(text.replace('name = "animal-study"', long_name), encoding="utf-8")
    project = Project.open(config)

    async def script(pilot: Any) -> None:
        await pilot.press("right")  # R2, the rat study
        rules = pilot.app.screen.query_one("#rules", Static)
        lines = text_of(rules).splitlines()
        assert lines[0].startswith("⚑ animal-study-") and lines[0].endswith("…")
        assert len(lines[0]) <= rules.content_size.width

    try:
        on_screen(project, SMALL, script, reviewer="reviewer1", screen="screening")
    finally:
        project.close()


def test_dashboard_boxes_wrap_between_words(project: Project) -> None:
    """Every PRISMA box is at least as wide as its longest word, at both sizes."""

    async def check(pilot: Any) -> None:
        for box in pilot.app.screen.query(".prisma-box").results(Static):
            longest = max(len(w) for w in text_of(box).split())
            assert box.content_size.width >= longest, text_of(box)

    async def script(pilot: Any) -> None:
        await check(pilot)
        await pilot.resize_terminal(*LARGE)
        await settle(pilot)
        await check(pilot)

    on_screen(project, SMALL, script)


def test_header_keeps_where_you_are_visible(project: Project) -> None:
    """A long review title gives way to the review's short name on a narrow terminal."""
    text = project.config.path.read_text(encoding="utf-8")
    project.config.path.write_text(
        text.replace('title = "Depression therapies"',
                     'title = "Psychological therapies for depression in adolescents: a review"'),
        encoding="utf-8",
    )  # fmt: skip
    fresh = Project.open(project.config.path)

    async def script(pilot: Any) -> None:
        screen = pilot.app.screen
        assert (screen.title, screen.sub_title) == ("tui-test", "title/abstract · reviewer1")
        await pilot.resize_terminal(*LARGE)
        await settle(pilot)
        assert screen.title.startswith("Psychological therapies")

    try:
        on_screen(fresh, SMALL, script, reviewer="reviewer1", screen="screening")
    finally:
        fresh.close()


def test_help_scrolls_when_taller_than_the_terminal(project: Project) -> None:
    async def script(pilot: Any) -> None:
        await pilot.press("question_mark")
        await settle(pilot)
        scroll = pilot.app.screen.query_one("#help-scroll")
        assert scroll.has_focus and scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        assert scroll.scroll_y > 0

    on_screen(project, SMALL, script, reviewer="reviewer1", screen="screening")
