"""`screener verify`: a consistent review passes; each kind of damage is found and named."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from screener.cli import main
from screener.model import Stage
from screener.project import Project
from screener.screening.decide import decide, mark_retrieval, resolve, undo
from screener.verify import verify
from tests import pg
from tests.conftest import lift_blinding
from tests.pg import SENIOR, make_review

backend_url = pg.backend_url  # the fixture


def history(project: Project) -> None:
    """A consistent review: agreement, a resolved conflict, full text, a duplicate link."""
    for rid in (1, 2, 3):
        decide(project, f"R{rid}", "include", reviewer="alice")
        decide(project, f"R{rid}", "include" if rid != 3 else "exclude", reviewer="bob")
    resolve(project, "R3", "include", reviewer=SENIOR)
    decide(project, "R4", "exclude", reviewer="alice")
    decide(project, "R4", "exclude", reviewer="bob")
    lift_blinding(project)
    mark_retrieval(project, "R1", True, reviewer="alice", location="r1.pdf")
    mark_retrieval(project, "R2", False, reviewer="alice")
    for who in ("alice", "bob"):
        decide(project, "R1", "include", reviewer=who, stage=Stage.FULL_TEXT)
        decide(
            project, "R3", "exclude", reviewer=who, stage=Stage.FULL_TEXT, reason="Wrong outcome"
        )
    project.store.append_links(
        [{"action": "link", "record_id": 9, "other_id": 8, "actor": "dedup"}]
    )


@pytest.fixture
def review(tmp_path: Path) -> Path:
    config = make_review(tmp_path / "review", f"sqlite:///{tmp_path / 's.sqlite'}", n_records=12)
    project = Project.open(config)
    history(project)
    project.close()
    return config


def run_verify(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["--config", str(config), "verify", "--json", "--as", SENIOR])
    return code, json.loads(capsys.readouterr().out)


def test_consistent_review_passes(
    backend_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_review(tmp_path / "review", backend_url, n_records=12)
    project = Project.open(config)
    history(project)
    project.close()
    code, data = run_verify(config, capsys)
    assert code == 0, data["problems"]
    assert data["ok"] is True and data["problems"] == []
    summary = data["summary"]
    assert summary["records"] == 12 and summary["links"] == 1
    ta = summary["outcomes"]["title_abstract"]
    assert ta["total"] == 11  # R9 is a duplicate of R8
    assert (ta["agreed_include"], ta["resolved_include"], ta["agreed_exclude"]) == (2, 1, 1)
    assert summary["outcomes"]["full_text"]["total"] == 3
    if "prisma" in summary:
        assert (
            summary["prisma"]["duplicates"] in (1, {"total": 1}) or summary["prisma"]["duplicates"]
        )
    # and the plain-text report says so
    capsys.readouterr()
    assert main(["--config", str(config), "verify"]) == 1  # blinded: the senior's
    assert main(["--config", str(config), "verify", "--as", SENIOR]) == 0
    assert "verified: consistent" in capsys.readouterr().out


def test_full_text_checked_against_title_abstract_at_the_time(
    review: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A later change of the title/abstract outcome does not make an earlier decision wrong."""
    project = Project.open(review)
    undo(project, "R1", reviewer="bob", stage=Stage.TITLE_ABSTRACT)  # R1 no longer passes TA
    assert 1 not in project.at_full_text()
    project.close()
    code, data = run_verify(review, capsys)
    assert code == 0, data["problems"]


def raw_sql(config: Path, *statements: str) -> None:
    """Write behind screener's back (foreign keys off), as a damaged or edited file would."""
    db = config.parent.parent / "s.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        for sql in statements:
            conn.execute(sql)


def event(project: Project, **kw: object) -> None:
    row = {"record_id": 5, "stage": "title_abstract", "reviewer": "alice", "action": "decide",
           "decision": "include", **kw}  # fmt: skip
    project.store.append_events([row])


TAMPER: dict[str, tuple[str, str, Callable[[Project, Path], None]]] = {
    "resolution by a non-senior": (
        "reviewers", "not a senior",
        lambda p, c: event(p, record_id=2, action="resolve", decision="exclude", reviewer="alice"),
    ),
    "decision by an unknown reviewer": (
        "reviewers", "'mallory'", lambda p, c: event(p, reviewer="mallory"),
    ),
    "full text before title/abstract": (
        "full_text", "R5",
        lambda p, c: event(p, stage="full_text", decision="include", record_id=5),
    ),
    "full text on a record excluded at title/abstract": (
        "full_text", "agreed_exclude",
        lambda p, c: event(p, stage="full_text", decision="include", record_id=4),
    ),
    "retrieval before title/abstract": (
        "full_text", "retrieval",
        lambda p, c: event(p, stage="full_text", action="retrieval", decision="retrieved", record_id=6),
    ),
    "duplicate link cycle": (
        "links", "cycle",
        lambda p, c: p.store.append_links([
            {"action": "link", "record_id": 10, "other_id": 11},
            {"action": "link", "record_id": 11, "other_id": 12},
            {"action": "link", "record_id": 12, "other_id": 10},
        ]),
    ),
    "event on a missing record": (
        "references", "R999",
        lambda p, c: raw_sql(c, "INSERT INTO events (ts, record_id, stage, reviewer, action, decision,"
                                " reason, note, context) VALUES ('2024', 999, 'title_abstract', 'alice',"
                                " 'decide', 'include', '', '', '{}')"),
    ),
    "record deleted": (
        "batches", "1 were imported" if False else "imported",
        lambda p, c: raw_sql(c, "DELETE FROM records WHERE id = 12"),
    ),
    "a file imported twice": (
        "batches", "imported 2 times",
        lambda p, c: raw_sql(
            c, "DROP INDEX ux_batches_sha256",
            "INSERT INTO batches (path, sha256, source_label, source_kind, format, encoding, "
            "imported_at, n_in_file, n_imported, n_skipped, report) SELECT path, sha256, "
            "source_label, source_kind, format, encoding, imported_at, 0, 0, 0, '{}' FROM batches "
            "WHERE id = 1",
        ),
    ),
    "malformed decision": (
        "events", "'definitely'", lambda p, c: event(p, decision="definitely"),
    ),
    "full-text exclusion without reason": (
        "events", "without a reason",
        lambda p, c: event(p, record_id=2, stage="full_text", decision="exclude", reviewer="bob"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_damage_is_reported(review: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    check, needle, tamper = TAMPER[case]
    project = Project.open(review)
    tamper(project, review)
    project.close()
    code, data = run_verify(review, capsys)
    assert code == 1
    assert data["ok"] is False
    assert isinstance(data["checks"][check], int) and data["checks"][check] >= 1
    messages = [p["message"] for p in data["problems"] if p["check"] == check]
    assert any(needle in m for m in messages), messages
    capsys.readouterr()
    assert main(["--config", str(review), "verify", "--as", SENIOR]) == 1
    out = capsys.readouterr().out
    assert "verify FAILED" in out and f"{check}:" in out


def test_engine_corruption_is_reported(review: Path, tmp_path: Path) -> None:
    """Bytes overwritten inside the database file: integrity_check names the damage."""
    db = tmp_path / "s.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name='ix_records_batch_id'"
        ).fetchone()[0]
    data = bytearray(db.read_bytes())
    start = (root - 1) * page
    data[start + 8 : start + page] = bytes(range(256)) * ((page - 8) // 256) + bytes(
        (page - 8) % 256
    )
    db.write_bytes(bytes(data))
    project = Project.open(review, build=False)
    try:
        report = verify(project)
        assert not report.ok
        assert report.counted["engine"] >= 1
    finally:
        project.close()
