"""What an import read, kept, skipped and warned about."""

from __future__ import annotations

from dataclasses import dataclass, field

from screener.model import Record


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that could not be read as a record at all."""

    line: int
    reason: str


@dataclass(slots=True)
class ImportResult:
    """The records of one file and the account of how they were read.

    `records_in_file` counts record starts (`TY  -`, `PMID- `, data rows); it always
    equals `len(records) + len(skipped)`.
    """

    path: str
    format: str
    encoding: str
    records: list[Record] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    records_in_file_streamed: int = 0

    @property
    def records_in_file(self) -> int:
        return len(self.records) + len(self.skipped) + self.records_in_file_streamed
