"""The senior steps in while the reviewers are still screening; later the reviewers disagree
at full text, on whether to exclude and on why; the senior settles it and PRISMA adds up."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.model import Outcome, Stage
from screener.project import Project
from tests.workflows.stories import review_folder
from tests.workflows.team import session, sh

pytestmark = pytest.mark.slow

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def test_the_senior_resolves_during_screening(tmp_path: Path) -> None:
    folder = review_folder(tmp_path / "review")
    sh(folder, "import", "search.ris", "--source", "PubMed")
    sh(folder, "decide", "R1", "include", "--reviewer", "reviewer1")
    sh(folder, "decide", "R1", "exclude", "--reviewer", "reviewer2", "--reason", "2")
    sh(folder, "decide", "R2", "exclude", "--reviewer", "reviewer1", "--reason", "wrong population")

    # The senior looks early: R1 is a conflict; R2 is only half decided and is not theirs yet.
    listed = sh(folder, "conflicts", "--reviewer", "senior", "--json").json()
    assert [c["id"] for c in listed] == ["R1"]
    assert listed[0]["decisions"]["reviewer2"]["reason"] == "Wrong intervention"
    early = sh(folder, "resolve", "R2", "exclude", "--reviewer", "senior", ok=False)
    assert early.code == 1 and "1 of 2 reviewers" in early.err and "--override" in early.err
    for bad in ("42", "Wrong populaton"):
        refused = sh(folder, "decide", "R3", "exclude", "--reviewer", "reviewer1", "--reason",
                     bad, ok=False)  # fmt: skip
        assert refused.code == 1 and "1. Wrong population" in refused.err
    sh(folder, "resolve", "R1", "include", "--reviewer", "senior", "--reason", "trial arm fits")
    assert sh(folder, "conflicts", "--reviewer", "senior", "--json").json() == []

    # reviewer2 catches up on R2 (disagreeing) and R3: a new conflict waits in the senior's
    # queue, which the senior works through in the app.
    sh(folder, "decide", "R2", "include", "--reviewer", "reviewer2")
    project = Project.open(folder / "config.toml")
    try:
        seen = session(project, "senior", ["i"], screen="conflicts")
        assert "R2" in seen["first"]["text"] or "Wrong population" in seen["first"]["text"]
        outcomes = project.outcomes(TA)
        assert outcomes[1] is Outcome.RESOLVED_INCLUDE and outcomes[2] is Outcome.RESOLVED_INCLUDE
        resolution = project.states(TA)[1].resolution
        assert resolution is not None and resolution.note == "trial arm fits"
        # An override is possible, and says so in the log; a later vote does not undo it.
        sh(folder, "resolve", "R5", "exclude", "--reviewer", "senior", "--override")
        sh(folder, "decide", "R5", "include", "--reviewer", "reviewer1")
        assert project.outcomes(TA)[5] is Outcome.RESOLVED_EXCLUDE
        last = project.store.events(stage=TA, actions=["resolve"])[-1]
        assert last.context == {"override": True}
        agreement = sh(folder, "agreement", "--json", "--as", "senior").json()
        assert agreement["n"] == 2 and agreement["percent_agreement"] == 0.0
    finally:
        project.close()


def test_full_text_disagreement_on_the_reason(tmp_path: Path) -> None:
    folder = review_folder(tmp_path / "review")
    sh(folder, "import", "search.ris", "--source", "PubMed")
    for rid in ("R1", "R3", "R5"):
        for who in ("reviewer1", "reviewer2"):
            sh(folder, "decide", rid, "include", "--reviewer", who)
    for rid in [f"R{n}" for n in range(6, 25)] + ["R2", "R4"]:
        for who in ("reviewer1", "reviewer2"):
            sh(folder, "decide", rid, "exclude", "--reviewer", who)
    project = Project.open(folder / "config.toml")
    try:
        # reviewer1 works at full text in the app: excludes R1 (wrong population) and
        # includes R3; reviewer2 from the command line, another reason for R1.
        session(project, "reviewer1", ["e", "1", "i"], stage="full_text")
        mine = {e.record_id: e for e in project.store.events(stage=FT, reviewer="reviewer1",
                                                             actions=["decide"])}  # fmt: skip
        assert {rid: e.decision for rid, e in mine.items()} == {1: "exclude", 3: "include"}
        assert mine[1].reason == "Wrong population"
        sh(folder, "decide", "R1", "exclude", "--stage", "full_text", "--reviewer", "reviewer2",
           "--reason", "Wrong outcome")  # fmt: skip
        sh(folder, "decide", "R3", "include", "--stage", "full_text", "--reviewer", "reviewer2")
        no_reason = sh(folder, "decide", "R5", "exclude", "--stage", "full_text", "--reviewer",
                       "reviewer2", ok=False)  # fmt: skip
        assert no_reason.code == 1 and "needs a reason" in no_reason.err
        for who in ("reviewer1", "reviewer2"):
            sh(folder, "decide", "R5", "exclude", "--stage", "full_text", "--reviewer", who,
               "--reason", "4")  # fmt: skip

        # Two excludes for different reasons: a conflict, not a silent pick.
        flow = sh(folder, "prisma", "--json", "--as", "senior").json()
        assert flow["pending"]["full_text"]["conflicts"] == 1 and flow["provisional"]
        listed = sh(folder, "conflicts", "--reviewer", "senior", "--stage", "full_text",
                    "--json").json()  # fmt: skip
        assert {n: v["reason"] for n, v in listed[0]["decisions"].items()} == {
            "reviewer1": "Wrong population", "reviewer2": "Wrong outcome"}  # fmt: skip
        home = session(project, "senior", [], screen="dashboard")["first"]
        assert home["screen"] == "DashboardScreen" and "Conflicts for the senior" in home["text"]
        session(project, "senior", ["e", "4"], screen="conflicts", stage="full_text")
        flow = sh(folder, "prisma", "--json", "--as", "senior").json()
        assert flow["provisional"] is False
        assert flow["dbr_excluded"] == {"Wrong outcome": 2, "total": 2}
        assert (flow["dbr_assessed"], flow["new_studies"]) == (3, 1)
        decisions = sh(folder, "decisions", "export", "--as", "senior", "--stage", "full_text",
                       "-o", "ft.csv")  # fmt: skip
        assert decisions.code == 0
    finally:
        project.close()
