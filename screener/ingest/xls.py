"""Legacy Excel (.xls) read by python-calamine in a child process with bounded memory.

calamine trusts the sizes a damaged or hostile .xls declares: it may panic, abort the process
or allocate tens of gigabytes. So the workbook is read in a child Python (`python -m
screener.ingest.xls MAX_CELLS`, the file on standard input, JSON on standard output) whose
address space and CPU time are limited; whatever goes wrong there is one line for the user.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

from screener.errors import ImportFormatError

MEMORY_LIMIT = 3 * 1024**3  # bytes of address space for the child
CPU_SECONDS = 120


def _limits() -> None:  # runs in the child, before it starts
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def xls_rows(
    data: bytes, path: str, max_cells: int, notes: list[str]
) -> list[tuple[int, dict[int, str]]]:
    """The non-empty rows of the first sheet, as (row number, {column: value})."""
    try:
        import python_calamine  # noqa: F401
    except ImportError as exc:  # installed without its dependencies
        raise ImportFormatError(
            path, 1, "a legacy Excel file (.xls) needs python-calamine to be read: "
            "save it as .xlsx or .csv, or `pip install python-calamine`"
        ) from exc  # fmt: skip
    try:
        child = subprocess.run(
            [sys.executable, "-m", "screener.ingest.xls", str(max_cells)],
            input=data,
            capture_output=True,
            timeout=CPU_SECONDS * 2,
            preexec_fn=_limits if sys.platform != "win32" else None,
        )
    except subprocess.TimeoutExpired as exc:
        raise ImportFormatError(path, 1, "a legacy Excel file (.xls) too slow to read") from exc
    try:
        answer: dict[str, Any] = json.loads(child.stdout)
    except ValueError:
        answer = {}
    if child.returncode != 0 or not answer:
        raise ImportFormatError(path, 1, "a damaged legacy Excel file (.xls): the reader failed "
                                "on it; save it again as .xlsx or .csv")  # fmt: skip
    if "error" in answer:
        raise ImportFormatError(path, int(answer.get("line", 1)), str(answer["error"]))
    notes.extend(f"{path}: {n}" for n in answer["notes"])
    return [(int(n), {int(k): str(v) for k, v in cells.items()}) for n, cells in answer["rows"]]


def _read(data: bytes, max_cells: int) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    from screener.ingest.cells import sparse_cells, too_big_message

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = workbook.sheet_names
    if not names:
        return {"error": "the workbook has no worksheet", "line": 1}
    notes = []
    if len(names) > 1:
        others = ", ".join(repr(n) for n in names[1:4]) + (", ..." if len(names) > 4 else "")
        notes.append(f"read the first sheet ({names[0]!r}) only; not read: {others}")
    sheet = workbook.get_sheet_by_index(0)
    top, left = sheet.start or (0, 0)
    rows, columns = top + sheet.height, left + sheet.width
    if rows * columns > max_cells:
        return {"error": too_big_message(rows, columns, max_cells), "line": rows}
    found = []
    for i, row in enumerate(sheet.iter_rows()):
        cells = sparse_cells(row, left)
        if cells:
            found.append((top + i + 1, cells))
    return {"notes": notes, "rows": found}


def main() -> None:
    """The child: the file on standard input, the rows (or an error) as JSON on output."""
    try:
        answer = _read(sys.stdin.buffer.read(), int(sys.argv[1]))
    except Exception as exc:  # a damaged file: calamine's own message
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        answer = {"error": f"a damaged legacy Excel file (.xls): {first}", "line": 1}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
