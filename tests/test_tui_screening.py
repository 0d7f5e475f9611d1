"""Pilot tests of the screening screen: every key, asserted on the store afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.widgets import Static

from screener.model import Decision, Stage
from screener.project import Project
from screener.screening import decide as d
from screener.tui import make_app
from screener.tui.screens.modals import HelpScreen, ReasonPicker, TextPrompt
from screener.tui.screens.screening import ScreeningScreen
from screener.tui.widgets.record import RecordView
from tests.conftest import lift_blinding
from tests.test_tui_support import open_review, run, settle, submit

# Each test runs the whole app headless (a Pilot session, about a second each).
pytestmark = pytest.mark.slow

SIZE = (120, 36)


@pytest.fixture
def project(tmp_path: Path) -> Any:
    p = open_review(tmp_path / "review")
    yield p
    p.close()


def text_of(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Content) else str(content)


def part(screen: Any, name: str) -> str:
    """One field of the record on screen, as shown (plain text)."""
    return str(screen.query_one(RecordView).parts[name].plain)


def votes(
    project: Project, reviewer: str = "reviewer1", stage: Stage = Stage.TITLE_ABSTRACT
) -> dict:
    """Current votes of one reviewer, from the store (the log replayed)."""
    return {
        rid: rs.votes[reviewer] for rid, rs in project.states(stage).items() if reviewer in rs.votes
    }


def screening(project: Project, script: Any, reviewer: str = "reviewer1") -> Any:
    app = make_app(project, reviewer, screen="screening")

    async def go() -> Any:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ScreeningScreen)
            return await script(pilot, app.screen)

    return run(go)


def test_opens_on_first_record_with_databases_of_duplicates(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        view = screen.query_one(RecordView)
        assert view.record_id == 1
        assert "Cognitive behavioral therapy" in part(screen, "title")
        source = part(screen, "source")
        assert "PubMed, Embase" in source  # R7 (Embase) is linked as R1's duplicate
        assert "Smith, Jane; Doe, John" in part(screen, "authors")
        assert "2019" in source and "Journal of Adolescent Health" in source
        assert "psychotherapy" in part(screen, "keywords")
        assert "0 decided" in text_of(screen.query_one("#mine-counts", Static))

    screening(project, script)


def test_include_key_stores_and_moves_on(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("i")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 2
        assert "1 decided" in text_of(screen.query_one("#mine-counts", Static))

    screening(project, script)
    mine = votes(project)
    assert mine[1].decision is Decision.INCLUDE
    assert list(mine) == [1]


def test_exclude_with_reason_number(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReasonPicker)
        await pilot.press("2")
        await pilot.pause()
        assert pilot.app.screen is screen

    screening(project, script)
    vote = votes(project)[1]
    assert vote.decision is Decision.EXCLUDE
    assert vote.reason == project.config.reasons(Stage.TITLE_ABSTRACT)[1]


def test_exclude_cancelled_stores_nothing_and_zero_means_no_reason(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("e", "escape")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 1
        assert votes(project) == {}
        await pilot.press("e", "0")
        await pilot.pause()

    screening(project, script)
    vote = votes(project)[1]
    assert vote.decision is Decision.EXCLUDE and vote.reason == ""


def test_maybe_key(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("m")
        await pilot.pause()

    screening(project, script)
    assert votes(project)[1].decision is Decision.MAYBE


def test_note_key(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TextPrompt)
        await submit(pilot, "needs a second look")
        assert "needs a second look" in text_of(screen.query_one("#mine", Static))

    screening(project, script)
    notes = project.states(Stage.TITLE_ABSTRACT)[1].notes
    assert [(n.reviewer, n.note) for n in notes] == [("reviewer1", "needs a second look")]


def test_undo_key_takes_back_the_last_decision(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("i", "m")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 3
        await pilot.press("u")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 2

    screening(project, script)
    mine = votes(project)
    assert list(mine) == [1]
    actions = [e.action for e in project.store.events(reviewer="reviewer1")]
    assert actions == ["decide", "decide", "undo"]  # nothing overwritten


def test_arrows_move_without_deciding(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("right", "right")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 3
        await pilot.press("left")
        await pilot.pause()
        assert screen.query_one(RecordView).record_id == 2
        await pilot.press("i")
        await pilot.pause()

    screening(project, script)
    assert list(votes(project)) == [2]


def test_search_key_jumps_to_match(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TextPrompt)
        await submit(pilot, "mindfulness")
        assert screen.query_one(RecordView).record_id == 6
        await pilot.press("slash")
        await submit(pilot, "R3")
        assert screen.query_one(RecordView).record_id == 3

    screening(project, script)
    assert votes(project) == {}


def test_help_key_lists_every_key(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        shown = text_of(pilot.app.screen.query_one("#help-text", Static))
        for word in ("Include", "Exclude", "Maybe", "Note", "Undo", "Next record", "Previous record",
                     "Search", "Quit"):  # fmt: skip
            assert word in shown
        for key in ("i ", "e ", "m ", "n ", "u ", "→", "←", "/", "?"):
            assert key in shown
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen

    screening(project, script)


def test_blinding_never_shows_the_other_reviewers_decision(project: Project) -> None:
    d.decide(project, 1, "exclude", reviewer="reviewer2", reason="Wrong population", note="secret")

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        assert screen.query_one(RecordView).record_id == 1
        mine = text_of(screen.query_one("#mine", Static))
        assert "not decided yet" in mine
        assert "secret" not in mine and "Wrong population" not in mine
        assert screen.queue is not None
        assert all(set(rs.votes) <= {"reviewer1"} for rs in screen.queue.states.values())
        svg = pilot.app.export_screenshot()
        assert "secret" not in svg

    screening(project, script)


def test_resumes_at_first_undecided_record(project: Project) -> None:
    d.decide(project, 1, "include", reviewer="reviewer1")
    d.decide(project, 2, "exclude", reviewer="reviewer1")

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        assert screen.query_one(RecordView).record_id == 3
        assert "2 decided" in text_of(screen.query_one("#mine-counts", Static))
        assert "4 to go" in text_of(screen.query_one("#mine-counts", Static))
        await pilot.press("left")
        await pilot.pause()
        assert "exclude" in text_of(screen.query_one("#mine", Static))

    screening(project, script)


def test_rule_flag_and_suggested_reason_are_shown(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("right")
        await pilot.pause()
        rules = text_of(screen.query_one("#rules", Static))
        assert "animal-study" in rules
        assert "Suggested reason: Wrong population" in rules
        title = screen.query_one(RecordView).parts["title"]
        assert isinstance(title, Content)
        kinds = {title.plain[s.start : s.end].lower(): str(s.style) for s in title.spans}
        assert "error" in kinds["rat"]  # exclusion term
        assert "success" in kinds["depression"]  # inclusion term

    screening(project, script)


def test_full_stage_finished_shows_nothing_left(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        for _ in range(6):
            await pilot.press("i")
        await pilot.pause()
        assert "6 decided" in text_of(screen.query_one("#mine-counts", Static))
        assert "0 to go" in text_of(screen.query_one("#mine-counts", Static))

    screening(project, script)
    assert len(votes(project)) == 6


def test_unknown_reviewer_is_refused(project: Project) -> None:
    from screener.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_app(project, "mallory", screen="screening")


def test_ranking_orders_by_rules_prior_and_shows_score(tmp_path: Path) -> None:
    from screener.tui.ordering import ruleset

    project = open_review(tmp_path / "ranked", ranking=True)
    rules = ruleset(project)
    assert rules is not None

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        assert screen.queue is not None
        order = screen.queue.ids
        records = {sr.id: sr.record for sr in project.store.records(order)}
        scores = [rules.prior_score(records[rid]) for rid in order]
        assert scores == sorted(scores, reverse=True)  # best first
        assert order[-1] == 2  # the animal study: exclusion terms and a flag
        assert screen.query_one(RecordView).record_id == order[0]
        extra = text_of(screen.query_one("#extra", Static))
        assert "Relevance" in extra and f"rank 1 of {len(order)}" in extra
        await pilot.press("i")
        await settle(pilot)
        assert screen.query_one(RecordView).record_id == order[1]

    try:
        screening(project, script)
    finally:
        project.close()


def stage_line(screen: ScreeningScreen) -> str:
    return text_of(screen.query_one("#stage-counts", Static))


def mine_line(screen: ScreeningScreen) -> str:
    return text_of(screen.query_one("#mine-counts", Static))


def test_progress_follows_every_key(tmp_path: Path) -> None:
    """Mine counts change with the key itself; the stage totals once their count is done
    (shown because the senior lifted blinding: see the next test for a blinded reviewer)."""
    project = open_review(tmp_path / "long", extra=14)  # 20 records to screen
    lift_blinding(project)

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        for n in range(1, 16):
            await pilot.press("i" if n % 3 else "m")  # no waiting for workers: the key alone
            assert f"{n} decided · {20 - n} to go" in mine_line(screen), n
        assert "10 include, 5 maybe" in mine_line(screen)
        await settle(pilot)
        assert "15 started" in stage_line(screen)
        await pilot.press("u")
        assert "14 decided · 6 to go" in mine_line(screen)
        assert "10 include, 4 maybe" in mine_line(screen)
        await settle(pilot)
        assert "14 started" in stage_line(screen)
        await pilot.press("e", "1")
        assert "15 decided" in mine_line(screen) and "1 exclude" in mine_line(screen)
        await settle(pilot)
        assert "15 started" in stage_line(screen)

    try:
        screening(project, script)
    finally:
        project.close()


def test_stage_totals_counted_during_a_decision_are_counted_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A count that read the log before the latest decision is followed by a fresh one."""
    import threading

    from screener.tui import queue as tui_queue

    counted, release = threading.Event(), threading.Event()
    calls: list[tuple[int, int]] = []

    def slow_count(p: Project, stage: Stage) -> tuple[int, int]:
        got = tui_queue.stage_progress(p, stage)
        calls.append(got)
        if len(calls) == 2:  # the count after the first decision: hold it until the second
            counted.set()
            release.wait(10)
        return got

    monkeypatch.setattr("screener.tui.screens.screening.stage_progress", slow_count)
    lift_blinding(project)  # the stage totals are shown once blinding is lifted

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        import asyncio

        assert "0 started" in stage_line(screen)
        await pilot.press("i")
        assert await asyncio.to_thread(counted.wait, 10)
        await pilot.press("i")  # decided while the first count is still out
        release.set()
        await settle(pilot)
        assert calls[1] == (1, 0)  # the held count read one decision
        assert "2 started" in stage_line(screen)

    screening(project, script)


def test_ranking_worker_reads_a_copy_of_the_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys pressed while the ranking runs in its thread never change what it reads."""
    import threading

    project = open_review(tmp_path / "ranked", ranking=True)
    started, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def slow_stopping(queue: Any) -> str:
        started.set()
        release.wait(10)
        seen.append(len(queue.mine))  # after a decision made meanwhile on the loop
        return ""

    monkeypatch.setattr("screener.tui.ordering.stopping", slow_stopping)

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        import asyncio

        assert await asyncio.to_thread(started.wait, 10)
        await pilot.press("i")
        release.set()
        await settle(pilot)
        assert screen.queue is not None and len(screen.queue.mine) == 1

    app = make_app(project, "reviewer1", screen="screening")

    async def go() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ScreeningScreen)
            await script(pilot, app.screen)

    try:
        run(go)
    finally:
        project.close()
    # the ranking started before the key saw no decision (a copy); the one the key started
    # after it, one: with the live queue both would have seen the decision
    assert sorted(seen) == [0, 1]


def search_title(screen: ScreeningScreen) -> str:
    """The search as shown on the record's border, above · below ("" when none is on)."""
    view = screen.query_one(RecordView)
    shown = [Content.from_markup(t).plain for t in (view.border_title, view.border_subtitle) if t]
    return " · ".join(shown)


def test_search_is_a_mode_arrows_step_through_the_matches(project: Project) -> None:
    """/depression: R1, R2, R3 match; → ← go from match to match (wrapping), the query and
    "match k of n" on screen; Esc ends the search and → moves through the queue again."""

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("right")  # start from R2
        await pilot.press("slash")
        await submit(pilot, "depression")
        view = screen.query_one(RecordView)
        assert view.record_id == 2
        assert search_title(screen).startswith('Match 2 of 3 · "depression" · 3 undecided')
        assert "→ ← matches · Esc ends" in search_title(screen)
        seen = []
        for key in ("right", "right", "right", "left", "left"):
            await pilot.press(key)
            seen.append(view.record_id)
        assert seen == [3, 1, 2, 1, 3]  # only matches, wrapping at both ends
        assert "Match 3 of 3" in search_title(screen)
        keys = {k.key: k.description for k in screen.query("FooterKey")}
        assert keys["escape"] == "End search"
        await pilot.press("escape")
        await pilot.pause()
        assert screen.search is None and search_title(screen) == ""
        assert pilot.app.screen is screen  # Esc ended the search; it did not leave
        keys = {k.key: k.description for k in screen.query("FooterKey")}
        assert keys["escape"] == "Back"
        await pilot.press("right")
        assert view.record_id == 4  # the whole queue again

    screening(project, script)
    assert votes(project) == {}


def test_deciding_on_a_match_moves_to_the_next_undecided_match(project: Project) -> None:
    d.decide(project, 2, "exclude", reviewer="reviewer1", reason="Wrong population")

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        view = screen.query_one(RecordView)
        assert view.record_id == 1
        await pilot.press("slash")
        await submit(pilot, "depression")  # R1, R2 (decided), R3
        assert view.record_id == 1 and "Match 1 of 3" in search_title(screen)
        assert "2 undecided" in search_title(screen)
        await pilot.press("i")
        assert view.record_id == 3  # R2 is decided already: skipped
        assert "Match 3 of 3" in search_title(screen) and "1 undecided" in search_title(screen)
        assert "1 decided" not in mine_line(screen) and "2 decided" in mine_line(screen)
        await pilot.press("m")
        assert view.record_id == 3  # every match decided: stays, says so
        assert "0 undecided" in search_title(screen)
        await pilot.press("slash")
        assert isinstance(pilot.app.screen, TextPrompt)
        from textual.widgets import Input

        assert pilot.app.screen.query_one(Input).value == "depression"  # the query kept
        await submit(pilot, "")  # an empty search ends the search
        assert screen.search is None and search_title(screen) == ""
        await pilot.press("right", "i")
        assert view.record_id == 5  # the queue's next undecided record, as without a search

    screening(project, script)
    mine = votes(project)
    assert {rid: v.decision.value for rid, v in mine.items()} == {
        1: "include",
        2: "exclude",
        3: "maybe",
        4: "include",
    }


def test_help_lists_the_search_keys(project: Project) -> None:
    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        shown = text_of(pilot.app.screen.query_one("#help-text", Static))
        for words in ("the next match", "the previous match", "End search", "Back"):
            assert words in shown, words

    screening(project, script)


def test_stage_line_counts_records_in_words() -> None:
    from screener.tui.screens.screening import records

    assert [records(n) for n in (0, 1, 2, 12345)] == [
        "0 records", "1 record", "2 records", "12,345 records",
    ]  # fmt: skip


def test_queue_counts_follow_decisions_and_undos(project: Project) -> None:
    """Counts by decision are kept key by key; they always equal a recount of mine."""
    from screener.model import Reviewer
    from screener.tui.queue import ScreeningQueue

    d.decide(project, 6, "maybe", reviewer="reviewer1")  # one from before the session
    who: Reviewer = project.reviewer("reviewer1")
    queue = ScreeningQueue.load(project, who, Stage.TITLE_ABSTRACT)

    def recount() -> dict[str, int]:
        by: dict[str, int] = {}
        for vote in queue.mine.values():
            by[vote.decision.value] = by.get(vote.decision.value, 0) + 1
        return by

    reason = project.config.reasons(Stage.TITLE_ABSTRACT)[0]
    steps = [
        lambda: queue.decide(Decision.INCLUDE),  # R1
        lambda: queue.decide(Decision.MAYBE),  # R2
        queue.undo,
        lambda: queue.decide(Decision.EXCLUDE, reason),  # R2 again
        lambda: queue.go_to(1) and queue.decide(Decision.EXCLUDE, reason),  # R1 changed
        queue.undo,  # R1 back to include
        lambda: queue.go_to(6) and queue.decide(Decision.INCLUDE),  # R6: maybe → include
    ]
    assert queue.counts().by_decision == {"maybe": 1}
    for step in steps:
        step()
        counts = queue.counts()
        assert counts.by_decision == recount() and counts.decided == len(queue.mine)
    assert queue.counts().by_decision == {"include": 2, "exclude": 1}


def test_a_blinded_reviewer_sees_only_their_own_progress(project: Project) -> None:
    """Another reviewer's decisions never show in the stage line while the stage is blinded;
    once the senior lifts blinding, the totals are there."""
    d.decide(project, 2, "exclude", reviewer="reviewer2")

    async def script(pilot: Any, screen: ScreeningScreen) -> None:
        await pilot.press("i")
        await settle(pilot)
        assert "others' progress: blinded" in stage_line(screen)
        assert "started" not in stage_line(screen)
        assert "1 decided" in mine_line(screen)

    screening(project, script)
    lift_blinding(project)

    async def after(pilot: Any, screen: ScreeningScreen) -> None:
        assert "2 started" in stage_line(screen)

    screening(project, after)
