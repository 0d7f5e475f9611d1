"""`/` search: a project id, or words found in titles and abstracts (no textual here)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from screener.project import Project
from screener.store import schema
from screener.store.store import parse_project_id

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
