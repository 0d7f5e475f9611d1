"""Rules whose action is `exclude` remove records before screening, as logged events.

Each auto-exclusion is an `auto_exclude` event by the pseudo-reviewer `rules`, naming the
rule and its reason; PRISMA counts them as `excluded_automatic`. A senior can override one
with a resolution, and an event is never written twice for the same record.
"""

from __future__ import annotations

from screener.model import Stage
from screener.screening.review import Review
from screener.screening.state import AUTO_EXCLUDE

RULES_ACTOR = "rules"


def apply_exclusion_rules(project: Review) -> int:
    """Log an auto-exclusion for every screenable record an `exclude` rule hits; return how many."""
    if not any(r.get("action") == "exclude" for r in project.config.rules):
        return 0
    from screener.rules import rules_of

    ruleset = rules_of(project.config)
    done = {
        ev.record_id
        for ev in project.store.events(stage=Stage.TITLE_ABSTRACT, actions=[AUTO_EXCLUDE])
    }
    events = []
    for sr in project.screenable():
        if sr.id in done:
            continue
        hit = ruleset.auto_excluded(sr.record)
        if hit is not None:
            events.append({
                "record_id": sr.id, "stage": Stage.TITLE_ABSTRACT.value, "reviewer": RULES_ACTOR,
                "action": AUTO_EXCLUDE, "decision": "exclude", "reason": hit.reason or hit.rule,
                "context": {"rule": hit.rule},
            })  # fmt: skip
    if events:
        project.store.append_events(events)
    return len(events)
