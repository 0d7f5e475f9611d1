"""Messages the screens post upwards ("attributes down, messages up")."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class RecordShown(Message):
    """A record is on screen (the benchmark and tests wait for this)."""

    record_id: int | None


@dataclass
class Decided(Message):
    """A decision, resolution, retrieval or duplicate judgement was stored."""

    record_id: int
    action: str


@dataclass
class ImportFinished(Message):
    """An import run (one or more files) finished; the dashboard refreshes."""

    files: int
    imported: int
