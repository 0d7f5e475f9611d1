"""The same store interface on SQLite and PostgreSQL, and `screener migrate --to URL`.

Every test here runs once per backend (`backend_url`); the PostgreSQL cases skip when no
server is configured (SCREENER_TEST_PG_URL, set by .ci/run from `.ci/postgres start`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from screener.cli import main
from screener.errors import PermissionDenied, StoreError
from screener.model import Outcome, Record, Stage
from screener.project import Project
from screener.resolve.conflicts import conflicts
from screener.screening.decide import decide, mark_retrieval, resolve, undo
from screener.store import open_store, schema
from screener.store.copy import compare_stores, copy_store
from screener.store.store import Store
from tests import pg
from tests.conftest import lift_blinding
from tests.pg import SENIOR, add_records, make_review

backend_url = pg.backend_url  # the fixture
store_url = pg.store_url  # the fixture


def table_rows(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order."""
    out: dict[str, list[dict[str, Any]]] = {}
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(r._mapping) for r in conn.execute(query)]
    return out


def build_history(project: Project) -> None:
    """Decisions at both stages, an undo, a resolution, a retrieval, links and candidates."""
    a, b = "alice", "bob"
    for rid in range(1, 11):
        decide(project, f"R{rid}", "include", reviewer=a, note=f"note ünïcödé {rid}")
        decide(
            project,
            f"R{rid}",
            "include" if rid % 3 else "exclude",
            reviewer=b,
            reason="" if rid % 3 else "Wrong population",
        )
    decide(project, "R11", "exclude", reviewer=a)
    undo(project, "R11", reviewer=a, stage=Stage.TITLE_ABSTRACT)
    resolve(project, "R3", "include", reviewer=SENIOR, reason="senior call")
    lift_blinding(project)
    mark_retrieval(project, "R1", True, reviewer=a, location="/pdfs/r1.pdf")
    decide(project, "R1", "exclude", reviewer=a, stage=Stage.FULL_TEXT, reason="Wrong outcome")
    project.store.append_links(
        [{"action": "link", "record_id": 20, "other_id": 19, "method": "doi", "score": 0.987654321,
          "actor": "dedup", "detail": {"why": "same DOI"}},
         {"action": "distinct", "record_id": 21, "other_id": 22, "actor": a}]
    )  # fmt: skip
    from sqlalchemy import insert

    with project.store.write() as conn:
        conn.execute(
            insert(schema.dup_candidates).values(
                ts="2024-01-01T00:00:00+00:00", record_a=23, record_b=24, score=0.5, detail="{}"
            )
        )


def test_store_interface(backend_url: str) -> None:
    """Batches, records, events and links round-trip through either backend."""
    store = open_store(backend_url)
    try:
        rec = Record(title="Tïtle [b]x[/b] \u202e", abstract="A" * 5000, authors=["Doe, J"],
                     year=2001, doi="10.1/x", keywords=["k1", "k2"], raw={"TI": ["t"]})  # fmt: skip
        _batch, ids = add_records(store, [rec, Record(title="two")])
        assert len(ids) == 2 and store.count_records() == 2
        got = store.record(ids[0])
        assert got is not None
        assert got.record.title == rec.title and got.record.abstract == rec.abstract
        assert got.record.authors == ["Doe, J"] and got.record.raw == {"TI": ["t"]}
        eid = store.append_event(record_id=ids[0], stage="title_abstract", reviewer="alice",
                                 action="decide", decision="include", context={"k": 1})  # fmt: skip
        store.append_events([{"record_id": ids[1], "stage": "title_abstract", "reviewer": "bob",
                              "action": "decide", "decision": "exclude"}])  # fmt: skip
        events = store.events()
        assert events[0].id == eid and len(events) == 2
        assert events[0].context == {"k": 1}
        assert [e.record_id for e in store.events(reviewer="bob")] == [ids[1]]
        store.append_links([{"action": "link", "record_id": ids[1], "other_id": ids[0]}])
        assert store.last_link_id() is not None and len(store.link_events()) == 1
        assert store.integrity_check() == []
        assert store.schema_version() == schema.SCHEMA_VERSION
    finally:
        store.close()
    again = open_store(backend_url)  # reopening an existing store keeps everything
    try:
        assert again.count_records() == 2 and len(again.events()) == 2
    finally:
        again.close()


def test_review_on_backend(backend_url: str, tmp_path: Path) -> None:
    """The Project facade: import from config, decide, conflicts, resolve, outcomes."""
    config = make_review(tmp_path / "review", backend_url, n_records=12)
    project = Project.open(config)
    try:
        assert project.store.count_records() == 12
        decide(project, "R1", "include", reviewer="alice")
        decide(project, "R1", "exclude", reviewer="bob")
        decide(project, "R2", "include", reviewer="alice")
        decide(project, "R2", "maybe", reviewer="bob")
        outcomes = project.outcomes(Stage.TITLE_ABSTRACT)
        assert outcomes[1] is Outcome.CONFLICT and outcomes[2] is Outcome.AGREED_INCLUDE
        with pytest.raises(PermissionDenied):
            conflicts(project, viewer="alice", stage=Stage.TITLE_ABSTRACT)
        assert [c["id"] for c in conflicts(project, viewer=SENIOR, stage=Stage.TITLE_ABSTRACT)] == [
            "R1"
        ]
        resolve(project, "R1", "exclude", reviewer=SENIOR)
        assert project.outcomes(Stage.TITLE_ABSTRACT)[1] is Outcome.RESOLVED_EXCLUDE
        assert project.at_full_text() == [2]
    finally:
        project.close()


def test_migrate_copies_every_row(
    backend_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`screener migrate --to URL`: every table identical row by row; ids continue after."""
    config = make_review(
        tmp_path / "review", f"sqlite:///{tmp_path / 'review' / 's.sqlite'}", n_records=30
    )
    project = Project.open(config)
    build_history(project)
    before = table_rows(project.store)
    project.close()

    assert main(["--config", str(config), "migrate", "--to", backend_url, "--switch"]) == 0
    assert "identical" in capsys.readouterr().out

    source = open_store(f"sqlite:///{tmp_path / 'review' / 's.sqlite'}")
    target = open_store(backend_url)
    try:
        after = table_rows(target)
        assert set(after) == set(before)
        for name, rows in before.items():
            assert len(after[name]) == len(rows), name
            for old, new in zip(rows, after[name], strict=True):
                assert old == new, (name, old, new)
        assert compare_stores(source, target) == []
    finally:
        source.close()
        target.close()

    # The config now points at the copy, and new ids follow the copied ones (sequences fixed).
    switched = Project.open(config)
    try:
        assert switched.store.url == backend_url
        last_event = max(r["id"] for r in before["events"])
        eid = decide(switched, "R5", "exclude", reviewer="alice")
        assert eid == last_event + 1
        switched.store.append_links([{"action": "unlink", "record_id": 20, "other_id": 19}])
        assert switched.store.last_link_id() == max(r["id"] for r in before["links"]) + 1
        batch, ids = add_records(switched.store, [Record(title="new")], path="more.ris")
        assert ids == [31] and batch == 2
    finally:
        switched.close()


def test_migrate_refuses_a_filled_target(
    backend_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_review(tmp_path / "a", f"sqlite:///{tmp_path / 'a.sqlite'}", n_records=3)
    other = make_review(tmp_path / "b", backend_url, n_records=2)
    Project.open(other).close()  # the target now holds a review
    assert main(["--config", str(config), "migrate", "--to", backend_url]) == 1
    assert "already holds data" in capsys.readouterr().err
    target = open_store(backend_url)
    try:
        assert target.count_records() == 2
    finally:
        target.close()


def test_copy_refuses_nul_for_postgresql(tmp_path: Path) -> None:
    """A NUL character cannot be stored by PostgreSQL: the copy is refused, not truncated."""
    from tests.pg import StoreUrls

    urls = StoreUrls(tmp_path, "postgresql")
    try:
        target_url = urls.new()
        source = open_store(f"sqlite:///{tmp_path / 'nul.sqlite'}")
        add_records(source, [Record(title="a\x00b")])
        target = open_store(target_url)
        with pytest.raises(StoreError, match="NUL"):
            copy_store(source, target)
        assert target.count_records() == 0
        source.close()
        target.close()
    finally:
        urls.cleanup()


def test_migrate_rejects_bad_urls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_review(tmp_path / "r", f"sqlite:///{tmp_path / 'r.sqlite'}", n_records=2)
    assert main(["--config", str(config), "migrate", "--to", "not a url"]) == 1
    assert (
        main(["--config", str(config), "migrate", "--to", f"sqlite:///{tmp_path / 'r.sqlite'}"])
        == 1
    )
    err = capsys.readouterr().err
    assert "database URL" in err and "own store" in err


def test_store_url_factory(store_url) -> None:
    """The factory fixture gives a fresh, empty store on the environment's backend."""
    first, second = store_url(), store_url()
    assert first != second
    store = open_store(first)
    try:
        assert store.count_records() == 0
    finally:
        store.close()


def test_switch_edits_only_the_store_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the starter config (store commented out), --switch adds one line under [review]."""
    from screener.config import load_config

    assert main(["init", str(tmp_path / "rev")]) == 0
    config = tmp_path / "rev" / "config.toml"
    before = config.read_text(encoding="utf-8").splitlines()
    target = f"sqlite:///{tmp_path / 'moved.sqlite'}"
    assert main(["--config", str(config), "migrate", "--to", target, "--switch", "--json"]) == 0
    after = config.read_text(encoding="utf-8").splitlines()
    assert [line for line in after if line not in before] == [f'store = "{target}"']
    assert len(after) == len(before) + 1
    assert load_config(config).store_url == target
