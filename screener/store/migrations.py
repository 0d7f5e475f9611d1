"""Named, transactional schema migrations.

A store records its version in `schema_info`. Opening a store of an older version
backs the file up (SQLite) and applies each step in order; a newer version is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


# Version 1 is the initial schema created by `metadata.create_all`; later steps append here.
MIGRATIONS: list[Migration] = []
