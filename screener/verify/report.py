"""What `screener verify` reports: the named checks, their problems and the figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

from screener.store.store import StoreDamaged

CHECKS = [
    "engine", "schema", "references", "batches", "events", "reviewers", "full_text", "links",
    "outcomes", "prisma",
]  # fmt: skip
MAX_LISTED = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    check: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "message": self.message}


@dataclass
class VerifyReport:
    """What `verify` found: problems per check and the recomputed figures."""

    problems: list[Problem] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CHECKS})
    summary: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.counted.values())

    def add(self, check: str, message: str) -> None:
        self.counted[check] += 1
        if self.counted[check] <= MAX_LISTED:
            self.problems.append(Problem(check, message))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": {c: (n or "ok") for c, n in self.counted.items()}
            | {c: f"skipped: {why}" for c, why in self.skipped.items()},
            "problems": [p.as_json() for p in self.problems],
            "summary": self.summary,
        }


def guard(report: VerifyReport, check: str, run: Callable[[], T], default: T) -> T:
    """Run one check; a store too damaged to be read is a finding of that check."""
    try:
        return run()
    except DBAPIError as exc:
        report.add(check, f"the store cannot be read: {exc.orig}")
    except StoreDamaged as exc:
        report.add(check, f"the store cannot be read: {exc.__cause__ or exc}")
    except (ValueError, KeyError, TypeError) as exc:
        report.add(check, f"unreadable data: {exc!r}")
    return default
