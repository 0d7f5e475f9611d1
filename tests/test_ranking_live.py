"""Ranking during screening learns from the current reviewer's own decisions only."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from screener.model import Decision, Stage
from screener.ranking.live import COLD_START, live_ranking, rank_records
from screener.screening.decide import decide
from screener.tui import make_app
from screener.tui.ordering import rank
from screener.tui.queue import ScreeningQueue
from screener.tui.screens.screening import ScreeningScreen
from tests.test_tui_support import open_review, run, settle

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
    ranked = rank(project, Stage.TITLE_ABSTRACT, [2, 3, 5, 6], after).order
    assert {rid for rid, _ in ranked[:2]} == {2, 3}


def test_decided_records_in_the_queue_are_the_training_rows(make_review, tmp_path: Path) -> None:
    """The queue passes every record, decided ones included: they train, the others are ranked."""
    project = make_review("")
    project.import_file(_ris(tmp_path / "r.ris"))
    own = {1: Decision.INCLUDE, 4: Decision.EXCLUDE}
    ranking = live_ranking(project, Stage.TITLE_ABSTRACT, [1, 2, 3, 4, 5, 6], own)
    assert ranking.learned and ranking.learned_from == 2
    assert [rid for rid, _ in ranking.order][:2] in ([2, 3], [3, 2])
    assert {rid for rid, _ in ranking.order} == {2, 3, 5, 6}  # decided ones are not re-ranked
    assert "learned from 2 of your decisions (1 include, 1 exclude)" in ranking.line()


def test_without_an_include_and_an_exclude_the_rules_order(make_review, tmp_path: Path) -> None:
    project = make_review("")
    project.import_file(_ris(tmp_path / "r.ris"))
    for own, missing in (({}, "an include and an exclude"), ({1: Decision.INCLUDE}, "an exclude"),
                         ({4: Decision.EXCLUDE, 5: Decision.EXCLUDE}, "an include")):  # fmt: skip
        ranking = live_ranking(project, Stage.TITLE_ABSTRACT, [1, 2, 3, 4, 5, 6], own)
        assert ranking.model == COLD_START and not ranking.learned
        assert {rid for rid, _ in ranking.order} == {1, 2, 3, 4, 5, 6} - set(own)
        assert missing in ranking.line()


def _screen_text(screen: ScreeningScreen) -> str:
    return str(screen.query_one("#stage-counts", Static).content)


def test_ranked_screening_across_sessions(tmp_path: Path) -> None:
    """With ranking on: include, exclude, quit, come back, decide again; never a crash.

    The first decisions are ordered by the rules; once the reviewer has an include and an
    exclude the model takes over, says so, and its name is logged with each decision.
    """
    project = open_review(tmp_path / "ranked", ranking=True)

    async def session(keys: list[str]) -> tuple[str, str]:
        app = make_app(project, "reviewer1", screen="screening")
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ScreeningScreen)
            before = _screen_text(app.screen)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            after = _screen_text(app.screen)
        assert app.return_code in (0, None)
        return before, after

    try:
        before, after = run(lambda: session(["i", "e", "1"]))
        assert "Ordered by the rules" in before and "Ranked by model 'screener'" in after
        before, after = run(lambda: session(["m"]))
        assert "learned from 2 of your decisions" in before
        assert "learned from 3 of your decisions" not in before
        events = project.store.events(stage="title_abstract", reviewer="reviewer1")
        assert [e.decision for e in events] == ["include", "exclude", "maybe"]
        assert events[0].context["ranking"]["model"] == COLD_START
        assert events[2].context["ranking"]["model"] == "screener"
        assert events[2].context["ranking"]["learned_from"] == 2
    finally:
        project.close()


def test_stopping_status_line() -> None:
    from screener.ranking.progress import stopping_status

    assert stopping_status([], 100) is None
    early = stopping_status([1, 1, 0, 1], 1000)
    assert early is not None and not early.reached and "not yet shown" in early.line()
    done = stopping_status([1] * 20 + [0] * 400, 500)
    assert done is not None and done.reached and done.estimated_left == 0
    assert "you may stop" in done.line()


def test_after_a_decision_the_best_ranked_record_comes_next(tmp_path: Path) -> None:
    """The model's new order brings its best open record to the screen, unless the reviewer
    went to a record themselves (arrows, search): that one stays."""
    project = open_review(tmp_path / "ranked", ranking=True)

    async def go() -> None:
        app = make_app(project, "reviewer1", screen="screening")
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ScreeningScreen) and screen.queue is not None
            for key in ("i", "e", "1"):
                await pilot.press(key)
                await settle(pilot)
            q = screen.queue
            assert q.ranking is not None and q.ranking.learned
            assert q.current == q.ranking.order[0][0]  # rank 1 of the model's order
            await pilot.press("right")
            chosen = q.current
            screen.rank()
            await settle(pilot)
            assert q.current == chosen

    try:
        run(go)
    finally:
        project.close()


def test_records_without_text_wait_until_the_ranking_stops_yielding(
    make_review, tmp_path: Path
) -> None:
    """As in the simulation (query.py): a record with no text cannot be ranked by a text
    model, so it comes after the ranked ones while they still yield includes."""
    project = make_review("")
    path = _ris(tmp_path / "r.ris")
    path.write_text(path.read_text() + "TY  - JOUR\nAU  - Nobody, N\nER  - \n", encoding="utf-8")
    project.import_file(path)
    ranking = live_ranking(project, Stage.TITLE_ABSTRACT, [1, 2, 3, 4, 5, 6, 7],
                           {1: Decision.INCLUDE, 4: Decision.EXCLUDE})  # fmt: skip
    assert [rid for rid, _ in ranking.order][-1] == 7
