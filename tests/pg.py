"""Test helpers for running store-backed tests on SQLite and on PostgreSQL.

PostgreSQL is used when `SCREENER_TEST_PG_URL` names a server (`.ci/postgres start`
prints one: `postgresql+psycopg://screener@127.0.0.1:55432/postgres`); each test then
gets a fresh database of its own, dropped afterwards. Without it, PostgreSQL cases skip.

Use in a test module:

    from tests.pg import backend_url, store_url  # noqa: F401  (fixtures)

    def test_on_both(backend_url):      # runs once on SQLite, once on PostgreSQL
        store = open_store(backend_url)

    def test_on_env_backend(store_url): # SQLite, or PostgreSQL if SCREENER_TEST_BACKEND=postgresql
        store = open_store(store_url())

A project-building fixture elsewhere can write `toml_store_line(store_url())` into the
`[review]` table of its config.toml to put the whole review on the chosen backend.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PG_URL_ENV = "SCREENER_TEST_PG_URL"
BACKEND_ENV = "SCREENER_TEST_BACKEND"
BACKENDS = ["sqlite", "postgresql"]


def pg_admin_url() -> str | None:
    """The server's URL (a database any test may connect to), or None when not configured."""
    return os.environ.get(PG_URL_ENV) or None


def default_backend() -> str:
    """`sqlite` unless SCREENER_TEST_BACKEND says `postgresql` (or `postgres`, `pg`)."""
    value = os.environ.get(BACKEND_ENV, "sqlite").strip().lower()
    return "postgresql" if value in ("postgresql", "postgres", "pg") else "sqlite"


def _libpq(url: str) -> str:
    """SQLAlchemy URL → libpq URL (drop the `+driver`)."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{name}" + (f"?{query}" if query else "")


def _admin_execute(sql: str) -> None:
    import psycopg

    admin = pg_admin_url()
    assert admin is not None
    with psycopg.connect(_libpq(admin), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def create_pg_database() -> str:
    """A fresh, empty database on the test server; returns its SQLAlchemy URL."""
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL not available ({PG_URL_ENV} is not set; see .ci/postgres)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed")
    name = f"screener_test_{uuid.uuid4().hex[:12]}"
    try:
        _admin_execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # server down or refusing: a skip, not a failure
        pytest.skip(f"PostgreSQL at {admin} is not usable: {exc}")
    return _with_database(admin, name)


def drop_pg_database(url: str) -> None:
    name = url.partition("?")[0].rsplit("/", 1)[1]
    with contextlib.suppress(Exception):  # best effort: the cluster is thrown away anyway
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class StoreUrls:
    """Hands out fresh store URLs for one test and cleans up the PostgreSQL ones."""

    def __init__(self, tmp_path: Path, backend: str | None = None) -> None:
        self.tmp_path = tmp_path
        self.backend = backend or default_backend()
        self._pg: list[str] = []
        self._n = 0

    def new(self, backend: str | None = None) -> str:
        kind = backend or self.backend
        if kind == "postgresql":
            url = create_pg_database()
            self._pg.append(url)
            return url
        self._n += 1
        return f"sqlite:///{self.tmp_path / f'store{self._n}.sqlite'}"

    def cleanup(self) -> None:
        for url in self._pg:
            drop_pg_database(url)
        self._pg.clear()


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory: `store_url()` is a fresh store URL on the environment's backend.

    SQLite by default; a fresh PostgreSQL database per call when SCREENER_TEST_BACKEND is
    `postgresql` (skipped when no server is configured). Dropped after the test.
    """
    urls = StoreUrls(tmp_path)
    yield urls.new
    urls.cleanup()


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One fresh store URL per backend: the test runs on SQLite and on PostgreSQL."""
    urls = StoreUrls(tmp_path, request.param)
    yield urls.new()
    urls.cleanup()


def toml_store_line(url: str) -> str:
    """The `[review] store = ...` line for a config (TOML basic string, escaped)."""
    escaped = url.replace("\\", "\\\\").replace('"', '\\"')
    return f'store = "{escaped}"'


REVIEWERS = ("alice", "bob")
SENIOR = "sam"


def ris_text(n: int, *, start: int = 1, prefix: str = "Study") -> str:
    """A small, valid RIS export of `n` distinct records (ids start..start+n-1)."""
    parts = []
    for i in range(start, start + n):
        parts.append(
            "TY  - JOUR\n"
            f"ID  - src{i}\n"
            f"TI  - {prefix} {i}: effect of intervention {i % 7} on outcome {i % 11}\n"
            f"AU  - Author{i}, A.\n"
            f"AU  - Other{i % 5}, B.\n"
            f"PY  - {1990 + i % 30}\n"
            f"JO  - Journal {i % 13}\n"
            f"AB  - Abstract of record {i}. Methods and results {i * 7}.\n"
            f"DO  - 10.1000/test.{i}\n"
            "ER  - \n"
        )
    return "\n".join(parts)


def make_review(
    folder: Path,
    store: str,
    *,
    n_records: int = 0,
    blinding: bool = True,
    extra: str = "",
) -> Path:
    """A review folder with reviewers alice, bob (reviewers) and sam (senior).

    With `n_records`, a RIS source of that many records is listed in the config (it is
    imported when the review is first opened). Returns the config path.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sources = ""
    if n_records:
        (folder / "search.ris").write_text(ris_text(n_records), encoding="utf-8")
        sources = '[[sources]]\nlabel = "TestDB"\nfiles = ["search.ris"]\n'
    config = folder / "config.toml"
    config.write_text(
        "[review]\n"
        'name = "test-review"\n'
        f"{toml_store_line(store)}\n"
        f"blinding = {'true' if blinding else 'false'}\n\n"
        + "".join(f'[[reviewers]]\nname = "{r}"\nrole = "reviewer"\n\n' for r in REVIEWERS)
        + f'[[reviewers]]\nname = "{SENIOR}"\nrole = "senior"\n\n'
        + "[dedup]\nauto = false\n\n"
        + sources
        + extra,
        encoding="utf-8",
    )
    return config


def add_records(
    store: Any, records: list[Any], *, path: str = "x.ris", sha256: str = ""
) -> tuple[int, list[int]]:
    """Store `records` as one import batch; return the batch id and the new record ids."""
    batch_id, _stored = store.add_batch(
        path=path,
        sha256=sha256 or uuid.uuid4().hex * 2,
        source_label="DB",
        source_kind="database",
        format="ris",
        encoding="utf-8",
        records=records,
        finish=lambda: (len(records), {"skipped": [], "warnings": []}),
    )
    ids = [rid for rid, batch, *_ in store.record_keys() if batch == batch_id]
    return int(batch_id), ids
