"""What the workflow stories share: the installed `screener` command, the app driven by a
Pilot session, and a real terminal (a pseudo-terminal) for the interactive commands.

Not a test module; the stories in this folder import it.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screener.project import Project
from screener.tui import make_app
from tests.test_tui_support import run, settle

REPO = Path(__file__).resolve().parents[2]


def screener_command() -> list[str]:
    """The installed entry point beside this Python (what a user runs), else `-m screener`."""
    script = Path(sys.executable).with_name("screener")
    return [str(script)] if script.exists() else [sys.executable, "-m", "screener"]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def sh(folder: Path, *args: str, ok: bool = True, timeout: float = 300) -> Result:
    """Run `screener ARGS` in `folder` as a user would; with `ok`, it must succeed."""
    p = subprocess.run([*screener_command(), *args], cwd=folder, capture_output=True, text=True,
                       timeout=timeout, env={**os.environ, "COLUMNS": "160"})  # fmt: skip
    result = Result(p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stdout + p.stderr, f"screener {' '.join(args)}:\n{p.stderr}"
    if ok:
        assert p.returncode == 0, f"screener {' '.join(args)} exited {p.returncode}:\n{p.stderr}"
    return result


def kap_copy(dest: Path) -> Path:
    """A fresh copy of the embedded KAP review (config and corpus, no store)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "config.toml", dest / "config.toml")
    shutil.copytree(REPO / "corpora", dest / "corpora")
    return dest


def session(project: Project, reviewer: str, keys: Sequence[str], *, screen: str = "screening",
            size: tuple[int, int] = (160, 48), stage: str | None = None) -> dict[str, Any]:  # fmt: skip
    """One sitting in the app: open it as `reviewer`, press `keys`, quit. Returns what the
    screen showed at the start and at the end (the record id and every Static's text)."""

    async def go() -> dict[str, Any]:
        app = make_app(project, reviewer, stage=stage, screen=screen)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            first = shown(app)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            last = shown(app)
            await pilot.press("q")
        return {"first": first, "last": last, "return_code": app.return_code}

    seen = run(go)
    assert seen["return_code"] in (0, None), seen
    return seen


def shown(app: Any) -> dict[str, Any]:
    """The text of every Static on the screen, and the record on it."""
    from textual.content import Content
    from textual.widgets import Static

    texts = []
    for w in app.screen.query(Static):
        c = w.content
        texts.append(c.plain if isinstance(c, Content) else str(c))
    record = getattr(getattr(app.screen, "queue", None), "current", None)
    return {"text": "\n".join(texts), "record": record, "screen": type(app.screen).__name__}


# -- a real terminal --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def in_terminal(folder: Path, args: Sequence[str], keys: Sequence[str] = ("q",), *,
                ready: str = "Quit", wait: float = 60) -> tuple[int, str]:  # fmt: skip
    """Run an interactive `screener ARGS` in a pseudo-terminal (160×48), wait until `ready`
    is on screen, type `keys`, and return its exit code and everything it printed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal program
        os.chdir(folder)
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"})
        cmd = screener_command()
        os.execv(cmd[0], [*cmd, *args])
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    out = b""
    deadline = time.time() + wait

    def read(until: float) -> None:
        nonlocal out
        while time.time() < until:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out += chunk

    try:
        while time.time() < deadline and ready not in _ANSI.sub("", out.decode("utf-8", "replace")):
            read(time.time() + 0.5)
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        for key in keys:
            os.write(fd, key.encode())
            read(time.time() + 1.0)
        end = time.time() + wait
        code = None
        while time.time() < end:
            read(time.time() + 0.2)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                break
        if code is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = -9
        read(time.time() + 0.2)
    finally:
        os.close(fd)
    return code, _ANSI.sub("", out.decode("utf-8", "replace"))
