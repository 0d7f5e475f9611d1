"""The flow as text: rows for the terminal table and a Markdown summary."""

from __future__ import annotations

from screener.model import Stage
from screener.prisma.flow import PENDING_LABELS, TOTAL, ColumnCounts, PrismaFlow

TA, FT = Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value


def _reason_rows(reasons: dict[str, int], indent: str = "    ") -> list[tuple[str, int]]:
    return [(f"{indent}{k}", v) for k, v in reasons.items() if k != TOTAL]


def _pending_rows(col: ColumnCounts, stage: str, prefix: str) -> list[tuple[str, int]]:
    """Awaiting and conflicts at `stage`, both shown when either is not zero."""
    counts = [
        (PENDING_LABELS[stage, kind], col.pending(stage, kind))
        for kind in ("awaiting", "conflicts")
    ]
    return [(f"{prefix}{label}", n) for label, n in counts] if any(n for _, n in counts) else []


def sections(flow: PrismaFlow) -> list[tuple[str, list[tuple[str, int]]]]:
    """(phase, [(box, n)]) in the order of the diagram."""
    data = flow.as_json()
    dbr, oth = flow.dbr, flow.other
    ident: list[tuple[str, int]] = []
    if flow.updated:
        ident += [
            ("Studies included in previous version of review", flow.previous_studies),
            ("Reports of studies included in previous version of review", flow.previous_reports),
        ]
    ident.append(("Records identified from databases", flow.database_results))
    ident += _reason_rows(data["database_specific_results"])
    ident.append(("Records identified from registers", flow.register_results))
    ident += _reason_rows(data["register_specific_results"])
    if flow.has_other:
        ident += [
            ("Records identified from websites", flow.website_results),
            ("Records identified from organisations", flow.organisation_results),
            ("Records identified from citation searching", flow.citations_results),
        ]
    ident.append(("Duplicate records removed", dbr.duplicates))
    if dbr.duplicates_previous:
        ident.append(("    of which duplicates of the previous search", dbr.duplicates_previous))
    ident += [
        ("Records marked as ineligible by automation tools", dbr.excluded_automatic),
        ("Records removed for other reasons", dbr.excluded_other),
    ]
    screening = [("Records screened", dbr.screened)]
    screening += _pending_rows(dbr, TA, "    ")
    screening += [
        ("Records excluded", dbr.excluded),
        ("Reports sought for retrieval", dbr.sought),
        ("Reports not retrieved", dbr.not_retrieved),
        ("Reports assessed for eligibility", dbr.assessed),
    ]
    screening += _pending_rows(dbr, FT, "    ")
    screening.append(("Reports excluded", dbr.ft_excluded))
    screening += _reason_rows(data["dbr_excluded"])
    if flow.has_other:
        screening += [
            ("Other methods: duplicate records", oth.duplicates),
            ("Other methods: records excluded on title and abstract", oth.excluded),
            *_pending_rows(oth, TA, "Other methods: "),
            ("Other methods: reports sought for retrieval", oth.sought),
            ("Other methods: reports not retrieved", oth.not_retrieved),
            ("Other methods: reports assessed for eligibility", oth.assessed),
            *_pending_rows(oth, FT, "Other methods: "),
            ("Other methods: reports excluded", oth.ft_excluded),
        ]
        screening += _reason_rows(data["other_excluded"])
    new = "New studies" if flow.updated else "Studies"
    included = [
        (f"{new} included in review", flow.new_studies),
        (f"Reports of {'new ' if flow.updated else ''}included studies", flow.new_reports),
    ]
    if flow.updated:
        included += [
            ("Total studies included in review", flow.total_studies),
            ("Reports of total included studies", flow.total_reports),
        ]
    return [("Identification", ident), ("Screening", screening), ("Included", included)]


def table_rows(flow: PrismaFlow) -> list[list[object]]:
    rows: list[list[object]] = []
    for phase, items in sections(flow):
        rows.append([phase.upper(), ""])
        rows += [[f"  {label}", value] for label, value in items]
    return rows


def status_line(flow: PrismaFlow) -> str:
    if flow.provisional:
        return f"PROVISIONAL: {flow.provisional_note()} (counts change until none remain)"
    return "final: every record has an outcome at both stages"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def to_markdown(flow: PrismaFlow) -> str:
    lines = [f"# PRISMA 2020 flow{': ' + _md(flow.title) if flow.title else ''}", ""]
    if flow.provisional:
        lines += [
            f"> **Provisional** — {flow.provisional_note()}. The counts change until every "
            "record has an outcome.",
            "",
        ]
    for phase, items in sections(flow):
        lines += [f"## {phase}", "", "| Box | n |", "|---|---:|"]
        for label, value in items:
            stripped = label.lstrip()
            shown = (
                _md(stripped) if stripped == label else f"&nbsp;&nbsp;&nbsp;&nbsp;{_md(stripped)}"
            )
            lines.append(f"| {shown} | {value} |")
        lines.append("")
    lines.append(
        "Counts derived by screener from the review's records, duplicate links and screening "
        "log (PRISMA 2020 template keys in the JSON and CSV outputs)."
    )
    return "\n".join(lines) + "\n"
