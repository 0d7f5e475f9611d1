"""Records on which the independent reviewers disagree, for the senior to resolve."""

from __future__ import annotations

from typing import Any

from screener.errors import PermissionDenied
from screener.model import Outcome, Stage
from screener.screening.blinding import view_of
from screener.screening.review import Review
from screener.screening.state import NOTE_SEPARATOR
from screener.store.store import project_id


def conflicts(project: Review, *, viewer: str | None, stage: Stage) -> list[dict[str, Any]]:
    """Open conflicts with both decisions, the senior's queue: refused to a reader blinded at
    the stage, and while the review is blinded, to anyone but a senior (they are the senior's
    to resolve, even once every reviewer has decided)."""
    view = view_of(project, viewer)
    view.require_outcomes(stage, "the conflicts")
    if project.config.blinding and not (view.viewer is not None and view.viewer.is_senior):
        raise PermissionDenied(
            "the conflicts are the senior's to resolve while the review is blinded (--as SENIOR)"
        )
    outcomes = project.outcomes(stage)
    states = project.states(stage)
    ids = [rid for rid, o in outcomes.items() if o is Outcome.CONFLICT]
    records = {sr.id: sr for sr in project.store.records(ids)}
    out = []
    for rid in ids:
        rs = states[rid]
        sr = records[rid]
        out.append(
            {
                "id": project_id(rid),
                "source_id": sr.record.source_id,
                "title": sr.record.title,
                "decisions": {
                    name: {
                        "decision": v.decision.value,
                        "reason": v.reason,
                        "note": NOTE_SEPARATOR.join(rs.notes_by(name)),
                        "record": project_id(v.record_id),
                    }
                    for name, v in rs.votes.items()
                },
            }
        )
    return out


def reason_disagreements(project: Review, stage: Stage) -> list[int]:
    """Records both reviewers excluded, for different reasons (reported, not conflicts)."""
    outcomes = project.outcomes(stage)
    return [
        rid
        for rid, rs in project.states(stage).items()
        if outcomes.get(rid) is Outcome.AGREED_EXCLUDE and rs.reason_disagreement()
    ]
