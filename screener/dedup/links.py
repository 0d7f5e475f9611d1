"""Current duplicate links, derived from the append-only link log.

`link` makes a record a duplicate of a primary; `unlink` undoes it; `distinct` records a
person's judgement that two records are different (they are never offered again).
"""

from __future__ import annotations

from collections.abc import Iterable

from screener.store.store import LinkEvent


def primary_map(events: Iterable[LinkEvent]) -> dict[int, int]:
    """duplicate record id → primary record id, as the log stands now (chains resolved)."""
    link: dict[int, int] = {}
    for ev in events:
        if ev.action == "link":
            link[ev.record_id] = ev.other_id
        elif ev.action == "unlink":
            link.pop(ev.record_id, None)
    resolved: dict[int, int] = {}
    for dup in link:
        seen = {dup}
        target = link[dup]
        while target in link and target not in seen:
            seen.add(target)
            target = link[target]
        if target != dup:
            resolved[dup] = target
    return resolved


def distinct_pairs(events: Iterable[LinkEvent]) -> set[frozenset[int]]:
    """Pairs a person declared not to be duplicates (later `link`s of the pair cancel it)."""
    pairs: set[frozenset[int]] = set()
    for ev in events:
        pair = frozenset((ev.record_id, ev.other_id))
        if ev.action == "distinct":
            pairs.add(pair)
        elif ev.action == "link":
            pairs.discard(pair)
    return pairs


def direct_links(events: Iterable[LinkEvent]) -> dict[int, LinkEvent]:
    """duplicate record id → the `link` event that currently holds it (not resolved)."""
    link: dict[int, LinkEvent] = {}
    for ev in events:
        if ev.action == "link":
            link[ev.record_id] = ev
        elif ev.action == "unlink":
            link.pop(ev.record_id, None)
    return link


def unlinked_pairs(events: Iterable[LinkEvent]) -> set[frozenset[int]]:
    """Pairs whose link was undone (and not linked again): never merged automatically again."""
    pairs: set[frozenset[int]] = set()
    for ev in events:
        pair = frozenset((ev.record_id, ev.other_id))
        if ev.action == "unlink":
            pairs.add(pair)
        elif ev.action == "link":
            pairs.discard(pair)
    return pairs
