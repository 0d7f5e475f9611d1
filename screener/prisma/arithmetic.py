"""The sums a PRISMA 2020 flow must satisfy, named box by box."""

from __future__ import annotations

from typing import TYPE_CHECKING

from screener.errors import PrismaArithmeticError
from screener.model import Stage

if TYPE_CHECKING:
    from screener.prisma.counts import PrismaFlow


def arithmetic_problems(flow: PrismaFlow) -> list[str]:
    """Each sum of boxes that does not hold, naming the boxes (empty when all hold)."""
    problems: list[str] = []
    for name, col, ident in (
        ("databases and registers", flow.dbr, flow.database_results + flow.register_results),
        ("other methods", flow.other,
         flow.website_results + flow.organisation_results + flow.citations_results),
    ):  # fmt: skip
        if ident != col.identified:
            problems.append(
                f"{name}: records identified per source add up to {ident}, "
                f"but {col.identified} records were identified"
            )
        removed = col.identified - col.duplicates - col.excluded_automatic - col.excluded_other
        if removed != col.screened:
            problems.append(
                f"{name}: records identified ({col.identified}) − duplicate records "
                f"({col.duplicates}) − marked ineligible by automation tools "
                f"({col.excluded_automatic}) − removed for other reasons ({col.excluded_other}) "
                f"= {removed}, but records screened = {col.screened}"
            )
        passed = col.screened - col.excluded - col.ta_awaiting - col.ta_conflicts
        if passed != col.sought:
            pending = (
                f" − awaiting screening ({col.ta_awaiting}) − conflicts ({col.ta_conflicts})"
                if col.ta_awaiting or col.ta_conflicts
                else ""
            )
            problems.append(
                f"{name}: records screened ({col.screened}) − records excluded ({col.excluded})"
                f"{pending} = {passed}, but reports sought for retrieval = {col.sought}"
            )
        if col.sought - col.not_retrieved != col.assessed:
            problems.append(
                f"{name}: reports sought for retrieval ({col.sought}) − reports not retrieved "
                f"({col.not_retrieved}) = {col.sought - col.not_retrieved}, but reports "
                f"assessed for eligibility = {col.assessed}"
            )
    assessed = flow.dbr.assessed + flow.other.assessed
    excluded = flow.dbr.ft_excluded + flow.other.ft_excluded
    pending_ft = flow.awaiting[Stage.FULL_TEXT.value] + flow.conflicts[Stage.FULL_TEXT.value]
    if assessed - excluded - pending_ft != flow.new_studies:
        more = f" − awaiting or in conflict ({pending_ft})" if pending_ft else ""
        problems.append(
            f"reports assessed for eligibility ({assessed}) − reports excluded ({excluded}){more} "
            f"= {assessed - excluded - pending_ft}, but new studies included = {flow.new_studies}"
        )
    negative = [
        k
        for k, v in flow.as_json().items()
        if isinstance(v, int) and not isinstance(v, bool) and v < 0
    ]
    if negative:
        problems.append(f"negative counts in: {', '.join(negative)}")
    return problems


def check_arithmetic(flow: PrismaFlow) -> None:
    problems = arithmetic_problems(flow)
    if problems:
        raise PrismaArithmeticError(
            "the PRISMA boxes do not add up (a bug or a damaged store):\n  " + "\n  ".join(problems)
        )
