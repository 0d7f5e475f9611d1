"""Import database exports: files in a worker, a progress bar, the import report."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Header, Input, ProgressBar, Static

from screener.errors import ScreenerError
from screener.project import FileReport
from screener.tui.messages import ImportFinished
from screener.tui.screens.base import BaseScreen
from screener.tui.text import cell, plain
from screener.tui.widgets.footer import KeyFooter


def expand(text: str, root: Path) -> list[Path]:
    """Space-separated paths or globs, relative to the review's folder."""
    out: list[Path] = []
    for part in text.split():
        p = Path(part).expanduser()
        if not p.is_absolute():
            p = root / p
        matches = sorted(glob.glob(str(p))) if any(ch in part for ch in "*?[") else [str(p)]
        out += [Path(m) for m in matches]
    return out


class ImportScreen(BaseScreen):
    """Type the files (globs allowed) and the source label, then Enter."""

    HELP_TITLE = "Import"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "start", "Import", tooltip="Import the files typed above")
    ]

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[FileReport] = []
        self.errors: list[tuple[str, str]] = []
        self.running = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="import"):
            yield Static(plain("Files to import (space-separated; * globs; relative to the review)"),
                         markup=False)  # fmt: skip
            yield Input(placeholder="exports/embase.ris exports/pubmed*.txt", id="import-paths")
            with Horizontal(id="import-row"):
                yield Input(placeholder="source label (default: from the config or the file)",
                            id="import-label")  # fmt: skip
                yield Button("Import", id="import-go", variant="primary")
            yield ProgressBar(show_eta=False, id="import-bar")
            yield Static(plain("", "dim"), id="import-status", markup=False)
            yield DataTable(id="import-report", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_heading("import")
        table = self.query_one(DataTable)
        table.add_columns("file", "format", "source", "in file", "imported", "skipped", "notes")
        self.query_one(ProgressBar).display = False  # until an import runs (idle, it only pulses)
        self.query_one("#import-paths", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#import-go")
    def _submit(self, event: Any) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        if self.running:
            return
        text = self.query_one("#import-paths", Input).value
        files = expand(text, self.sapp.project.config.root)
        if not files:
            self.notify("Type at least one file to import", severity="warning")
            return
        label = self.query_one("#import-label", Input).value.strip() or None
        self.running = True
        bar = self.query_one(ProgressBar)
        bar.update(total=len(files) + (1 if self.sapp.project.config.auto_dedup else 0), progress=0)
        bar.display = True
        self.run_import(files, label)

    @work(thread=True, exclusive=True, group="import")
    def run_import(self, files: list[Path], label: str | None) -> None:
        project = self.sapp.project
        imported = 0
        for f in files:
            self.app.call_from_thread(self._status, f"Importing {f.name}…")
            try:
                report = project.import_file(f, label=label, dedup=False)
            except ScreenerError as exc:
                self.app.call_from_thread(self._failed, str(f), exc.message)
            else:
                imported += report.imported
                self.app.call_from_thread(self._done, report)
        if imported and project.config.auto_dedup:
            self.app.call_from_thread(self._status, "Finding duplicates…")
            try:
                project.run_dedup()
            except ScreenerError as exc:
                self.app.call_from_thread(self.sapp.show_error, exc)
            self.app.call_from_thread(self._advance)
        self.app.call_from_thread(self._finished, len(files), imported)

    def _status(self, text: str) -> None:
        self.query_one("#import-status", Static).update(plain(text, "dim"))

    def _advance(self) -> None:
        self.query_one(ProgressBar).advance(1)

    def _done(self, report: FileReport) -> None:
        self.reports.append(report)
        notes = "; ".join(report.warnings[:2]) + (
            f" (+{len(report.warnings) - 2})" if len(report.warnings) > 2 else ""
        )
        self.query_one(DataTable).add_row(
            cell(Path(report.path).name), cell(report.format), cell(report.source),
            cell(report.records), cell(report.imported), cell(len(report.skipped)),
            cell(notes[:120]),
        )  # fmt: skip
        self._advance()

    def _failed(self, path: str, message: str) -> None:
        self.errors.append((path, message))
        self.query_one(DataTable).add_row(
            cell(Path(path).name),
            cell("—"),
            cell("—"),
            cell("—"),
            cell(0),
            cell("—"),
            cell(message[:120], "red"),
        )
        self._advance()

    def _finished(self, files: int, imported: int) -> None:
        self.running = False
        refused = f", {len(self.errors)} refused" if self.errors else ""
        self._status(f"Done: {imported:,} records imported from {files} file(s){refused}.")
        self.post_message(ImportFinished(files, imported))
