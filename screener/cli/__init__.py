"""The command line: a thin layer that parses arguments, calls the domain, prints.

Each command group lives in its own module with a `register(subparsers, common)`
function; errors from the domain become one-line messages and exit codes here only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from screener import __version__
from screener.cli import common as c
from screener.errors import ScreenerError

GROUPS = ["setup", "imports", "screening", "dedup", "prisma", "rules", "ranking", "tui", "admin"]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        help="the review's config.toml (default: $SCREENER_CONFIG or ./config.toml)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on an unexpected (internal) error, show its traceback instead of one line",
    )
    parser = argparse.ArgumentParser(
        prog="screener",
        description="Screening for systematic reviews: import, dedup, blinded dual review, PRISMA 2020.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"screener {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    for name in GROUPS:
        try:
            module = importlib.import_module(f"screener.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"screener.cli.{name}":
                raise
            continue
        module.register(sub, common)
    return parser


# What a shell reports for a process killed by SIGPIPE (128 + 13), e.g. `... | head -1`.
BROKEN_PIPE_EXIT = 141
# An unexpected exception: a bug, not the user's doing (ScreenerError exits 1 or 2).
INTERNAL_ERROR = 3
INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status.

    Errors become one line on stderr here and only here: a ScreenerError its message
    (exit 1 or 2), Ctrl-C 130, any other exception `internal error: Type: message` (exit
    3; with --debug its traceback instead); a reader that went away (a closed pipe)
    ends the command quietly with 141.
    """
    try:
        code = _main(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # inside the try: buffered output meets a closed pipe here
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_EXIT
    return code


def _main(argv: list[str]) -> int:
    debug = "--debug" in argv  # until the arguments are parsed
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            if "app" not in _commands(parser):
                parser.print_help()
                return 0
            args = parser.parse_args([*argv, "app"])
        debug = bool(getattr(args, "debug", False))
        return int(args.func(args) or 0)
    except ScreenerError as exc:
        c.error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        c.error("interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception as exc:
        if debug:
            raise
        c.error(internal_error(exc))
        return INTERNAL_ERROR


def internal_error(exc: BaseException, limit: int = 300) -> str:
    """`internal error: Type: message (…--debug…)` on one line, the message shortened."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    what = type(exc).__name__ + (f": {text}" if text else "")
    return f"internal error: {what} (run again with --debug for the traceback)"


def _silence_stdout() -> None:
    """Point stdout at the null device, so the flush at exit cannot fail on the pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in tests)
        pass
    finally:
        os.close(devnull)


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


if __name__ == "__main__":
    sys.exit(main())
