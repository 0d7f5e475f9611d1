"""The app in a browser (textual-serve), one process per connection.

On loopback anyone at the machine may connect and picks their name in the app. Bound to
any other address, every connection needs a reviewer's token (`[[reviewers]] token`):
the page is `/?token=T`, its websocket `/ws/T`, and the app runs as that reviewer, with
the name fixed. Tokens never reach a log: the access log writes paths with tokens
redacted, the app's command line holds the reviewer name only, and refusals name no token.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import signal
from pathlib import Path
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from screener.tui.command import app_command

_SECRET = re.compile(r"(/ws/|[?&]token=)[^&/?#\s]*")


def redact(path: str) -> str:
    """A request path with any token replaced by `***`."""
    return _SECRET.sub(lambda m: m.group(1) + "***", path)


class RedactedAccessLogger(AbstractAccessLogger):
    """One line per request, tokens redacted (aiohttp's own logger prints the full URL)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info('%s "%s %s" %s %.3fs', request.remote, request.method,
                         redact(request.path_qs), response.status, time)  # fmt: skip


class ReviewServer(Server):
    """textual-serve with per-reviewer tokens and no access log."""

    def __init__(
        self, *, config: Path, tokens: dict[str, str], require_token: bool, host: str, port: int,
        title: str,
    ) -> None:  # fmt: skip
        super().__init__(app_command(config, None), host=host, port=port, title=title)
        self.config = config
        self.tokens = dict(tokens)
        self.require_token = require_token

    def reviewer_for(self, token: str | None) -> str | None:
        """The reviewer a token belongs to (constant-time comparison), else None."""
        if not token:
            return None
        found = None
        for known, name in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = name
        return found

    def _check(self, token: str | None) -> str | None:
        name = self.reviewer_for(token)
        if name is None and (self.require_token or token):
            raise web.HTTPForbidden(text="a valid reviewer token is required (?token=...)\n")
        return name

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/ws/{token}", self.handle_websocket)
        return app

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token") or ""
        self._check(token)
        base = f"{request.scheme}://{request.host}"
        ws = ("wss:" if request.scheme == "https" else "ws:") + base.split(":", 1)[1]
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{ws}/ws/{quote(token, safe='')}" if token else f"{ws}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(
            f"Serving {self.title!r} on {self.public_url}", highlight=False, markup=False
        )

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One app process per connection, run as the token's reviewer."""
        name = self._check(request.match_info.get("token"))
        command = app_command(self.config, name)
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = AppService(
                command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,  # type: ignore[arg-type]
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            if service is not None:
                await service.stop()
        return websocket

    def serve(self, debug: bool = False) -> None:
        """As textual-serve's, with aiohttp's access log (which logs URLs) switched off."""
        self.debug = debug
        self.initialize_logging()
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, self.request_exit)
            loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        except NotImplementedError:
            pass
        web.run_app(
            self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
            print=lambda *args: None, access_log=logging.getLogger("aiohttp.access"),
            access_log_class=RedactedAccessLogger,
        )  # fmt: skip
