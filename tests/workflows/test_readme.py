"""Every command the README shows, run as a user would on a fresh copy of the KAP review.

The commands are read from README.md itself (its ```bash blocks): a command that stops
working, or prints a traceback, fails here. Set-up steps (venv, pip, pytest) are what CI
runs; the `screener` commands in them run here. Interactive commands (the app) run in a
pseudo-terminal: the reviewer named in them opens the screen, which must draw its footer,
and quits with q; the app is opened three times, as MM and SD (to their screening screen)
and as KL (to the conflicts).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.workflows.team import REPO, in_terminal, kap_copy, sh

pytestmark = pytest.mark.slow

INTERACTIVE = {"app", "screen"}


def readme_commands() -> list[list[str]]:
    """The `screener …` commands of README.md's bash blocks, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|sh|shell)\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            for part in line.split("&&"):
                words = shlex.split(part.strip())
                if words and words[0] == "screener":
                    commands.append(words[1:])
    return commands


def test_the_readme_shows_the_walk_through() -> None:
    """The test below runs something: the README's commands are found."""
    commands = readme_commands()
    assert ["prisma"] in commands and ["screen", "--reviewer", "MM"] in commands
    assert any(c[:1] == ["screen"] for c in commands) and [] in commands  # the app itself
    assert len(commands) >= 6


def test_every_readme_command_works(tmp_path: Path) -> None:
    folder = kap_copy(tmp_path / "kap")
    for args in readme_commands():
        interactive = not args or args[0] in INTERACTIVE
        if not interactive:
            sh(folder, *args)
            continue
        if "--reviewer" in args:
            runs = [["q"]]
        else:  # the app: each of the team picks their name, opens their screen, quits
            runs = [["1", "s", "q"], ["2", "s", "q"], ["3", "c", "q"]]  # MM, SD, KL
        for keys in runs:
            code, screen = in_terminal(folder, args, keys)
            assert "Traceback" not in screen and "Error" not in screen, screen[-2000:]
            assert "Quit" in screen, f"screener {' '.join(args)} never drew its footer"
            assert code == 0, f"screener {' '.join(args)} {keys} exited {code}:\n{screen[-2000:]}"
    assert (folder / "prisma.svg").stat().st_size > 0
