"""One exception family, translated to messages and exit codes only at the edges."""

from __future__ import annotations


class ScreenerError(Exception):
    """Base of every error the user should see as a message, not a traceback.

    `exit_code` is what the CLI exits with: 1 for refused input or actions, 2 for
    configuration and usage errors.
    """

    title = "Error"
    exit_code = 1

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(ScreenerError):
    """The config file is missing, unreadable or invalid; names the key at fault."""

    title = "Invalid configuration"
    exit_code = 2

    def __init__(self, message: str, *, key: str = "", path: str = "") -> None:
        where = f"{path}: " if path else ""
        what = f"{key}: " if key else ""
        super().__init__(f"{where}{what}{message}")
        self.key = key
        self.path = path


class ImportFormatError(ScreenerError):
    """A file that cannot be read as a bibliography at all (nothing of it is stored)."""

    title = "Import refused"

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line


class PermissionDenied(ScreenerError):
    """A reviewer asked for something their role or blinding does not allow."""

    title = "Not allowed"


class NotFound(ScreenerError):
    """A record, reviewer or file named by the user does not exist."""

    title = "Not found"


class StoreError(ScreenerError):
    """The store is corrupted, of a newer schema, or inconsistent."""

    title = "Store error"


class PrismaArithmeticError(StoreError):
    """PRISMA boxes that should add up do not: a bug or a corrupted store."""

    title = "PRISMA counts disagree"
