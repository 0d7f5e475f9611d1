"""`screener` (the app), `screener screen`, and `screener serve` with reviewer tokens."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from screener.cli import main
from screener.cli.tui import app_command, is_loopback, reviewer_tokens
from screener.errors import ConfigError
from screener.model import Stage
from tests.test_tui_support import build_review

TOKEN1 = "t0k3n-for-reviewer-one-0123456789"
TOKEN2 = "t0k3n-for-reviewer-two-9876543210"


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Apps the CLI would run (not run: no terminal in tests)."""
    from screener.tui.app import ScreenerApp

    seen: list[Any] = []
    monkeypatch.setattr(ScreenerApp, "run", lambda self, *a, **k: seen.append(self))
    return seen


def test_plain_screener_opens_the_app(tmp_path: Path, launched: list[Any],
                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    config = build_review(tmp_path / "review")
    monkeypatch.chdir(config.parent)
    monkeypatch.setattr("sys.argv", ["screener"])
    assert main([]) == 0
    (app,) = launched
    assert app.reviewer is None and app.start is None  # asks who is screening
    assert app.project.config.title == "Depression therapies"


def test_screen_command_opens_screening_for_the_reviewer(
    tmp_path: Path, launched: list[Any]
) -> None:
    config = build_review(tmp_path / "review")
    assert main(["--config", str(config), "screen", "--reviewer", "reviewer2",
                 "--stage", "full_text"]) == 0  # fmt: skip
    (app,) = launched
    assert app.reviewer.name == "reviewer2"
    assert app.stage is Stage.FULL_TEXT and app.start == "screening"


def test_unknown_reviewer_is_refused(tmp_path: Path, launched: list[Any],
                                     capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    config = build_review(tmp_path / "review")
    assert main(["--config", str(config), "screen", "--reviewer", "mallory"]) == 1
    assert "'mallory' is not a reviewer" in capsys.readouterr().err
    assert launched == []


def test_serve_elsewhere_than_loopback_needs_tokens(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    config = build_review(tmp_path / "review")
    assert main(["--config", str(config), "serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    assert "token" in capsys.readouterr().err


def with_tokens(config: Path, short: bool = False) -> Path:
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        'name = "reviewer1"\nrole = "reviewer"',
        f'name = "reviewer1"\nrole = "reviewer"\ntoken = "{"short" if short else TOKEN1}"',
    )
    text = text.replace('name = "reviewer2"\nrole = "reviewer"',
                        f'name = "reviewer2"\nrole = "reviewer"\ntoken = "{TOKEN2}"')  # fmt: skip
    config.write_text(text, encoding="utf-8")
    return config


def test_tokens_from_config(tmp_path: Path) -> None:
    config = with_tokens(build_review(tmp_path / "review"))
    assert reviewer_tokens(config) == {TOKEN1: "reviewer1", TOKEN2: "reviewer2"}
    bad = with_tokens(build_review(tmp_path / "bad"), short=True)
    with pytest.raises(ConfigError, match=r"reviewers\[0\]\.token"):
        reviewer_tokens(bad)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")
    command = app_command(config, "reviewer1")
    assert "--reviewer reviewer1" in command and TOKEN1 not in command


def serve_requests(server: Any, script: Any) -> Any:
    """Requests to the server's aiohttp app, logged as `serve` logs them."""
    from aiohttp.test_utils import TestClient, TestServer

    from screener.tui.serve import RedactedAccessLogger

    async def go() -> Any:
        test_server = TestServer(await server._make_app())
        await test_server.start_server(access_log_class=RedactedAccessLogger)
        async with TestClient(test_server) as client:
            return await script(client)

    return asyncio.run(go())


def test_server_requires_a_token_and_never_logs_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from screener.tui.serve import ReviewServer

    config = with_tokens(build_review(tmp_path / "review"))
    server = ReviewServer(config=config, tokens=reviewer_tokens(config), require_token=True,
                          host="0.0.0.0", port=0, title="t")  # fmt: skip
    assert server.reviewer_for(TOKEN2) == "reviewer2" and server.reviewer_for("nope") is None

    async def script(client: Any) -> list[Any]:
        out = []
        for url in ("/", "/?token=wrong", f"/?token={TOKEN1}", "/ws", "/ws/wrong"):
            response = await client.get(url)
            out.append((url, response.status, await response.text()))
        return out

    with caplog.at_level(logging.DEBUG):
        got = serve_requests(server, script)
    status = {url: code for url, code, _ in got}
    assert status == {"/": 403, "/?token=wrong": 403, f"/?token={TOKEN1}": 200, "/ws": 403,
                      "/ws/wrong": 403}  # fmt: skip
    page = next(body for url, _c, body in got if url == f"/?token={TOKEN1}")
    assert f"/ws/{TOKEN1}" in page  # the page's websocket carries the token, in the path
    assert "GET /?token=***" in caplog.text and "/ws/***" in caplog.text  # logged, redacted
    assert TOKEN1 not in caplog.text and TOKEN2 not in caplog.text


def test_loopback_server_needs_no_token(tmp_path: Path) -> None:
    from screener.tui.serve import ReviewServer

    config = build_review(tmp_path / "review")
    server = ReviewServer(config=config, tokens={}, require_token=False, host="127.0.0.1", port=0,
                          title="t")  # fmt: skip

    async def script(client: Any) -> tuple[int, str]:
        response = await client.get("/")
        return response.status, await response.text()

    code, page = serve_requests(server, script)
    assert code == 200 and "/ws" in page


# -- crashes ----------------------------------------------------------------------------


def test_a_crash_in_a_key_handler_or_a_worker_ends_the_app_and_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The exception that ended the app is on `app.crash` (a worker's unwrapped), no traceback
    printed unless asked for."""
    from screener.project import Project
    from screener.tui import make_app
    from screener.tui.queue import ScreeningQueue
    from tests.test_tui_support import open_review, run, settle

    project = open_review(tmp_path / "review")

    def broken_decide(self: Any, *a: Any, **k: Any) -> int:
        raise ValueError("decide broke")

    def broken_count(p: Project, stage: Stage) -> tuple[int, int]:
        raise RuntimeError("count broke")

    async def press(app: Any, key: str) -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press(key)
            await settle(pilot)

    try:
        with monkeypatch.context() as m:
            m.setattr(ScreeningQueue, "decide", broken_decide)
            app = make_app(project, "reviewer1", screen="screening")
            with pytest.raises(ValueError, match="decide broke"):
                run(lambda: press(app, "i"))
            assert isinstance(app.crash, ValueError) and app.return_code
        with monkeypatch.context() as m:
            m.setattr("screener.tui.screens.screening.stage_progress", broken_count)
            app = make_app(project, "reviewer1", screen="screening")
            with pytest.raises(Exception, match="count broke"):
                run(lambda: press(app, "i"))
            assert isinstance(app.crash, RuntimeError) and str(app.crash) == "count broke"
        assert "Traceback" not in capsys.readouterr().err
    finally:
        project.close()


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    """`app.run()` without a terminal: headless, quitting once settled (unless it crashed)."""
    from screener.tui.app import ScreenerApp
    from tests.test_tui_support import settle

    original = ScreenerApp.run

    async def auto_pilot(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.exit()

    def run(self: Any, *a: Any, **k: Any) -> Any:
        return original(self, headless=True, size=(80, 24), auto_pilot=auto_pilot)

    monkeypatch.setattr(ScreenerApp, "run", run)


def broken_load(*a: Any, **k: Any) -> Any:
    raise ValueError("the store\nwent away")


def test_screen_command_exits_3_with_one_line_when_the_app_crashes(
    tmp_path: Path, headless: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from screener.tui.queue import ScreeningQueue

    config = build_review(tmp_path / "review")
    assert main(["--config", str(config), "screen", "--reviewer", "reviewer1"]) == 0  # sound
    capsys.readouterr()
    monkeypatch.setattr(ScreeningQueue, "load", broken_load)
    assert main(["--config", str(config), "screen", "--reviewer", "reviewer1"]) == 3
    out, err = capsys.readouterr()
    assert err == (
        "screener: internal error: ValueError: the store went away "
        "(run again with --debug for the traceback)\n"
    )
    assert out == ""


def test_app_command_with_debug_prints_the_traceback(
    tmp_path: Path, headless: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import argparse

    from screener.cli.tui import cmd_app, cmd_screen
    from screener.tui.queue import ScreeningQueue

    config = build_review(tmp_path / "review")
    monkeypatch.setattr(ScreeningQueue, "load", broken_load)
    args = argparse.Namespace(config=str(config), reviewer="reviewer1", stage=None,
                              screen="screening")  # fmt: skip
    assert cmd_app(args) == 3  # no --debug flag defined: no traceback
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ValueError" in err
    args.debug = True
    assert cmd_screen(args) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "broken_load" in err
    assert err.rstrip().endswith("screener: internal error: ValueError: the store went away")
