"""Record data is shown literally: Rich markup and escape sequences are text, not commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import Static

from screener.screening import decide as d
from screener.tui import make_app
from screener.tui.screens.screening import ScreeningScreen
from screener.tui.text import highlighted, join, plain
from screener.tui.widgets.record import RecordView
from tests.test_tui_screening import part
from tests.test_tui_support import open_review, run, settle

TITLE = "[bold]Bold claim[/bold] [link=https://evil.example]click[/link] \x1b[31mred\x1b[0m title"


def test_helpers_never_parse_markup() -> None:
    for content in (plain(TITLE), highlighted(TITLE, []), join([TITLE, (TITLE, "bold")])):
        assert "[bold]Bold claim[/bold]" in content.plain
        assert "[link=https://evil.example]" in content.plain
        assert "\x1b" not in content.plain and "\\x1b[31m" in content.plain
        assert all("link" not in str(s.style) for s in content.spans)


@pytest.mark.slow
def test_markup_and_escapes_in_a_record_render_literally(tmp_path: Path) -> None:
    project = open_review(tmp_path / "review")
    for rid in (1, 2, 3, 4):
        d.decide(project, rid, "include", reviewer="reviewer1")
    app = make_app(project, "reviewer1", screen="screening")

    async def go() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ScreeningScreen)
            assert screen.query_one(RecordView).record_id == 5
            content = screen.query_one(RecordView).parts["title"]
            assert isinstance(content, Content)
            assert content.plain.startswith("[bold]Bold claim[/bold] [link=https://evil.example]")
            assert "\\x1b[31mred\\x1b[0m" in content.plain
            assert not any("link" in str(s.style) for s in content.spans)
            body = screen.query_one("#rec-body", Static).content
            assert isinstance(body, Content) and content.plain in body.plain
            assert "[b]Eve[/b]" in part(screen, "authors")
            assert "[red]Injection[/red]" in part(screen, "source")
            abstract = part(screen, "abstract")
            assert "[italic]markup[/italic]" in abstract and "\\x1b]8;;https://x\\x07" in abstract
            # What reaches the terminal: the brackets as text, no escape character at all.
            svg = app.export_screenshot()
            assert "[bold]Bold&#160;claim[/bold]" in svg or "[bold]Bold claim[/bold]" in svg
            assert "\x1b" not in svg and "evil.example" in svg

    try:
        run(go)
    finally:
        project.close()
