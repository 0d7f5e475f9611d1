"""Spreadsheet import at the edges of a sheet: small .xlsx files whose data reaches row
1,048,576 or column XFD, imported with `screener import` in a fresh process.

Prints, for each file, the wall time and peak memory (ru_maxrss) of `screener import`
(the whole command, into a new review's SQLite store, dedup after import turned off as in
bench_import.py; targets: < 2 s and < 300 MB), and as the reference, measured the same way on the same file:
openpyxl's plain (not read-only) `load_workbook`, and `pandas.read_excel` (how screener read
spreadsheets before: it builds the grid up to the last row and column).

    python benchmarks/bench_spreadsheet.py [--no-pandas] [--timeout 120]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from measure import MEASURE

WORDS = ["ketamine", "therapy", "depression", "randomized", "trial", "outcome", "patients",
         "anxiety", "cohort", "effect", "infusion", "psychotherapy", "chronic", "pain",
         "addiction", "alcohol", "placebo", "response", "remission", "dose"]  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]

OPENPYXL = "import sys, openpyxl; openpyxl.load_workbook(sys.argv[1])"
PANDAS = "import sys, pandas; print(len(pandas.read_excel(sys.argv[1])))"


def last_row_file(path: Path) -> None:
    """A header and one data row, at row 1,048,576 (the last row of a sheet)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for column, name in enumerate(["Title", "Authors", "Year", "Journal", "DOI"], start=1):
        sheet.cell(1, column, name)
    values = ["A record at the last row", "Doe, J", 2020, "J Far Rows", "10.5555/far.row"]
    for column, value in enumerate(values, start=1):
        sheet.cell(1_048_576, column, value)
    book.save(path)


def last_column_file(path: Path, rows: int = 300) -> None:
    """Records in columns A-C, each with a note in column XFD (the last column)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for column, name in enumerate(["Title", "Year", "Authors"], start=1):
        sheet.cell(1, column, name)
    sheet.cell(1, 16_384, "Note")
    rng = random.Random(1)
    for row in range(2, rows + 2):
        sheet.cell(row, 1, " ".join(rng.choice(WORDS) for _ in range(8)).capitalize())
        sheet.cell(row, 2, 1990 + row % 30)
        sheet.cell(row, 3, "Roe, K")
        sheet.cell(row, 16_384, f"n{row}")
    book.save(path)


def measure(argv: list[str], timeout: float) -> dict[str, object]:
    try:
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, *argv],
            capture_output=True, text=True, timeout=timeout, check=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"rc": None, "seconds": timeout, "peak_mb": float("nan"), "out": "", "err": ""}
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas reference")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per reference step")
    args = ap.parse_args()
    screener = shutil.which("screener") or ""
    command = [screener] if screener else [sys.executable, "-m", "screener"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        starter = (ROOT / "screener" / "templates" / "starter_config.toml").read_text("utf-8")
        starter = starter.replace("auto = true", "auto = false")  # the import alone, no dedup
        files = {"data at row 1,048,576": work / "last_row.xlsx",
                 "data in column XFD": work / "last_column.xlsx"}  # fmt: skip
        last_row_file(files["data at row 1,048,576"])
        last_column_file(files["data in column XFD"])
        print(f"{'file':<24}{'KB':>6}  {'step':<34}{'seconds':>9}{'peak MB':>9}  result")
        for label, path in files.items():
            review = work / path.stem
            review.mkdir()
            (review / "config.toml").write_text(starter, encoding="utf-8")
            steps = [
                ("screener import", [*command, "--config", str(review / "config.toml"),
                                     "import", str(path), "--json"]),
                ("openpyxl.load_workbook (plain)", [sys.executable, "-c", OPENPYXL, str(path)]),
            ]  # fmt: skip
            if not args.no_pandas:
                steps.append(("pandas.read_excel", [sys.executable, "-c", PANDAS, str(path)]))
            size = path.stat().st_size / 1024
            for name, argv in steps:
                r = measure(argv, args.timeout if name != "screener import" else 600)
                if r["rc"] is None:
                    outcome = f"stopped after {args.timeout:.0f} s"
                elif r["rc"] != 0:
                    outcome = f"exit {r['rc']}: {str(r['err']).strip()[-80:]}"
                elif name == "screener import":
                    report = json.loads(str(r["out"]))
                    outcome = f"{report['total']} record(s) imported"
                else:
                    outcome = "ok"
                seconds, peak = float(str(r["seconds"])), float(str(r["peak_mb"]))
                print(f"{label:<24}{size:>6.1f}  {name:<34}{seconds:>9.2f}{peak:>9.0f}  {outcome}")
    print("targets for screener import: < 2 s and < 300 MB peak")


if __name__ == "__main__":
    main()
