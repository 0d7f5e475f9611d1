"""Team mode on PostgreSQL: one database login per reviewer, enforced by the server.

On a SQLite file a reviewer's name is self-declared. On PostgreSQL, `setup_team` (run
with the store owner's URL, `screener team setup`) gives every reviewer and senior of the
config a LOGIN role of their own and lets the server decide who reads and writes what:

- the role's name is `role_name(review, reviewer)`: `screener_<review>_<reviewer>`, each
  part lowercased with every run of characters other than a-z and 0-9 turned into one `_`
  (a name longer than PostgreSQL's 63 bytes is cut and ends in a hash of both names);
  roles belong to the whole server, so a role of that name made for a review in another
  database (or not by screener) is refused rather than taken over;
- the table `team_members(role_name, reviewer, role)` maps each role to its reviewer's
  name as the config spells it, and whether it is a senior's;
- every member may read the records, import batches, duplicate links and candidates, the
  review-level log and the schema version, and append to `events` (a senior may also
  append to `review_events`: lifting blinding is the senior's);
- row-level security on `events`: a reviewer's login reads only the events whose
  `reviewer` is theirs (and the rules' `auto_exclude` events, nobody's vote) and inserts
  only events in their own name with a reviewer's actions (decide, undo, note, retrieval);
  a senior's login reads every event and inserts its own, resolutions included.

The store's owner (and any superuser) is not bound by these policies. The identity of a
connection is `login(conn)`: the member whose role is `current_user`, or None.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from screener.errors import PermissionDenied, ScreenerError
from screener.model import (
    AUTO_EXCLUDE,
    DECIDE,
    NOTE,
    RESOLVE,
    RETRIEVAL,
    UNDO,
    UNRESOLVE,
    Reviewer,
)
from screener.store.store import Store

TEAM_TABLE = "team_members"
# What every member reads; `events` is read through the row-level policies below.
READ_TABLES = (
    "records",
    "batches",
    "links",
    "dup_candidates",
    "review_events",
    "schema_info",
    TEAM_TABLE,
)
REVIEWER_ACTIONS = (DECIDE, UNDO, NOTE, RETRIEVAL)
SENIOR_ACTIONS = (RESOLVE, UNRESOLVE)
ROLE_COMMENT = "screener team member"  # marks the roles setup_team made (and may change)
READ_POLICY = "screener_team_read"
INSERT_POLICY = "screener_team_insert"
_MAX_IDENTIFIER = 63  # bytes, PostgreSQL's NAMEDATALEN - 1


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def role_name(review: str, reviewer: str) -> str:
    """The database role of `reviewer` in the review named `review` (stable, safe to quote)."""
    name = f"screener_{_slug(review)}_{_slug(reviewer)}"
    if len(name) > _MAX_IDENTIFIER:
        digest = hashlib.sha256(f"{review}\0{reviewer}".encode()).hexdigest()[:8]
        name = name[: _MAX_IDENTIFIER - 9].rstrip("_") + "_" + digest
    return name


def url_file_name(reviewer: str) -> str:
    """The file of a reviewer's connection URL in the `team/` folder beside the config."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", reviewer).strip("._") or "reviewer"
    return f"{safe}.url"


@dataclass(frozen=True)
class Member:
    """What `setup_team` did for one reviewer."""

    reviewer: str
    senior: bool
    role: str
    url_file: Path
    created: bool  # the role is new
    new_password: bool  # a password was generated (and written to url_file)


@dataclass(frozen=True)
class TeamReport:
    members: list[Member]
    retired: list[str]  # roles of reviewers no longer in the config (login disabled)


def login(conn: Connection) -> tuple[str, str, bool] | None:
    """(role, reviewer name, is senior) of the connection's login, or None when it is not a
    team member (SQLite, the owner, or a store without team mode)."""
    if conn.dialect.name != "postgresql":
        return None
    row = conn.exec_driver_sql(
        f"SELECT to_regclass('{TEAM_TABLE}') IS NOT NULL, current_user"
    ).first()
    if row is None or not row[0]:
        return None
    found = conn.exec_driver_sql(
        f"SELECT reviewer, role FROM {TEAM_TABLE} WHERE role_name = current_user"
    ).first()
    if found is None:
        return None
    return str(row[1]), str(found[0]), found[1] == "senior"


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner may read (0600), replacing any old one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _member_url(store_url: str, role: str, password: str) -> str:
    return (
        make_url(store_url)
        .set(username=role, password=password)
        .render_as_string(hide_password=False)
    )


def _check_owner(conn: Connection) -> None:
    """Team setup needs the owner of the store's tables, able to create roles."""
    me = login(conn)
    if me is not None:
        raise PermissionDenied(
            f"this store logs you in as {me[1]}: team setup needs the store owner's URL"
        )
    row = conn.exec_driver_sql(
        "SELECT r.rolsuper, r.rolcreaterole, "
        "pg_has_role(current_user, (SELECT tableowner FROM pg_tables "
        "  WHERE tablename = 'events' AND schemaname = current_schema()), 'USAGE') "
        "FROM pg_roles r WHERE r.rolname = current_user"
    ).first()
    if row is None or not (row[0] or row[1]):
        raise PermissionDenied(
            "team setup creates database roles: connect as a user with CREATEROLE (the "
            "store's owner or an administrator)"
        )
    if not (row[0] or row[2]):
        raise PermissionDenied("team setup must run as the owner of the store's tables")


def _members(review: str, reviewers: Sequence[Reviewer]) -> list[tuple[str, bool, str]]:
    """(reviewer, is senior, role) for every reviewer of the config; refuses a clash."""
    seen: dict[str, str] = {}
    out = []
    for r in reviewers:
        role = role_name(review, r.name)
        if role in seen:
            raise ScreenerError(
                f"reviewers {seen[role]!r} and {r.name!r} would share the database role "
                f"{role}: rename one in the config"
            )
        seen[role] = r.name
        out.append((r.name, r.is_senior, role))
    return out


def setup_team(
    store: Store,
    review: str,
    reviewers: Sequence[Reviewer],
    folder: Path,
    *,
    new_passwords: bool = False,
) -> TeamReport:
    """Create or update one login per reviewer and the row-level security of `events`.

    Idempotent: an existing role keeps its password while its URL file exists (unless
    `new_passwords`), a reviewer added to the config gets a role, and one removed from it
    loses its grants and its login. Everything is one transaction. Passwords are written
    only to `<folder>/<reviewer>.url` (`team/` beside the config; mode 0600), never returned.
    `review` is the review's name in the config, `reviewers` its reviewers.
    """
    if store.is_sqlite:
        raise ScreenerError(
            "team setup needs a PostgreSQL store (on a SQLite file reviewers' names are "
            "self-declared); move the review with `screener migrate --to URL --switch`"
        )
    members = _members(review, reviewers)
    report: list[Member] = []
    files: list[tuple[Path, str]] = []
    retired: list[str] = []
    with store.write() as conn:
        q = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7305117)")
        _check_owner(conn)
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {TEAM_TABLE} (role_name TEXT PRIMARY KEY, "
            "reviewer TEXT NOT NULL UNIQUE, role TEXT NOT NULL "
            "CHECK (role IN ('reviewer', 'senior')))"
        )
        conn.exec_driver_sql(f"REVOKE ALL ON {TEAM_TABLE} FROM PUBLIC")
        database = conn.exec_driver_sql("SELECT current_database()").scalar_one()
        schema_name = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        events_seq = conn.exec_driver_sql(
            "SELECT pg_get_serial_sequence('events', 'id')"
        ).scalar_one()
        review_seq = conn.exec_driver_sql(
            "SELECT pg_get_serial_sequence('review_events', 'id')"
        ).scalar_one()
        wanted = {role for _name, _senior, role in members}
        for (old_role,) in conn.exec_driver_sql(f"SELECT role_name FROM {TEAM_TABLE}").all():
            if old_role not in wanted:
                _revoke(conn, old_role, database, schema_name)
                if str(_role_comment(conn, old_role)).startswith(
                    f"{ROLE_COMMENT} of database {database}:"
                ):
                    conn.exec_driver_sql(f"ALTER ROLE {q(old_role)} NOLOGIN")
                retired.append(old_role)
        if retired:
            conn.exec_driver_sql(
                f"DELETE FROM {TEAM_TABLE} WHERE role_name = ANY(%(r)s)", {"r": retired}
            )
        for name, senior, role in members:
            url_file = folder / url_file_name(name)
            comment = _role_comment(conn, role)
            exists = comment is not None
            mark = f"{ROLE_COMMENT} of database {database}:"
            if exists and not str(comment).startswith(mark):
                whose = "another database's review" if ROLE_COMMENT in str(comment) else "no one"
                raise ScreenerError(
                    f"the database role {role} exists already, made for {whose}: roles are "
                    "shared by every database of the server, so rename this review (or the "
                    "reviewer) in the config, or drop that role"
                )
            password = None
            if not exists or new_passwords or not url_file.exists():
                password = secrets.token_urlsafe(24)  # [A-Za-z0-9_-]: safe in a literal
            if not exists:
                conn.exec_driver_sql(f"CREATE ROLE {q(role)} LOGIN PASSWORD '{password}'")
            elif password is not None:
                conn.exec_driver_sql(f"ALTER ROLE {q(role)} LOGIN PASSWORD '{password}'")
            else:
                conn.exec_driver_sql(f"ALTER ROLE {q(role)} LOGIN")
            text = f"{mark} review {review}, reviewer {name}".replace("'", "''")
            conn.exec_driver_sql(f"COMMENT ON ROLE {q(role)} IS '{text}'")
            conn.exec_driver_sql(
                f"DELETE FROM {TEAM_TABLE} WHERE reviewer = %(n)s AND role_name <> %(r)s",
                {"n": name, "r": role},
            )
            conn.exec_driver_sql(
                f"INSERT INTO {TEAM_TABLE} (role_name, reviewer, role) "
                "VALUES (%(r)s, %(n)s, %(k)s) ON CONFLICT (role_name) DO UPDATE "
                "SET reviewer = EXCLUDED.reviewer, role = EXCLUDED.role",
                {"r": role, "n": name, "k": "senior" if senior else "reviewer"},
            )
            _revoke(conn, role, database, schema_name)
            conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {q(database)} TO {q(role)}")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {q(schema_name)} TO {q(role)}")
            conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(READ_TABLES)} TO {q(role)}")
            conn.exec_driver_sql(f"GRANT SELECT, INSERT ON events TO {q(role)}")
            conn.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {events_seq} TO {q(role)}")
            if senior:
                conn.exec_driver_sql(f"GRANT INSERT ON review_events TO {q(role)}")
                conn.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {review_seq} TO {q(role)}")
            if password is not None:
                files.append((url_file, _member_url(store.url, role, password) + "\n"))
            report.append(Member(name, senior, role, url_file, not exists, password is not None))
        _policies(conn)
    # Written once the roles are committed; should a write fail, the next run finds the file
    # missing and gives that role a new password.
    for path, text in files:
        _write_private(path, text)
    return TeamReport(report, retired)


def _role_comment(conn: Connection, role: str) -> str | None:
    """The role's comment ('' without one), or None when there is no such role."""
    row = conn.exec_driver_sql(
        "SELECT coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles "
        "WHERE rolname = %(r)s",
        {"r": role},
    ).first()
    return None if row is None else str(row[0])


def _revoke(conn: Connection, role: str, database: str, schema_name: str) -> None:
    q = conn.dialect.identifier_preparer.quote
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM pg_roles WHERE rolname = %(r)s", {"r": role}
    ).first()
    if exists is None:
        return
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {q(schema_name)} FROM {q(role)}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q(schema_name)} FROM {q(role)}")
    conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {q(schema_name)} FROM {q(role)}")
    conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {q(database)} FROM {q(role)}")


def _policies(conn: Connection) -> None:
    """Row-level security on `events`, keyed on `current_user` through `team_members`."""
    mine = f"(SELECT m.reviewer FROM {TEAM_TABLE} m WHERE m.role_name = current_user)"
    senior = (
        f"EXISTS (SELECT 1 FROM {TEAM_TABLE} m WHERE m.role_name = current_user "
        "AND m.role = 'senior')"
    )

    def listed(actions: tuple[str, ...]) -> str:
        return ", ".join(f"'{a}'" for a in actions)

    conn.exec_driver_sql("ALTER TABLE events ENABLE ROW LEVEL SECURITY")
    conn.exec_driver_sql(f"DROP POLICY IF EXISTS {READ_POLICY} ON events")
    conn.exec_driver_sql(
        f"CREATE POLICY {READ_POLICY} ON events FOR SELECT USING "
        f"(reviewer = {mine} OR action = '{AUTO_EXCLUDE}' OR {senior})"
    )
    conn.exec_driver_sql(f"DROP POLICY IF EXISTS {INSERT_POLICY} ON events")
    conn.exec_driver_sql(
        f"CREATE POLICY {INSERT_POLICY} ON events FOR INSERT WITH CHECK "
        f"(reviewer = {mine} AND (action IN ({listed(REVIEWER_ACTIONS)}) "
        f"OR (action IN ({listed(SENIOR_ACTIONS)}) AND {senior})))"
    )
