"""The flow as text: rows for the terminal table and a Markdown summary."""

from __future__ import annotations

from screener.model import Stage
from screener.prisma.counts import PENDING_LABELS, TOTAL, ColumnCounts, PrismaFlow
from screener.screening.blinding import STAGE_NAME

TA, FT = Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value


BLINDED = "blinded"  # a count the reader may not see (screening/blinding.py)
Row = tuple[str, int | str]


def _reason_rows(reasons: dict[str, int] | None, indent: str = "    ") -> list[Row]:
    return [(f"{indent}{k}", v) for k, v in (reasons or {}).items() if k != TOTAL]


def _pending_rows(flow: PrismaFlow, col: ColumnCounts, stage: str, prefix: str) -> list[Row]:
    """Awaiting and conflicts at `stage`, both shown when either is not zero."""
    if Stage(stage) in flow.hidden:
        return []
    counts = [
        (PENDING_LABELS[stage, kind], col.pending(stage, kind))
        for kind in ("awaiting", "conflicts")
    ]
    return [(f"{prefix}{label}", n) for label, n in counts] if any(n for _, n in counts) else []


def sections(flow: PrismaFlow) -> list[tuple[str, list[Row]]]:
    """(phase, [(box, n)]) in the order of the diagram; a count the reader may not see while
    blinded reads "blinded"."""
    data = flow.as_json()
    dbr, oth = flow.dbr, flow.other
    ta_hidden = Stage.TITLE_ABSTRACT in flow.hidden

    def n(key: str, value: int) -> int | str:
        return value if flow.shows(key) else BLINDED

    ident: list[Row] = []
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
    screening: list[Row] = [("Records screened", dbr.screened)]
    screening += _pending_rows(flow, dbr, TA, "    ")
    screening += [
        ("Records excluded", n("records_excluded", dbr.excluded)),
        ("Reports sought for retrieval", n("dbr_sought_reports", dbr.sought)),
        ("Reports not retrieved", n("dbr_notretrieved_reports", dbr.not_retrieved)),
        ("Reports assessed for eligibility", n("dbr_assessed", dbr.assessed)),
    ]
    screening += _pending_rows(flow, dbr, FT, "    ")
    screening.append(("Reports excluded", n("dbr_excluded", dbr.ft_excluded)))
    screening += _reason_rows(data["dbr_excluded"])
    if flow.has_other:
        screening += [
            ("Other methods: duplicate records", oth.duplicates),
            ("Other methods: records excluded on title and abstract",
             BLINDED if ta_hidden else oth.excluded),
            *_pending_rows(flow, oth, TA, "Other methods: "),
            ("Other methods: reports sought for retrieval", n("other_sought_reports", oth.sought)),
            ("Other methods: reports not retrieved",
             n("other_notretrieved_reports", oth.not_retrieved)),
            ("Other methods: reports assessed for eligibility", n("other_assessed", oth.assessed)),
            *_pending_rows(flow, oth, FT, "Other methods: "),
            ("Other methods: reports excluded", n("other_excluded", oth.ft_excluded)),
        ]  # fmt: skip
        screening += _reason_rows(data["other_excluded"])
    new = "New studies" if flow.updated else "Studies"
    included: list[Row] = [
        (f"{new} included in review", n("new_studies", flow.new_studies)),
        (f"Reports of {'new ' if flow.updated else ''}included studies",
         n("new_reports", flow.new_reports)),
    ]  # fmt: skip
    if flow.updated:
        included += [
            ("Total studies included in review", n("total_studies", flow.total_studies)),
            ("Reports of total included studies", n("total_reports", flow.total_reports)),
        ]
    return [("Identification", ident), ("Screening", screening), ("Included", included)]


def table_rows(flow: PrismaFlow) -> list[list[object]]:
    rows: list[list[object]] = []
    for phase, items in sections(flow):
        rows.append([phase.upper(), ""])
        rows += [[f"  {label}", value] for label, value in items]
    return rows


def status_line(flow: PrismaFlow) -> str:
    if flow.hidden:
        stages = " and ".join(STAGE_NAME[s] for s in Stage if s in flow.hidden)
        return (f"BLINDED at {stages}: the screening counts are for the senior until the stage "
                "is finished or the senior lifts blinding")  # fmt: skip
    if flow.provisional:
        return f"PROVISIONAL: {flow.provisional_note()} (counts change until none remain)"
    return "final: every record has an outcome at both stages"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def to_markdown(flow: PrismaFlow) -> str:
    lines = [f"# PRISMA 2020 flow{': ' + _md(flow.title) if flow.title else ''}", ""]
    if flow.hidden:
        lines += [f"> **{_md(status_line(flow))}**", ""]
    elif flow.provisional:
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
