"""`screener` (the app), `screener screen`, `screener serve` (the app in a browser)."""

from __future__ import annotations

import argparse
import ipaddress
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from screener.cli import common as c
from screener.config import config_path
from screener.errors import ConfigError, PermissionDenied
from screener.tui.command import app_command as app_command  # re-exported

if TYPE_CHECKING:
    from screener.tui.app import ScreenerApp

DEFAULT_PORT = 8000
INTERNAL_ERROR = 3  # exit status when the app crashed


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "app", parents=[common], help="open the terminal app (what plain `screener` runs)"
    )
    p.add_argument("--reviewer", help="your name as in the config (asked for when omitted)")
    p.add_argument(
        "--screen",
        choices=["dashboard", "screening", "fulltext", "conflicts", "import", "duplicates"],
        help="open this screen first (default: the dashboard)",
    )
    c.add_stage(p, default=None)
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("screen", parents=[common], help="open the screening screen directly")
    c.add_reviewer(p, "your name as in the config")
    c.add_stage(p)
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser(
        "serve", parents=[common], help="serve the app to a web browser (textual-serve)"
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; any other needs reviewer tokens)")  # fmt: skip
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.set_defaults(func=cmd_serve)


def cmd_app(args: argparse.Namespace) -> int:
    from screener.tui import make_app

    debug = bool(getattr(args, "debug", False))
    project = c.project(args)
    try:
        app = make_app(project, args.reviewer, c.stage_of(args), args.screen, tracebacks=debug)
        return run_app(app, debug)
    finally:
        project.close()


def cmd_screen(args: argparse.Namespace) -> int:
    from screener.tui import make_app

    debug = bool(getattr(args, "debug", False))
    project = c.project(args)
    try:
        app = make_app(project, args.reviewer, c.stage_of(args), "screening", tracebacks=debug)
        return run_app(app, debug)
    finally:
        project.close()


def run_app(app: ScreenerApp, debug: bool = False) -> int:
    """Run the app; when it crashed, say so in one line (the terminal is restored by then)
    and return INTERNAL_ERROR."""
    app.run()
    if app.crash is not None:
        c.error(crash_line(app.crash, debug))
        return INTERNAL_ERROR
    return app.return_code or 0


def crash_line(exc: BaseException, debug: bool = False, limit: int = 300) -> str:
    """`internal error: Type: message` on one line (the message's whitespace collapsed)."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    line = f"internal error: {type(exc).__name__}" + (f": {text}" if text else "")
    return line if debug else line + " (run again with --debug for the traceback)"


# -- serve ------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def reviewer_tokens(path: Path) -> dict[str, str]:
    """token → reviewer name, from `[[reviewers]] token = ...` (never printed or logged)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from exc
    tokens: dict[str, str] = {}
    for i, entry in enumerate(data.get("reviewers", [])):
        token = entry.get("token") if isinstance(entry, dict) else None
        if token is None:
            continue
        if not isinstance(token, str) or len(token) < 16:
            raise ConfigError("must be a string of at least 16 characters",
                              key=f"reviewers[{i}].token", path=str(path))  # fmt: skip
        if token in tokens:
            raise ConfigError(
                "two reviewers share a token", key=f"reviewers[{i}].token", path=str(path)
            )
        tokens[token] = str(entry.get("name", "")).strip()
    return tokens


def cmd_serve(args: argparse.Namespace) -> int:
    from screener.tui.serve import ReviewServer

    path = config_path(getattr(args, "config", None)).resolve()
    project = c.project(args)  # validates the config and builds the store before serving
    project.close()
    tokens = reviewer_tokens(path)
    known = {r.name for r in project.config.reviewers}
    for name in tokens.values():
        if name not in known:
            raise ConfigError(
                f"token given to unknown reviewer {name!r}", key="reviewers", path=str(path)
            )
    loopback = is_loopback(args.host)
    if not loopback and not tokens:
        raise PermissionDenied(
            f"serving on {args.host} (not loopback) needs a token per reviewer: add "
            '`token = "..."` (16+ random characters) to each [[reviewers]] entry in the config, '
            "or serve on 127.0.0.1"
        )
    server: Any = ReviewServer(
        config=path, tokens=tokens, require_token=not loopback, host=args.host, port=args.port,
        title=f"screener · {project.config.title}",
    )  # fmt: skip
    where = f"http://{args.host}:{args.port}/"
    c.out(f"serving {project.config.title} on {where}"
          + ("?token=YOUR-TOKEN (each reviewer uses their own)" if not loopback else ""))  # fmt: skip
    server.serve()
    return 0
