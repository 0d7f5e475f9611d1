"""Two reviewers deciding at the same time on one store lose nothing and see no lock errors.

Two processes (alice and bob) each record 2,000 decisions through the domain API as
fast as they can, started together; every decision must be stored exactly once and
neither process may see an error ("database is locked" or any other). SQLite is where
the locking is ours (BEGIN IMMEDIATE, busy timeout, retries); on PostgreSQL the server
arbitrates, so its leg is shorter (500 each). Each SQLite commit waits for fsync
(synchronous=FULL), hence the test's ~25 s.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from screener.model import Stage
from screener.project import Project
from screener.store import open_store
from tests import pg
from tests.pg import make_review

backend_url = pg.backend_url  # the fixture

N = {"sqlite": 2000, "postgresql": 500}

WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from screener.project import Project
    from screener.screening.decide import decide

    config, reviewer, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    project = Project.open(config)
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    ok = 0
    for i in range(1, n + 1):
        decide(project, f"R{i}", ("include", "exclude")[(i + len(reviewer)) % 2], reviewer=reviewer)
        ok += 1
        if i % 250 == 0:  # a reviewer also reads while the other writes
            project.outcomes(next(iter(project.config.stages)))
    print(f"done {ok}", flush=True)
    """
)


@pytest.mark.slow
def test_two_processes_lose_no_decision(backend_url: str, tmp_path: Path) -> None:
    n = N["sqlite" if backend_url.startswith("sqlite") else "postgresql"]
    config = make_review(tmp_path / "review", backend_url, n_records=n)
    Project.open(config).close()
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-c", WORKER, str(config), name, str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alice", "bob")
    }
    for proc in procs.values():
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = {name: proc.communicate(timeout=300) for name, proc in procs.items()}
    for name, (out, err) in results.items():
        assert procs[name].returncode == 0, f"{name} failed: {err[-2000:]}"
        assert "locked" not in err.lower() and "busy" not in err.lower(), err[-2000:]
        assert out.strip() == f"done {n}"

    store = open_store(backend_url)
    try:
        assert store.integrity_check() == []
        events = store.events(stage="title_abstract")
        per = Counter((e.reviewer, e.record_id) for e in events)
        assert len(events) == 2 * n
        assert set(per.values()) == {1}
        assert {r for r, _ in per} == {"alice", "bob"}
        assert len({e.id for e in events}) == 2 * n
    finally:
        store.close()
    project = Project.open(config)
    try:
        outcomes = project.outcomes(Stage.TITLE_ABSTRACT)
        assert len(outcomes) == n and all(o.value != "pending" for o in outcomes.values())
    finally:
        project.close()


OPENER = textwrap.dedent(
    """
    import sys
    from sqlalchemy import create_engine
    create_engine("sqlite://")  # warm the imports before the start signal
    from screener.store import open_store
    print("ready", flush=True)
    sys.stdin.readline()
    open_store(sys.argv[1]).close()
    print("opened", flush=True)
    """
)


def test_processes_creating_a_new_store_at_once(backend_url: str) -> None:
    """Reviewers opening a brand-new shared store together: one creates it, none fails."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, backend_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "opened", err[-2000:]
    store = open_store(backend_url)
    try:
        from screener.store import schema

        with store.read() as conn:
            rows = conn.execute(schema.schema_info.select()).all()
        assert sorted(r.key for r in rows) == ["created_at", "schema_version"]
        assert store.schema_version() == schema.SCHEMA_VERSION
    finally:
        store.close()
