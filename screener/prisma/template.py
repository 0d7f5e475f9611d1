"""The flow as the PRISMA2020 R package's template CSV (`PRISMA.csv`), which its
`PRISMA_data()` and its Shiny app read: columns data,node,box,description,boxtext,
tooltips,url,n, one row per box, the counts in `n`.

Reasons and per-database counts go in `n` as "Label, n; Label, n" (what the package
parses); commas and semicolons inside a label are replaced so the parse stays right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from screener.outgoing import safe_cell
from screener.prisma import wording as w
from screener.prisma.counts import TOTAL, PrismaFlow

COLUMNS = ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]

_NEWSTUD = "Identification of new studies via databases and registers"
_OTHSTUD = "Identification of new studies via other methods"
_DBR_EXCL = (
    "Reports excluded (databases and registers): [separate reasons and numbers using ; "
    "e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]"
)
_OTH_EXCL = (
    "Reports excluded (other): [separate reasons and numbers using ; "
    "e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]"
)

# (data, node, box, description, boxtext, tooltips, url) in the template's order.
TEMPLATE: list[tuple[str, str, str, str, str, str, str]] = [
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies",
     "Grey title box; Previous studies", "prevstud.html"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review",
     "Studies included in previous version of review", "previous_studies.html"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review", "NA", "previous_reports.html"),
    ("NA", "node6", "newstud", f"Yellow title box; {_NEWSTUD}", _NEWSTUD,
     f"Yellow title box; {_NEWSTUD}", "newstud.html"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases",
     "Records identified from: Databases and Registers", "database_results.html"),
    ("database_specific_results", "NA", "box2", "Records identified from: specific databases",
     "Specific Databases", "NA", "database_results.html"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers", "NA",
     "NA"),
    ("register_specific_results", "NA", "box2", "Records identified from: specific registers",
     "Specific Registers", "NA", "database_results.html"),
    ("NA", "node16", "othstud", f"Grey title box; {_OTHSTUD}", _OTHSTUD,
     f"Grey title box; {_OTHSTUD}", "othstud.html"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites",
     "Records identified from: Websites, Organisations and Citation Searching",
     "website_results.html"),
    ("organisation_results", "", "box11", "Records identified from: Organisations",
     "Organisations", "NA", "NA"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching",
     "Citation searching", "NA", "NA"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records", "Duplicate records",
     "duplicates.html"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools", "NA", "NA"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons",
     "Records removed for other reasons", "NA", "NA"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)",
     "Records screened", "Records screened (databases and registers)", "records_screened.html"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)",
     "Records excluded", "Records excluded (databases and registers)", "records_excluded.html"),
    ("dbr_sought_reports", "node11", "box6",
     "Reports sought for retrieval (databases and registers)", "Reports sought for retrieval",
     "Reports sought for retrieval (databases and registers)", "dbr_sought_reports.html"),
    ("dbr_notretrieved_reports", "node12", "box7",
     "Reports not retrieved (databases and registers)", "Reports not retrieved",
     "Reports not retrieved (databases and registers)", "dbr_notretrieved_reports.html"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval", "Reports sought for retrieval (other)",
     "other_sought_reports.html"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
     "Reports not retrieved", "Reports not retrieved (other)", "other_notretrieved_reports.html"),
    ("dbr_assessed", "node13", "box8",
     "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility",
     "Reports assessed for eligibility (databases and registers)", "dbr_assessed.html"),
    ("dbr_excluded", "node14", "box9", _DBR_EXCL, "Reports excluded",
     "Reports excluded (databases and registers)", "dbrexcludedrecords.html"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility", "Reports assessed for eligibility (other)",
     "other_assessed.html"),
    ("other_excluded", "node21", "box15", _OTH_EXCL, "Reports excluded",
     "Reports excluded (other)", "other_excluded.html"),
    ("new_studies", "node15", "box10", "New studies included in review",
     "New studies included in review", "New studies included in review", "new_studies.html"),
    ("new_reports", "NA", "box10", "Reports of new included studies",
     "Reports of new included studies", "NA", "NA"),
    ("total_studies", "node22", "box16", "Total studies included in review",
     "Total studies included in review", "Total studies included in review",
     "total_studies.html"),
    ("total_reports", "NA", "box16", "Reports of total included studies",
     "Reports of total included studies", "NA", "NA"),
    ("identification", "node1", "identification", "Blue identification box", "Identification",
     "Blue identification box", "identification.html"),
    ("screening", "node2", "screening", "Blue screening box", "Screening", "Blue screening box",
     "screening.html"),
    ("included", "node3", "included", "Blue included box", "Included", "Blue included box",
     "included.html"),
]  # fmt: skip

DATA_NAMES = [row[0] for row in TEMPLATE if row[0] != "NA"]


def _label(text: str) -> str:
    label = " ".join(text.replace(",", " ").replace(";", " ").split()) or "Unnamed"
    return str(safe_cell(label))


def reasons_cell(counts: Mapping[str, int]) -> str:
    """'Label, n; Label, n' as the package parses it; just the total when there are none."""
    items = [(k, v) for k, v in counts.items() if k != TOTAL]
    if not items:
        return str(counts.get(TOTAL, 0))
    return "; ".join(f"{_label(k)}, {v}" for k, v in items)


def _wording(flow: PrismaFlow, data: str, box: str, boxtext: str) -> str:
    """The template's words for this kind of review (the package's CSV has the update's)."""
    if box in ("newstud", "othstud"):
        return w.identification(flow.updated, other=box == "othstud")
    if data in ("new_studies", "new_reports"):
        return w.included(flow.updated)[data == "new_reports"]
    return boxtext


def csv_rows(flow: PrismaFlow) -> list[dict[str, str]]:
    values = flow.as_json()
    rows: list[dict[str, str]] = []
    for data, node, box, description, boxtext, tooltips, url in TEMPLATE:
        if data in values:
            v = values[data]
            n = reasons_cell(v) if isinstance(v, dict) else str(v)
        else:
            n = "0"
        boxtext = _wording(flow, data, box, boxtext)
        if box == "newstud" and flow.provisional:
            boxtext = f"{boxtext} (PROVISIONAL: {flow.provisional_note()})"
        row = [data, node, box, description, boxtext, tooltips, url, n]
        rows.append(dict(zip(COLUMNS, row, strict=True)))
    return rows


def to_csv(flow: PrismaFlow) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(flow))
    return buf.getvalue()


def write_csv(flow: PrismaFlow, path: Path) -> None:
    path.write_text(to_csv(flow), encoding="utf-8")
