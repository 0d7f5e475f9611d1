"""The Textual app: a thin skin over the domain core (`screener.project` and friends).

Nothing outside this package imports textual; see `make_app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screener.tui.app import ScreenerApp


def make_app(*args: Any, **kwargs: Any) -> ScreenerApp:
    from screener.tui.app import make_app as _make_app

    return _make_app(*args, **kwargs)


__all__ = ["make_app"]
