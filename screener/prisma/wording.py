"""The words of the PRISMA 2020 flow diagram templates, and what each box means.

A new review uses the template "for new systematic reviews" ("Identification of studies via
databases and registers", "Studies included in review"); an updated review uses the template
"for updated systematic reviews" ("Identification of new studies via ...", "New studies
included in review", the previous-studies column and the total).
"""

from __future__ import annotations

DBR = "databases and registers"
OTHER = "other methods"
PREVIOUS_STUDIES = "Studies included in previous version of review"
PREVIOUS_REPORTS = "Reports of studies included in previous version of review"
TOTAL_STUDIES = "Total studies included in review"
TOTAL_REPORTS = "Reports of total included studies"


def identification(updated: bool, other: bool = False) -> str:
    """The heading of the databases-and-registers (or other-methods) column."""
    what = "new studies" if updated else "studies"
    return f"Identification of {what} via {OTHER if other else DBR}"


def included(updated: bool) -> tuple[str, str]:
    """(studies, reports) of the included box."""
    if updated:
        return "New studies included in review", "Reports of new included studies"
    return "Studies included in review", "Reports of included studies"


# What each box counts (shown as the box's tooltip in the HTML diagram), in the spirit of
# the PRISMA2020 R package's tooltips and the PRISMA 2020 explanation and elaboration.
TOOLTIPS: dict[str, str] = {
    "prevstud": "Studies carried over from the previous version of this review.",
    "previous": "Studies included in the previous version of the review, and the reports "
    "(articles, register entries, theses ...) of those studies.",
    "newstud": "Records found by searching bibliographic databases and study registers.",
    "dbr_ident": "Records identified from each database and register searched, before any "
    "were removed.",
    "dbr_removed": "Records removed before screening: duplicates of another record, records "
    "marked as ineligible by automation tools, and records removed for other reasons.",
    "dbr_screened": "Records whose titles and abstracts were screened against the "
    "eligibility criteria.",
    "dbr_excluded_ta": "Records excluded on their title and abstract.",
    "dbr_sought": "Reports (full texts) sought for the records that passed title and "
    "abstract screening.",
    "dbr_notretrieved": "Reports that could not be obtained.",
    "dbr_assessed": "Reports read in full and assessed for eligibility.",
    "dbr_excluded": "Reports excluded after full-text assessment, with the number excluded "
    "for each reason.",
    "new_studies": "Studies that met the eligibility criteria, and the reports of those studies.",
    "othstud": "Records found by other methods: websites, organisations and citation searching.",
    "other_ident": "Records identified from websites, organisations and citation searching.",
    "other_removed": "Records found by other methods that were removed before retrieval: "
    "duplicates, records marked ineligible by automation tools, records excluded on title "
    "and abstract.",
    "other_sought": "Reports sought for the records found by other methods.",
    "other_notretrieved": "Reports found by other methods that could not be obtained.",
    "other_assessed": "Reports found by other methods, assessed for eligibility in full.",
    "other_excluded": "Reports found by other methods excluded after full-text assessment, "
    "with the number excluded for each reason.",
    "total": "All studies included in the updated review (previous and new), and their reports.",
    "Identification": "Identification: records found by the searches and removed before screening.",
    "Screening": "Screening: records screened on title and abstract, reports retrieved and "
    "assessed in full.",
    "Included": "Included: the studies, and the reports of them, included in the review.",
}
