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


def _screener(*args: str) -> subprocess.Popen[str]:
    """The installed command, started now (a user in another terminal)."""
    return subprocess.Popen([sys.executable, "-m", "screener", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.slow
def test_two_imports_of_one_file_at_once_store_it_once(backend_url: str, tmp_path: Path) -> None:
    """Two `screener import same.ris` started together: the check and the insert share one
    write transaction, so the file's records are stored once and the other run says so."""
    config = make_review(tmp_path / "review", backend_url)
    (tmp_path / "same.ris").write_text(pg.ris_text(300), encoding="utf-8")
    Project.open(config).close()
    procs = [_screener("--config", str(config), "import", str(tmp_path / "same.ris"), "--json")
             for _ in range(2)]  # fmt: skip
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    store = open_store(backend_url)
    try:
        assert store.count_records() == 300 and len(store.batches()) == 1
    finally:
        store.close()
    assert sum('"already_imported": true' in out for out, _err in results) == 1


@pytest.mark.slow
def test_four_first_opens_build_a_new_review_once(backend_url: str, tmp_path: Path) -> None:
    """Four `screener status` on a new review whose config lists a source: one builds it, the
    others wait and find it built."""
    config = make_review(tmp_path / "review", backend_url, n_records=400)
    procs = [_screener("--config", str(config), "status", "--json") for _ in range(4)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, results
    project = Project.open(config)
    try:
        assert project.store.count_records() == 400 and len(project.store.batches()) == 1
        actions = [e.action for e in project.store.review_events()]
        assert actions.count("built") == 1 and actions.count("build_started") == 1
    finally:
        project.close()


def test_a_build_cut_short_resumes_without_replaying_twice(tmp_path: Path) -> None:
    """A build killed after its imports (no `built` mark): the next open finishes it, and a
    decision file replayed before the cut is not replayed again."""
    folder = tmp_path / "review"
    config = make_review(folder, f"sqlite:///{folder / 's.sqlite'}", n_records=5, extra=(
        '[[decision_files]]\nfile = "alice.csv"\nreviewer = "alice"\nstage = "title_abstract"\n'
    ))  # fmt: skip
    (folder / "alice.csv").write_text("record,decision\nR1,include\nR2,exclude\n", encoding="utf-8")
    project = Project.open(config)
    with project.store.write() as conn:  # undo the end of the build: as if killed before it
        conn.exec_driver_sql("DELETE FROM review_events WHERE action = 'built'")
    project.close()
    again = Project.open(config)
    try:
        assert again.store.count_records() == 5
        assert len(again.store.events(reviewer="alice")) == 2
        assert [e.action for e in again.store.review_events()].count("built") == 1
    finally:
        again.close()
