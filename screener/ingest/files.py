"""Which files of a folder are exports to import.

The format of a file is still detected from its content (`read_file`); the extension
only decides which files of a folder are worth trying, so that a README or a PDF kept
next to the exports is listed as not imported rather than refused as a bad export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# RIS, PubMed MEDLINE/nbib (PubMed and EndNote write .txt), CSV/TSV, Excel, EndNote XML;
# BibTeX.
EXPORT_SUFFIXES = (
    ".ris",
    ".nbib",
    ".medline",
    ".txt",
    ".csv",
    ".tsv",
    ".tab",
    ".xlsx",
    ".xls",
    ".xml",
)
BIBTEX_SUFFIXES = (".bib",)


@dataclass(frozen=True, slots=True)
class NotImported:
    """A file or folder found in a folder that is not an export to import, and why."""

    path: Path
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"path": str(self.path), "reason": self.reason}


def export_files(folder: Path) -> tuple[list[Path], list[NotImported]]:
    """The export files directly in `folder` in name order, and what else is there.

    Not recursive; hidden files and folders (a name starting with '.') are skipped
    without a word. Raises OSError when the folder cannot be listed.
    """
    exports: list[Path] = []
    others: list[NotImported] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            others.append(NotImported(path, "a folder (folders are not searched inside)"))
        elif path.suffix.lower() in EXPORT_SUFFIXES + BIBTEX_SUFFIXES:
            exports.append(path)
        else:
            kind = f"{path.suffix} file" if path.suffix else "file without an extension"
            others.append(NotImported(path, f"not an export: a {kind}"))
    return exports, others
