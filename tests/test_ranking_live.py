"""Ranking during screening learns from the current reviewer's own decisions only."""

from __future__ import annotations

from pathlib import Path

from screener.model import Decision, Stage
from screener.ranking.live import rank_records
from screener.screening.decide import decide
from screener.tui.ordering import rank
from screener.tui.queue import ScreeningQueue

TOPICS = [
    ("Ketamine infusion with cognitive behavioural therapy for depression", 1),
    ("Ketamine and psychotherapy for alcohol use disorder", 1),
    ("Ketamine-assisted psychotherapy for PTSD in veterans", 1),
    ("Hip fracture surgery outcomes in older adults", 0),
    ("Orthopaedic implants and infection rates", 0),
    ("Knee replacement rehabilitation protocols", 0),
]


def _ris(path: Path) -> Path:
    path.write_text(
        "".join(f"TY  - JOUR\nTI  - {t}\nAB  - {t}. A study.\nER  - \n" for t, _ in TOPICS),
        encoding="utf-8",
    )
    return path


def test_ranking_orders_by_own_decisions(make_review, tmp_path: Path) -> None:
    project = make_review("")
    project.import_file(_ris(tmp_path / "r.ris"))
    own = {1: Decision.INCLUDE, 4: Decision.EXCLUDE}
    ranked = rank_records(project, Stage.TITLE_ABSTRACT, [2, 3, 5, 6], own)
    assert {rid for rid, _ in ranked[:2]} == {2, 3}


def test_other_reviewers_decisions_never_reach_my_ranking(make_review, tmp_path: Path) -> None:
    """The queue the screening screen ranks from holds only the reviewer's own decisions."""
    project = make_review("")
    project.import_file(_ris(tmp_path / "r.ris"))
    decide(project, 1, "include", reviewer="reviewer1")
    decide(project, 4, "exclude", reviewer="reviewer1")
    me = project.reviewer("reviewer1")
    before = ScreeningQueue.load(project, me, Stage.TITLE_ABSTRACT).my_decisions()
    for rid, (_title, label) in enumerate(TOPICS, start=1):
        decide(project, rid, "exclude" if label else "include", reviewer="reviewer2")
    after = ScreeningQueue.load(project, me, Stage.TITLE_ABSTRACT).my_decisions()
    assert before == after == {1: Decision.INCLUDE, 4: Decision.EXCLUDE}
    ranked = rank(project, Stage.TITLE_ABSTRACT, [2, 3, 5, 6], after)
    assert {rid for rid, _ in ranked[:2]} == {2, 3}


def test_stopping_status_line() -> None:
    from screener.ranking.progress import stopping_status

    assert stopping_status([], 100) is None
    early = stopping_status([1, 1, 0, 1], 1000)
    assert early is not None and not early.reached and "not yet shown" in early.line()
    done = stopping_status([1] * 20 + [0] * 400, 500)
    assert done is not None and done.reached and done.estimated_left == 0
    assert "you may stop" in done.line()
