"""Decisions a team can trust: configured reasons only, resolutions for conflicts only,
full-text reasons that must agree, and notes that reach every export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from screener.errors import ScreenerError
from screener.model import Outcome, Stage
from screener.project import Project
from screener.screening.decide import add_note, decide, resolve
from screener.screening.exchange import (
    DecisionImportError,
    current_decisions,
    import_decisions,
    write_decisions,
)
from tests.conftest import FIXTURES, lift_blinding

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture
def loaded(review: Project) -> Project:
    review.import_file(FIXTURES / "ris" / "ovid_numbered.ris")  # R1..R3
    return review


def votes(p: Project, rid: int, stage: Stage = TA) -> dict:
    return p.states(stage)[rid].votes


# -- reasons ----------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["42", "0", "Wrong populaton", "senior decision", "-1"])
def test_a_reason_that_is_not_configured_is_refused_naming_the_allowed(
    loaded: Project, given: str
) -> None:
    with pytest.raises(ScreenerError) as err:
        decide(loaded, "R1", "exclude", reviewer="reviewer1", reason=given)
    message = str(err.value)
    assert repr(given) in message and "1. Wrong population" in message
    assert "5. Not relevant to the question" in message
    assert 1 not in loaded.states(TA)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("2", "Wrong intervention"), ("wrong POPULATION", "Wrong population"),
     ("  Wrong   study design ", "Wrong study design"), ("", "")],
)  # fmt: skip
def test_a_reason_by_number_or_text_in_any_case(loaded: Project, given: str, stored: str) -> None:
    decide(loaded, "R1", "exclude", reviewer="reviewer1", reason=given)
    assert votes(loaded, 1)["reviewer1"].reason == stored


def test_a_reason_goes_with_an_exclusion_only(loaded: Project) -> None:
    for decision in ("include", "maybe"):
        with pytest.raises(ScreenerError, match="goes with an exclusion"):
            decide(loaded, "R1", decision, reviewer="reviewer1", reason="Wrong population")
    assert 1 not in loaded.states(TA)


def test_the_not_retrieved_box_is_a_full_text_reason(loaded: Project) -> None:
    lift_blinding(loaded)  # full text before title/abstract is finished
    for who in ("reviewer1", "reviewer2"):
        decide(loaded, "R1", "include", reviewer=who)
    decide(loaded, "R1", "exclude", reviewer="reviewer1", stage=FT, reason="report not retrieved")
    assert votes(loaded, 1, FT)["reviewer1"].reason == "Report not retrieved"
    with pytest.raises(ScreenerError):
        decide(loaded, "R1", "exclude", reviewer="reviewer1", reason="Report not retrieved")


# -- resolutions ------------------------------------------------------------------------


def test_a_resolution_needs_a_conflict(loaded: Project) -> None:
    decide(loaded, "R1", "include", reviewer="reviewer1")
    with pytest.raises(ScreenerError, match=r"not in conflict.*1 of 2 reviewers.*--override"):
        resolve(loaded, "R1", "include", reviewer="senior")
    decide(loaded, "R1", "include", reviewer="reviewer2")
    with pytest.raises(ScreenerError, match="reviewers agree"):
        resolve(loaded, "R1", "exclude", reviewer="senior")
    assert loaded.states(TA)[1].resolution is None
    decide(loaded, "R2", "include", reviewer="reviewer1")
    decide(loaded, "R2", "exclude", reviewer="reviewer2")
    res = resolve(loaded, "R2", "include", reviewer="senior")
    assert not res.override and loaded.outcomes(TA)[2] is Outcome.RESOLVED_INCLUDE


def test_an_override_is_logged_and_holds_against_later_votes(loaded: Project) -> None:
    decide(loaded, "R1", "include", reviewer="reviewer1")
    res = resolve(loaded, "R1", "exclude", reviewer="senior", override=True)
    assert res.override
    event = loaded.store.events(stage=TA, actions=["resolve"])[-1]
    assert event.context == {"override": True}
    decide(loaded, "R1", "include", reviewer="reviewer2")
    assert loaded.outcomes(TA)[1] is Outcome.RESOLVED_EXCLUDE


def test_a_resolution_rationale_that_is_no_reason_is_kept_as_the_note(loaded: Project) -> None:
    decide(loaded, "R1", "include", reviewer="reviewer1")
    decide(loaded, "R1", "exclude", reviewer="reviewer2", reason="Wrong population")
    res = resolve(loaded, "R1", "exclude", reviewer="senior", reason="senior decision", note="ok")
    assert (res.reason, res.rationale, res.note) == ("", "senior decision", "senior decision\nok")
    resolution = loaded.states(TA)[1].resolution
    assert (
        resolution is not None and resolution.reason == "" and "senior decision" in resolution.note
    )


def test_full_text_excludes_for_different_reasons_are_a_conflict(loaded: Project) -> None:
    lift_blinding(loaded)  # full text before title/abstract is finished
    for who in ("reviewer1", "reviewer2"):
        decide(loaded, "R1", "include", reviewer=who)
        decide(loaded, "R2", "include", reviewer=who)
    decide(loaded, "R1", "exclude", reviewer="reviewer1", stage=FT, reason="Wrong population")
    decide(loaded, "R1", "exclude", reviewer="reviewer2", stage=FT, reason="Wrong outcome")
    decide(loaded, "R2", "exclude", reviewer="reviewer1", stage=FT, reason="Wrong outcome")
    decide(loaded, "R2", "exclude", reviewer="reviewer2", stage=FT, reason="wrong outcome")
    assert loaded.outcomes(FT) == {1: Outcome.CONFLICT, 2: Outcome.AGREED_EXCLUDE}
    with pytest.raises(ScreenerError, match="'Wrong populaton' is not one of them"):
        resolve(loaded, "R1", "exclude", reviewer="senior", stage=FT, reason="Wrong populaton")
    resolve(loaded, "R1", "exclude", reviewer="senior", stage=FT, reason="1")
    assert loaded.outcomes(FT)[1] is Outcome.RESOLVED_EXCLUDE


def test_a_full_text_exclude_resolution_takes_the_one_reason_given(loaded: Project) -> None:
    lift_blinding(loaded)  # full text before title/abstract is finished
    for who in ("reviewer1", "reviewer2"):
        decide(loaded, "R1", "include", reviewer=who)
    decide(loaded, "R1", "include", reviewer="reviewer1", stage=FT)
    decide(loaded, "R1", "exclude", reviewer="reviewer2", stage=FT, reason="Wrong comparator")
    res = resolve(loaded, "R1", "exclude", reviewer="senior", stage=FT)
    assert res.reason == "Wrong comparator"


def test_imported_resolutions_are_refused_for_records_not_in_conflict(
    loaded: Project, tmp_path: Path
) -> None:
    decide(loaded, "R1", "include", reviewer="reviewer1")
    decide(loaded, "R1", "exclude", reviewer="reviewer2")
    decide(loaded, "R2", "include", reviewer="reviewer1")
    path = tmp_path / "res.csv"
    path.write_text("id,decision\nR1,include\nR2,exclude\n", encoding="utf-8")
    with pytest.raises(DecisionImportError, match=r"res.csv:3: 'R2': R2 is not in conflict"):
        import_decisions(loaded, path, reviewer="senior", stage=TA, resolve=True)
    assert loaded.states(TA)[1].resolution is None  # all or nothing
    assert (
        import_decisions(
            loaded, path, reviewer="senior", stage=TA, resolve=True, override=True
        ).applied
        == 2
    )
    events = loaded.store.events(stage=TA, actions=["resolve"])
    assert [e.context.get("override", False) for e in events] == [False, True]


# -- notes ------------------------------------------------------------------------------


def test_a_note_typed_before_the_decision_is_exported(loaded: Project, tmp_path: Path) -> None:
    add_note(loaded, "R1", "check the dose", reviewer="reviewer1", stage=TA)
    decide(loaded, "R1", "maybe", reviewer="reviewer1")
    add_note(loaded, "R2", "only a note", reviewer="reviewer1", stage=TA)
    rows = current_decisions(loaded, viewer="reviewer1", reviewer="reviewer1", stage=TA)
    assert [(r["id"], r["decision"], r["note"]) for r in rows] == [
        ("R1", "maybe", "check the dose"),
        ("R2", "", "only a note"),
    ]
    out = tmp_path / "mine.csv"
    write_decisions(rows, out)
    assert [r["note"] for r in csv.DictReader(out.open(encoding="utf-8"))] == [
        "check the dose",
        "only a note",
    ]
    # the file goes back in as it came out (e.g. to another copy of the review)
    copy = Project.open(loaded.config.path)
    try:
        assert import_decisions(copy, out, reviewer="reviewer2", stage=TA).applied == 2
        assert copy.states(TA)[2].notes_by("reviewer2") == ["only a note"]
    finally:
        copy.close()


def test_rows_for_two_copies_of_one_study(loaded: Project, tmp_path: Path) -> None:
    """Another tool's export decides each copy of a study (a duplicate often excluded as
    such): the most inclusive row decides, then the one naming the primary; the other rows
    are reported, not applied."""
    loaded.store.append_links([{"action": "link", "record_id": 3, "other_id": 1,
                                "method": "test", "actor": "test"}])  # fmt: skip
    path = tmp_path / "other_tool.csv"
    path.write_text("id,decision\nR3,exclude\nR2,exclude\nR1,include\n", encoding="utf-8")
    done = import_decisions(loaded, path, reviewer="reviewer1", stage=TA)
    assert done.applied == 2 and len(done.merged) == 1
    assert "other_tool.csv:2: 'R3' (R3) is the same study as row 4 (R1" in done.merged[0]
    assert "exclude is not applied" in done.merged[0]
    assert {rid: v["reviewer1"].decision.value for rid, v in
            ((r, votes(loaded, r)) for r in (1, 2))} == {1: "include", 2: "exclude"}  # fmt: skip
    inclusive = tmp_path / "inclusive.csv"  # the copy's include wins over the primary's exclude
    inclusive.write_text("id,decision\nR1,exclude\nR3,maybe\n", encoding="utf-8")
    done = import_decisions(loaded, inclusive, reviewer="reviewer2", stage=TA)
    assert "R1" in done.merged[0] and "exclude is not applied" in done.merged[0]
    assert votes(loaded, 1)["reviewer2"].decision.value == "maybe"
    again = tmp_path / "twice.csv"
    again.write_text("id,decision\nR2,exclude\nR2,include\n", encoding="utf-8")
    with pytest.raises(DecisionImportError, match="same record as row 2"):
        import_decisions(loaded, again, reviewer="reviewer2", stage=TA)


def test_notes_reach_the_records_export(loaded: Project, tmp_path: Path, capsys) -> None:
    """A senior's export carries every reviewer's notes; a blinded reviewer's, their own."""
    from screener.cli import main

    add_note(loaded, "R1", "check the dose", reviewer="reviewer1", stage=TA)
    decide(loaded, "R1", "include", reviewer="reviewer2", note="dose unclear")
    config = str(loaded.config.path)
    capsys.readouterr()
    assert main(["--config", config, "export", "--format", "csv", "--as", "senior", "-o", "-"]) == 0
    printed = capsys.readouterr()
    rows = {r["id"]: r for r in csv.DictReader(printed.out.splitlines())}
    assert rows["R1"]["notes"] == (
        "title_abstract, reviewer2: dose unclear | title_abstract, reviewer1: check the dose"
    )
    assert "wrote 3 records to -" in printed.err
    out = tmp_path / "mine.ris"
    assert main(["--config", config, "export", "--format", "ris", "--as", "reviewer1",
                 "-o", str(out)]) == 0  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert "N1  - title_abstract, reviewer1: check the dose" in text
    assert "dose unclear" not in text
