"""The facade the CLI and the TUI call: one review = its config + its store.

`Project` is the domain's `Review` (screener/screening/review.py: lookups and derived state)
plus what composes the pipeline: opening a review, importing files and a previous review,
applying the rules and finding duplicates. Opening a review whose store does not exist yet
builds it from the config: the source files are imported, duplicates found, and any decision
files replayed (this is how the embedded KAP review comes to life on a fresh checkout).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screener.config import config_path as find_config
from screener.config import load_config
from screener.ingest.detect import stream_file
from screener.ingest.previous import previous_review_records
from screener.model import Record, SourceKind
from screener.rules import rules_of
from screener.screening.auto import apply_exclusion_rules
from screener.screening.exchange import import_decisions
from screener.screening.review import Review
from screener.store import open_store
from screener.store.store import AlreadyImported, Batch, DiskFull, file_sha256

# Review events of building a review from its config (see `Project.open`).
BUILD_STARTED, BUILT, DECISION_FILE = "build_started", "built", "decision_file"


@dataclass(frozen=True)
class FileReport:
    """What `import` did with one file (the `--json` shape)."""

    path: str
    format: str
    source: str
    records: int
    imported: int
    skipped: list[dict[str, Any]]
    warnings: list[str]
    already_imported: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "source": self.source,
            "records": self.records,
            "imported": self.imported,
            "skipped": self.skipped,
            "warnings": self.warnings,
            **({"already_imported": True} if self.already_imported else {}),
        }


class Project(Review):
    """One review: its validated config and its open store, and how it is built."""

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, config_path: Path, *, build: bool = True) -> Project:
        config = load_config(config_path)
        rules_of(config)  # a bad [[rules]] entry or [highlight] term is refused here
        store = open_store(config.store_url, synchronous=config.durability.upper())
        project = cls(config, store)
        if build and project._needs_build():
            # Several processes may open a new review at once (four `screener status`): one
            # builds it, the others wait for the lock and find it built.
            with project.store.build_lock():
                if project._needs_build():
                    project.build_from_config()
        return project

    def _needs_build(self) -> bool:
        """The config names something to build from, and the store is new or its build was
        cut short (a store built before these markers existed has records: it is built)."""
        cfg = self.config
        if not (cfg.sources or cfg.decision_files or cfg.previous):
            return False
        actions = {e.action for e in self.store.review_events()}
        if BUILT in actions:
            return False
        if BUILD_STARTED in actions:
            return True
        return self.store.count_records() == 0 and not self.store.batches()

    def close(self) -> None:
        self.store.close()

    def build_from_config(self) -> list[FileReport]:
        """Import the previous version named in `[previous]`, the config's source files, dedup,
        and replay its decision files. Every step can be run again (files already imported are
        skipped, each decision file is replayed once), so a build cut short resumes."""
        events = self.store.review_events()
        if not any(e.action == BUILD_STARTED for e in events):
            self.store.append_review_event(BUILD_STARTED, "screener", {})
        replayed = {e.detail.get("file") for e in events if e.action == DECISION_FILE}
        reports: list[FileReport] = []
        previous = self.config.previous
        if previous is not None:
            if previous.review is not None:
                reports.append(self.import_previous_review(previous.review))
            for f in previous.files:
                reports.append(
                    self.import_file(f, label="Previous review", kind=SourceKind.PREVIOUS,
                                     dedup=False)
                )  # fmt: skip
        for src in self.config.sources:
            for f in src.files:
                reports.append(self.import_file(f, label=src.label, kind=src.kind, dedup=False))
        if reports and self.config.auto_dedup:
            self.run_dedup()
        if reports:
            self.apply_rules()
        if self.config.decision_files:
            for df in self.config.decision_files:
                key = f"{df.file}#{df.reviewer}#{df.stage.value}#{file_sha256(df.file)}"
                if key in replayed:
                    continue
                import_decisions(
                    self,
                    df.file,
                    reviewer=df.reviewer,
                    stage=df.stage,
                    id_column=df.id_column,
                    decision_column=df.decision_column,
                    reason_column=df.reason_column,
                    note_column=df.note_column,
                    resolve=df.resolve,
                    marker=(DECISION_FILE, "screener", {"file": key}),
                )
        self.store.append_review_event(BUILT, "screener", {"files": len(reports)})
        return reports

    # -- import -------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        *,
        label: str | None = None,
        kind: SourceKind | str | None = None,
        dedup: bool | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> FileReport:
        """Import one export atomically; a file already imported is skipped (same bytes), also
        when another process imports it at the same moment (checked in the write transaction)."""
        sha = file_sha256(path) if path.exists() else ""
        if sha:
            previous = self.store.batch_by_hash(sha)
            if previous is not None:  # the cheap check first: no parsing
                return _already(path, previous)
        result, records = stream_file(path, max_cells=self.config.max_cells)
        configured = self.config.source_for(path)
        label = label or (configured.label if configured else "")
        first = next(records, None)
        source_label = label or (first.database if first and first.database else "") or path.stem
        source_kind = (
            SourceKind(kind) if kind else (configured.kind if configured else SourceKind.DATABASE)
        )

        def finish() -> tuple[int, dict[str, Any]]:
            skipped = [{"line": s.line, "reason": s.reason} for s in result.skipped]
            return result.records_in_file, {"skipped": skipped, "warnings": result.warnings}

        chain = records if first is None else itertools.chain([first], records)
        size_mb = path.stat().st_size // 1_000_000 if path.exists() else 0
        try:
            _batch, stored = self.store.add_batch(
                path=str(path),
                sha256=sha,
                source_label=source_label,
                source_kind=source_kind,
                format=result.format,
                encoding=result.encoding,
                records=chain,
                finish=finish,
            )
        except AlreadyImported as exc:  # imported by another process meanwhile
            return _already(path, exc.batch)
        except DiskFull as exc:  # the store grows by about twice the export's size
            raise DiskFull(exc.database, "this import", max(2 * size_mb, 10)) from exc
        skipped = [{"line": s.line, "reason": s.reason} for s in result.skipped]
        if progress:
            progress(stored)
        if dedup if dedup is not None else self.config.auto_dedup:
            self.run_dedup()
            self.apply_rules()
        return FileReport(
            str(path),
            result.format,
            source_label,
            result.records_in_file,
            stored,
            skipped,
            result.warnings,
        )

    def import_previous_review(self, config_path: Path) -> FileReport:
        """The records a previous review screened, as a batch of kind `previous` (once)."""
        label = f"Previous review ({config_path.parent.name or config_path.name})"
        done = next((b for b in self.store.batches()
                     if b.source_kind == SourceKind.PREVIOUS and b.path == str(config_path)), None)  # fmt: skip
        if done is not None:
            return FileReport(str(config_path), "review", done.source_label, done.n_in_file, 0,
                              [], [], already_imported=True)  # fmt: skip
        records, studies, reports = _previous_review(config_path)
        _batch, stored = self.store.add_batch(
            path=str(config_path), sha256="", source_label=label, source_kind=SourceKind.PREVIOUS,
            format="review", encoding="", records=iter(records),
            finish=lambda: (len(records), {"previous_review": {"studies": studies,
                                                               "reports": reports}}),
        )  # fmt: skip
        return FileReport(str(config_path), "review", label, len(records), stored, [], [])

    def apply_rules(self) -> int:
        """Log auto-exclusions for `exclude` rules (see screening/auto.py)."""
        return apply_exclusion_rules(self)

    def run_dedup(self, threshold: float | None = None) -> Any:
        """Find and link duplicates (see screener/dedup/run.py); imported here: rapidfuzz."""
        from screener.dedup.run import deduplicate

        return deduplicate(self, threshold=threshold)


def open_project(config: str | None = None) -> Project:
    return Project.open(find_config(config))


def _already(path: Path, batch: Batch) -> FileReport:
    """The report of a file whose bytes were imported before: nothing is stored again."""
    return FileReport(
        str(path), batch.format, batch.source_label, batch.n_in_file, 0, [],
        [f"{path}: already imported on {batch.imported_at[:19]} as batch {batch.id} "
         f"({batch.source_label}); skipped"],
        already_imported=True,
    )  # fmt: skip


def _previous_review(config_path: Path) -> tuple[list[Record], int, int]:
    """The records a previous review screened (no duplicates) and its included studies and
    reports, read from its own store (opened, built if need be, never written)."""
    from screener.prisma.flow import compute_flow  # imported here: only `[previous] review`

    previous = Project.open(config_path)
    try:
        flow = compute_flow(previous, check=False)
        records = previous_review_records(previous.screenable(), config_path)
        return records, flow.total_studies, flow.total_reports
    finally:
        previous.close()
