"""Read the PRISMA2020 R package's template CSV (`PRISMA.csv`, what template.py writes) into a
flow, to draw counts that come from elsewhere (no review store needed).

Columns `data` and `n` are used; a count is a whole number, the per-database, per-register
and per-reason rows are "Label, n; Label, n" (or just the total). The new-review template is
drawn unless the previous version's counts are given or the databases-and-registers heading
says "new studies" (as the package's own template and an updated review's CSV do).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from screener.errors import ScreenerError
from screener.prisma.arithmetic import arithmetic_problems
from screener.prisma.counts import ColumnCounts, PrismaFlow
from screener.prisma.template import DATA_NAMES

LISTS = {"database_specific_results", "register_specific_results", "dbr_excluded",
         "other_excluded"}  # fmt: skip
PHASES = {"identification", "screening", "included"}


class TemplateCsvError(ScreenerError):
    title = "Bad PRISMA CSV"
    exit_code = 1


def _count(text: str, where: str, what: str) -> int:
    text = text.strip()
    if text in ("", "NA"):
        return 0
    if not text.isdigit():
        raise TemplateCsvError(f"{where}: {what} is {text!r}, not a whole number")
    return int(text)


def _labelled(text: str, where: str, what: str) -> dict[str, int]:
    """'Label, n; Label, n' → {label: n}; a bare number is an unlabelled total ('' key)."""
    text = text.strip()
    if text in ("", "NA") or text.isdigit():
        return {"": _count(text, where, what)}
    out: dict[str, int] = {}
    for part in (p for p in text.split(";") if p.strip()):
        label, sep, n = part.rpartition(",")
        if not sep or not label.strip():
            raise TemplateCsvError(
                f"{where}: {what} part {part.strip()!r} is not 'Label, n' "
                "(separate parts with ';', e.g. 'Wrong population, 12; Wrong outcome, 3')"
            )
        key = label.strip()
        out[key] = out.get(key, 0) + _count(n, where, f"the count of {key!r} in {what}")
    return out


def read_rows(path: Path) -> tuple[dict[str, str], dict[str, int], str]:
    """(data name → n, data name → line, the newstud heading) from the CSV."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise TemplateCsvError(f"{path}: cannot read: {reason}") from exc
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    if "data" not in header or "n" not in header:
        raise TemplateCsvError(
            f"{path}:1: not a PRISMA2020 template CSV: the header needs the columns data and n "
            f"(found {', '.join(header[:8]) or 'nothing'})"
        )
    di, ni = header.index("data"), header.index("n")
    bi = header.index("box") if "box" in header else None
    ti = header.index("boxtext") if "boxtext" in header else None
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    heading = ""
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise TemplateCsvError(f"{where}: {len(row)} cells, the header has {len(header)}")
        data = row[di].strip()
        if bi is not None and ti is not None and row[bi].strip() == "newstud":
            heading = row[ti]
        if data in ("", "NA") or data in PHASES:
            continue
        if data not in DATA_NAMES:
            raise TemplateCsvError(f"{where}: unknown data name {data!r}")
        if data in values:
            raise TemplateCsvError(f"{where}: {data} given twice (first on line {lines[data]})")
        values[data], lines[data] = row[ni], reader.line_num
    return values, lines, heading


def read_flow_csv(path: Path) -> PrismaFlow:
    """The flow a template CSV describes; raises TemplateCsvError naming file and line."""
    values, lines, heading = read_rows(path)

    def at(name: str) -> str:
        return f"{path}:{lines.get(name, 1)}"

    n = {k: _count(v, at(k), k) for k, v in values.items() if k not in LISTS}
    lists = {k: _labelled(values.get(k, ""), at(k), k) for k in LISTS}
    for spec, total in (("database_specific_results", "database_results"),
                        ("register_specific_results", "register_results")):  # fmt: skip
        parts = lists[spec]
        if "" in parts and len(parts) == 1:
            lists[spec] = {"": n.get(total, 0)}
        elif total in n and sum(parts.values()) != n[total]:
            raise TemplateCsvError(
                f"{at(spec)}: {spec} add up to {sum(parts.values())}, "
                f"but {total} is {n[total]} (line {lines[total]})"
            )
    g = n.get
    flow = PrismaFlow(
        database_specific=lists["database_specific_results"],
        register_specific=lists["register_specific_results"],
        website_results=g("website_results", 0),
        organisation_results=g("organisation_results", 0),
        citations_results=g("citations_results", 0),
        previous_studies=g("previous_studies", 0),
        previous_reports=g("previous_reports", 0),
    )
    flow.updated = bool(flow.previous_studies or flow.previous_reports) or (
        "new studies" in heading.casefold()
    )
    flow.dbr = ColumnCounts(
        identified=flow.database_results + flow.register_results,
        duplicates=g("duplicates", 0), excluded_automatic=g("excluded_automatic", 0),
        excluded_other=g("excluded_other", 0), screened=g("records_screened", 0),
        excluded=g("records_excluded", 0), sought=g("dbr_sought_reports", 0),
        not_retrieved=g("dbr_notretrieved_reports", 0), assessed=g("dbr_assessed", 0),
        excluded_reasons=Counter(lists["dbr_excluded"]), included=g("new_studies", 0),
    )  # fmt: skip
    flow.other = ColumnCounts(
        identified=flow.website_results + flow.organisation_results + flow.citations_results,
        sought=g("other_sought_reports", 0), not_retrieved=g("other_notretrieved_reports", 0),
        assessed=g("other_assessed", 0), excluded_reasons=Counter(lists["other_excluded"]),
    )  # fmt: skip
    flow.other.screened = flow.other.identified  # the template has no screening of these
    flow.stated_reports = g("new_reports", flow.new_studies)
    for name, want in (("total_studies", flow.total_studies),
                       ("total_reports", flow.total_reports)):  # fmt: skip
        if name in n and n[name] != want and flow.updated:
            raise TemplateCsvError(f"{at(name)}: {name} is {n[name]}, but previous + new = {want}")
    return flow


def warnings(flow: PrismaFlow) -> list[str]:
    """Sums of a CSV's boxes that do not hold (the diagram is drawn all the same)."""
    skip = ("other methods: records identified", "other methods: records screened")
    return [p for p in arithmetic_problems(flow) if not p.startswith(skip)]
