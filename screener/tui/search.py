"""`/` search: a project id, or words found in titles and abstracts (no textual here).

`search_ids` finds the records (SQL, run off the event loop); `SearchResults` is the search
a reviewer is in: the query and its matches in one screening queue, stepped through in the
queue's order (which ranking may change meanwhile: positions are worked out when asked).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select

from screener.project import Project
from screener.store import schema
from screener.store.store import parse_project_id

if TYPE_CHECKING:
    from screener.tui.queue import ScreeningQueue

LIMIT = 5000


def search_ids(project: Project, text: str) -> list[int]:
    """Record ids (primaries) whose title or abstract holds every word of `text`."""
    text = text.strip()
    pid = parse_project_id(text)
    primary = project.primary_of()
    if pid is not None:
        return [primary.get(pid, pid)] if project.store.has_record(pid) else []
    words = [w for w in text.split() if w]
    if not words:
        return []
    c = schema.records.c
    clauses = []
    for w in words:
        pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            or_(c.title.ilike(pattern, escape="\\"), c.abstract.ilike(pattern, escape="\\"))
        )
    query = select(c.id).where(and_(*clauses)).order_by(c.id).limit(LIMIT)
    with project.store.read() as conn:
        ids = [row[0] for row in conn.execute(query)]
    return list(dict.fromkeys(primary.get(i, i) for i in ids))


@dataclass(frozen=True)
class SearchResults:
    """An active search: the query and the matching records of one queue."""

    query: str
    ids: frozenset[int]

    @classmethod
    def of(cls, query: str, hits: Iterable[int], queue: ScreeningQueue) -> SearchResults:
        """The hits that are in the queue (others are not screened at this stage)."""
        return cls(query, frozenset(h for h in hits if h in queue.index))

    def positions(self, queue: ScreeningQueue) -> list[int]:
        """Queue positions of the matches, in screening order."""
        return sorted(queue.index[rid] for rid in self.ids if rid in queue.index)

    def where(self, queue: ScreeningQueue) -> tuple[int, int]:
        """(k, n): the record on screen is match k of n; k is 0 when it is not a match."""
        order = self.positions(queue)
        i = bisect_left(order, queue.position)
        k = i + 1 if i < len(order) and order[i] == queue.position else 0
        return k, len(order)

    def undecided(self, queue: ScreeningQueue) -> int:
        return sum(1 for rid in self.ids if queue.my_vote(rid) is None)

    def step(self, queue: ScreeningQueue, delta: int) -> int | None:
        """The position of the next (delta > 0) or previous match, wrapping at the ends."""
        order = self.positions(queue)
        if not order:
            return None
        if delta > 0:
            i = bisect_right(order, queue.position)
            return order[i % len(order)]
        i = bisect_left(order, queue.position) - 1
        return order[i]  # -1 wraps to the last

    def next_undecided(self, queue: ScreeningQueue, start: int) -> int | None:
        """The first undecided match at or after position `start` (wrapping), or None."""
        order = self.positions(queue)
        i = bisect_left(order, start)
        for k in range(len(order)):
            pos = order[(i + k) % len(order)]
            if queue.my_vote(queue.ids[pos]) is None:
                return pos
        return None

    def first(self, queue: ScreeningQueue) -> int | None:
        """Where a new search starts: the first undecided match from the record on screen,
        or the first match from there when every match is decided."""
        found = self.next_undecided(queue, queue.position)
        if found is not None:
            return found
        order = self.positions(queue)
        i = bisect_left(order, queue.position)
        return order[i % len(order)] if order else None
