"""Who may see whose decisions: enforced here, not only in the UI."""

from __future__ import annotations

from screener.errors import PermissionDenied
from screener.model import Reviewer
from screener.screening.state import RecordStage, Vote


def may_see(viewer: Reviewer, owner: str, blinding: bool) -> bool:
    return not blinding or viewer.is_senior or viewer.name == owner


def visible_votes(viewer: Reviewer, rs: RecordStage, blinding: bool) -> dict[str, Vote]:
    """The votes on a record that `viewer` may see (only their own while blinded)."""
    return {name: v for name, v in rs.votes.items() if may_see(viewer, name, blinding)}


def require_may_see(viewer: Reviewer, owner: str | None, blinding: bool) -> None:
    """Refuse a blinded reviewer asking for another's (or everyone's) decisions."""
    if owner is None:
        if blinding and not viewer.is_senior:
            raise PermissionDenied(
                f"{viewer.name!r} is blinded: only a senior may read every reviewer's decisions"
            )
        return
    if not may_see(viewer, owner, blinding):
        raise PermissionDenied(
            f"{viewer.name!r} is blinded and may not read {owner!r}'s decisions "
            "until reconciliation (ask the senior reviewer)"
        )
