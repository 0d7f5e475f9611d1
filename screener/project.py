"""The facade the CLI and the TUI call: one review = its config + its store.

Opening a review whose store does not exist yet builds it from the config: the source
files are imported, duplicates found, and any decision files replayed (this is how the
embedded KAP review comes to life on a fresh checkout).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screener.config import Config, load_config
from screener.dedup.links import primary_map
from screener.errors import NotFound, PermissionDenied, ScreenerError
from screener.ingest.detect import stream_file
from screener.ingest.previous import previous_batch_ids
from screener.model import Outcome, Reviewer, Role, SourceKind, Stage
from screener.screening.state import RecordStage, replay
from screener.store import Store, open_store
from screener.store.store import (
    AlreadyImported,
    Batch,
    DiskFull,
    StoredRecord,
    file_sha256,
    parse_project_id,
    project_id,
)

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


class Project:
    """One review: its validated config and its open store."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self._primary: dict[int, int] = {}
        self._links_head: int | None = -1
        self._states: dict[Stage, tuple[tuple[int | None, int | None], dict[int, RecordStage]]] = {}
        self._login: tuple[Reviewer | None] | None = None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, config_path: Path, *, build: bool = True) -> Project:
        config = load_config(config_path)
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
            from screener.screening.exchange import import_decisions

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
        from screener.ingest.previous import previous_review_records

        label = f"Previous review ({config_path.parent.name or config_path.name})"
        done = next((b for b in self.store.batches()
                     if b.source_kind == SourceKind.PREVIOUS and b.path == str(config_path)), None)  # fmt: skip
        if done is not None:
            return FileReport(str(config_path), "review", done.source_label, done.n_in_file, 0,
                              [], [], already_imported=True)  # fmt: skip
        records, studies, reports = previous_review_records(config_path)
        _batch, stored = self.store.add_batch(
            path=str(config_path), sha256="", source_label=label, source_kind=SourceKind.PREVIOUS,
            format="review", encoding="", records=iter(records),
            finish=lambda: (len(records), {"previous_review": {"studies": studies,
                                                               "reports": reports}}),
        )  # fmt: skip
        return FileReport(str(config_path), "review", label, len(records), stored, [], [])

    def apply_rules(self) -> int:
        """Log auto-exclusions for `exclude` rules (see screening/auto.py)."""
        from screener.screening.auto import apply_exclusion_rules

        return apply_exclusion_rules(self)

    def run_dedup(self, threshold: float | None = None) -> Any:
        """Find and link duplicates (see screener/dedup/run.py); imported here: rapidfuzz."""
        from screener.dedup.run import deduplicate

        return deduplicate(self, threshold=threshold)

    # -- lookups ------------------------------------------------------------------------

    @property
    def login(self) -> Reviewer | None:
        """The reviewer the store's connection logs in as, or None.

        On PostgreSQL after `screener team setup`, a reviewer's own login (their URL in the
        config) is who they are: the server maps the role to the name and enforces it. On
        SQLite, or logged in as the store's owner, names are self-declared: None.
        """
        if self._login is None:
            self._login = (self._find_login(),)
        return self._login[0]

    def _find_login(self) -> Reviewer | None:
        if self.store.is_sqlite:
            return None
        from screener.store.team import login

        with self.store.read() as conn:
            found = login(conn)
        if found is None:
            return None
        _role, name, senior = found
        if self.config.reviewer(name) is None:
            raise PermissionDenied(
                f"this store logs you in as {name}, who is not a reviewer in {self.config.path}"
            )
        # The server's role, not the config's, is what the login may do.
        return Reviewer(name, Role.SENIOR if senior else Role.REVIEWER)

    @property
    def sees_every_event(self) -> bool:
        """False on a reviewer's own login: the server shows it only that reviewer's events
        (and the rules' exclusions), so outcomes, conflicts and agreement are the senior's."""
        who = self.login
        return who is None or who.is_senior

    def reviewer(self, name: str | None = None) -> Reviewer:
        """The reviewer called `name`; on a team login, only the login's own name (or none:
        the login's reviewer) is accepted."""
        me = self.login
        if me is not None:
            if name and name != me.name:
                raise PermissionDenied(
                    f"this store logs you in as {me.name}: you cannot act as {name}"
                )
            return me
        name = name or ""
        found = self.config.reviewer(name)
        if found is None:
            known = ", ".join(r.name for r in self.config.reviewers)
            raise PermissionDenied(f"{name!r} is not a reviewer of this review (known: {known})")
        return found

    def senior(self, name: str | None = None) -> Reviewer:
        who = self.reviewer(name)
        if not who.is_senior:
            raise PermissionDenied(f"{name!r} is not a senior reviewer: only a senior resolves")
        return who

    def resolve_id(self, value: str) -> int:
        """A project id (`R17`) → record id; the primary is used for duplicates."""
        rid = parse_project_id(value)
        if rid is None and value.strip().isdigit():
            rid = int(value.strip())
        if rid is None or not self.store.has_record(rid):
            raise NotFound(f"no record {value!r} in this review (project ids look like R17)")
        return self.primary_of().get(rid, rid)

    def primary_of(self) -> dict[int, int]:
        """duplicate → primary, cached until the link log grows (another process may add)."""
        head = self.store.last_link_id()
        if self._links_head != head:
            self._primary = primary_map(self.store.link_events())
            self._links_head = head
        return self._primary

    def previous_batches(self) -> frozenset[int]:
        """Import batches that are the previous version of an updated review (never screened
        again): see screener/ingest/previous.py."""
        return previous_batch_ids(self.store)

    def screenable(self) -> list[StoredRecord]:
        """Records that are screened: not duplicates, not of the previous version."""
        dups = self.primary_of()
        previous = self.previous_batches()
        return [r for r in self.store.records() if r.id not in dups and r.batch_id not in previous]

    def screenable_ids(self) -> list[int]:
        dups = self.primary_of()
        previous = self.previous_batches()
        return [
            rid
            for rid, batch in self.store.record_batches()
            if rid not in dups and batch not in previous
        ]

    def previous_version_included(self) -> int:
        """Studies the previous version included, from decisions made in this store before
        `screener update` (a previous review named in the config counts in its own store)."""
        previous = self.previous_batches()
        dups = self.primary_of()
        ids = [rid for rid, b in self.store.record_batches() if b in previous and rid not in dups]
        if not ids:
            return 0
        ta, ft = self.states(Stage.TITLE_ABSTRACT), self.states(Stage.FULL_TEXT)
        maybe = self.config.maybe_to_full_text
        req = {st: self.config.stages[st].reviewers_required for st in Stage}
        n = 0
        for rid in ids:
            a, b = ta.get(rid), ft.get(rid)
            if a is None or b is None or (a.auto is not None and a.resolution is None):
                continue
            if (a.outcome(req[Stage.TITLE_ABSTRACT], maybe).is_include
                    and b.outcome(req[Stage.FULL_TEXT], maybe, True).is_include):  # fmt: skip
                n += 1
        return n

    # -- derived state ------------------------------------------------------------------

    def states(self, stage: Stage) -> dict[int, RecordStage]:
        """Per primary record: its replayed state at `stage`.

        Derived from the log every time it changes; the replay is reused while neither the
        event log nor the link log has grown (another process may append to either).
        """
        primary = self.primary_of()
        key = (self.store.last_event_id(), self._links_head)
        cached = self._states.get(stage)
        if cached is not None and cached[0] == key:
            return cached[1]
        replayed = replay(self.store.events(stage=stage), primary)
        result = {rid: rs for (rid, _s), rs in replayed.items()}
        self._states[stage] = (key, result)
        return result

    def outcomes(self, stage: Stage) -> dict[int, Outcome]:
        """Outcome of every record that is at `stage` (auto-excluded records are not)."""
        required = self.config.stages[stage].reviewers_required
        maybe = self.config.maybe_to_full_text
        reasons_must_agree = stage is Stage.FULL_TEXT  # PRISMA reports the reason
        states = self.states(stage)
        ids = self.screenable_ids() if stage is Stage.TITLE_ABSTRACT else self.at_full_text()
        out: dict[int, Outcome] = {}
        for rid in ids:
            rs = states.get(rid)
            if rs is not None and rs.auto is not None and rs.resolution is None:
                continue
            out[rid] = rs.outcome(required, maybe, reasons_must_agree) if rs else Outcome.PENDING
        return out

    def auto_excluded(self) -> dict[int, str]:
        states = self.states(Stage.TITLE_ABSTRACT)
        return {
            rid: rs.auto.reason
            for rid, rs in states.items()
            if rs.auto is not None and rs.resolution is None
        }

    def at_full_text(self) -> list[int]:
        """Records whose title/abstract outcome is include."""
        ta = self.outcomes(Stage.TITLE_ABSTRACT)
        return [rid for rid, o in ta.items() if o.is_include]

    def check_stage_open(self, record_ids: Sequence[int], stage: Stage) -> None:
        if stage is Stage.FULL_TEXT and not self.sees_every_event:
            # A reviewer's login cannot read the other votes that decide which records passed
            # title/abstract; the senior's `screener verify` checks full-text decisions.
            return
        if stage is Stage.FULL_TEXT:
            allowed = set(self.at_full_text())
            bad = [project_id(r) for r in record_ids if r not in allowed]
            if bad:
                raise ScreenerError(
                    f"{len(bad)} record(s) have not passed title/abstract screening, so they "
                    f"cannot be decided at full text: {', '.join(bad[:10])}"
                )


def open_project(config: str | None = None) -> Project:
    from screener.config import config_path

    return Project.open(config_path(config))


def _already(path: Path, batch: Batch) -> FileReport:
    """The report of a file whose bytes were imported before: nothing is stored again."""
    return FileReport(
        str(path), batch.format, batch.source_label, batch.n_in_file, 0, [],
        [f"{path}: already imported on {batch.imported_at[:19]} as batch {batch.id} "
         f"({batch.source_label}); skipped"],
        already_imported=True,
    )  # fmt: skip
