"""Where a review stands, as one reader may see it (`screener status`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from screener.model import Outcome, Stage
from screener.screening.blinding import View
from screener.screening.review import Review


def review_status(project: Review, view: View) -> dict[str, Any]:
    """Records per source, duplicates, rule exclusions, and per stage the outcome counts, or,
    while a stage is blinded to the reader, its size and the reader's own progress only."""
    per_source: Counter[str] = Counter()
    for b in project.store.batches():
        per_source[b.source_label] += b.n_imported
    stages: dict[str, Any] = {}
    for stage in Stage:
        stages[stage.value] = _stage(project, view, stage)
    data: dict[str, Any] = {
        "review": project.config.name,
        "store": project.store.shown_url,
        "records": project.store.count_records(),
        "sources": dict(per_source),
        "duplicates": len(project.primary_of()),
        "auto_excluded": len(project.auto_excluded()),
        "stages": stages,
        "ranking": _ranking(project, view),
    }
    if view.hidden:
        data["blinded"] = sorted(stage.value for stage in view.hidden)
        data["viewer"] = view.name
    who = project.login
    if who is not None:
        data["login"] = {"reviewer": who.name, "senior": who.is_senior}
    return data


def _stage(project: Review, view: View, stage: Stage) -> dict[str, Any]:
    own = _own_progress(project, view, stage)
    if view.outcomes(stage):
        counts: dict[str, Any] = {o.value: 0 for o in Outcome}
        for outcome in project.outcomes(stage).values():
            counts[outcome.value] += 1
        counts["total"] = sum(counts.values())
        return {**counts, **({"yours": own} if own is not None else {})}
    # Blinded: no outcome is known to this reader, so every record counts as pending. The
    # records at full text are a title/abstract outcome: unknown while that is blinded.
    size = len(project.screenable_ids()) - len(project.auto_excluded())
    known = stage is Stage.TITLE_ABSTRACT
    out: dict[str, Any] = {"pending": size if known else None, "total": size if known else None,
                           "blinded": True}  # fmt: skip
    if own is not None:
        out["yours"] = own
    return out


def _own_progress(project: Review, view: View, stage: Stage) -> dict[str, int] | None:
    """The reader's own decisions at the stage, by decision (None without a reader)."""
    if view.viewer is None or view.viewer.is_senior:
        return None
    by = Counter(
        rs.votes[view.viewer.name].decision.value
        for rs in project.states(stage).values()
        if view.viewer.name in rs.votes
    )
    return {"decided": sum(by.values()), **{k: by[k] for k in ("include", "exclude", "maybe")}}


def _ranking(project: Review, view: View) -> dict[str, Any]:
    """The configured model and its parameters (from config.toml, the same for everyone) and,
    for a reviewer, what ranked their own decisions: how many were made on a ranked queue and
    how many decisions the model had learned from at the last one."""
    if not project.config.ranking_enabled:
        return {"enabled": False}
    from screener.ranking.live import COLD_START, model_description

    out: dict[str, Any] = {"enabled": True, **model_description(project)}
    if view.viewer is None or view.viewer.is_senior:
        return out
    yours: dict[str, Any] = {}
    for stage in Stage:
        shown = [
            e.context["ranking"]
            for e in project.store.events(stage=stage.value, reviewer=view.viewer.name)
            if isinstance(e.context.get("ranking"), dict)
        ]
        ranked = [r for r in shown if r.get("model") != COLD_START]
        if shown:
            last = ranked[-1] if ranked else {}
            yours[stage.value] = {"ranked_decisions": len(ranked),
                                  "rule_ordered_decisions": len(shown) - len(ranked),
                                  "last_model": last.get("model"),
                                  "last_learned_from": last.get("learned_from")}  # fmt: skip
    out["yours"] = yours
    return out
