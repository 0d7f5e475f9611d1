"""Store URLs fit to print: the password masked, in the URL and in a driver's messages."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def shown_url(url: str) -> str:
    """A store URL fit to print: its password, if any, masked as `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.replace(_password(url), "***") if _password(url) else url


def _password(url: str) -> str:
    """The password a URL carries ('' for none), found even where make_url fails."""
    try:
        return str(make_url(url).password or "")
    except (ArgumentError, ValueError):
        netloc = url.partition("://")[2].partition("/")[0]
        userinfo, at, _host = netloc.rpartition("@")
        return userinfo.partition(":")[2] if at else ""


def masked(message: str, url: str) -> str:
    """`message` with the URL's password masked wherever it appears (a driver's error may
    quote the connection string)."""
    password = _password(url)
    if password:
        from urllib.parse import quote, unquote

        for form in {password, quote(password, safe=""), unquote(password)}:
            if form:
                message = message.replace(form, "***")
    return message
