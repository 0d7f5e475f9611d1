"""The dual-review core: outcomes, blinding, supersede/undo, resolution, agreement, exchange."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from screener.errors import NotFound, PermissionDenied, ScreenerError
from screener.model import Decision, Outcome, Stage
from screener.project import Project
from screener.resolve.agreement import agreement, agreement_of
from screener.resolve.conflicts import conflicts, reason_disagreements
from screener.screening.blinding import view_of
from screener.screening.decide import decide, mark_retrieval, resolve, undo
from screener.screening.exchange import DecisionImportError, current_decisions, import_decisions
from tests.conftest import FIXTURES, lift_blinding, needs_shared

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture
def loaded(review: Project) -> Project:
    review.import_file(FIXTURES / "ris" / "ovid_numbered.ris")  # R1..R3
    return review


def outcome(p: Project, rid: int, stage: Stage = TA) -> Outcome:
    return p.outcomes(stage)[rid]


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("include", "include", Outcome.AGREED_INCLUDE),
        ("exclude", "exclude", Outcome.AGREED_EXCLUDE),
        ("include", "exclude", Outcome.CONFLICT),
        ("maybe", "exclude", Outcome.CONFLICT),
        ("maybe", "include", Outcome.AGREED_INCLUDE),
        ("maybe", "maybe", Outcome.AGREED_INCLUDE),
    ],
)
def test_outcome_of_two_decisions(loaded: Project, a: str, b: str, want: Outcome) -> None:
    assert outcome(loaded, 1) is Outcome.PENDING
    decide(loaded, "R1", a, reviewer="reviewer1")
    assert outcome(loaded, 1) is Outcome.PENDING
    decide(loaded, "R1", b, reviewer="reviewer2")
    assert outcome(loaded, 1) is want


def test_maybe_is_a_conflict_when_config_says_so(make_review) -> None:
    p = make_review()
    text = p.config.path.read_text().replace(
        "maybe_to_full_text = true", "maybe_to_full_text = false"
    )
    p.config.path.write_text(text)
    p = Project.open(p.config.path)
    p.import_file(FIXTURES / "ris" / "ovid_numbered.ris")
    decide(p, "R1", "maybe", reviewer="reviewer1")
    decide(p, "R1", "include", reviewer="reviewer2")
    assert outcome(p, 1) is Outcome.CONFLICT
    p.close()


def test_resolution_settles_a_conflict_and_can_be_undone(loaded: Project) -> None:
    decide(loaded, "R2", "include", reviewer="reviewer1")
    decide(loaded, "R2", "exclude", reviewer="reviewer2", reason="Wrong population")
    assert outcome(loaded, 2) is Outcome.CONFLICT
    resolve(loaded, "R2", "exclude", reviewer="senior", reason="Wrong population")
    assert outcome(loaded, 2) is Outcome.RESOLVED_EXCLUDE
    undo(loaded, "R2", reviewer="senior", stage=TA)
    assert outcome(loaded, 2) is Outcome.CONFLICT
    resolve(loaded, "R2", "include", reviewer="senior")
    assert outcome(loaded, 2) is Outcome.RESOLVED_INCLUDE
    assert 2 in loaded.at_full_text()


def test_only_a_senior_resolves(loaded: Project) -> None:
    with pytest.raises(PermissionDenied):
        resolve(loaded, "R1", "include", reviewer="reviewer1")
    with pytest.raises(PermissionDenied):
        decide(loaded, "R1", "include", reviewer="stranger")
    with pytest.raises(NotFound):
        decide(loaded, "R99", "include", reviewer="reviewer1")
    with pytest.raises(ScreenerError):
        resolve(loaded, "R1", "maybe", reviewer="senior")


def test_change_of_mind_supersedes_and_log_keeps_both(loaded: Project) -> None:
    decide(loaded, "R1", "include", reviewer="reviewer1")
    decide(loaded, "R1", "exclude", reviewer="reviewer1", reason="Wrong study design")
    rs = loaded.states(TA)[1]
    assert rs.votes["reviewer1"].decision is Decision.EXCLUDE
    log = loaded.store.events(stage=TA, reviewer="reviewer1")
    assert [e.decision for e in log] == ["include", "exclude"]
    undo(loaded, "R1", reviewer="reviewer1", stage=TA)
    assert loaded.states(TA)[1].votes["reviewer1"].decision is Decision.INCLUDE
    undo(loaded, "R1", reviewer="reviewer1", stage=TA)
    assert "reviewer1" not in loaded.states(TA)[1].votes
    assert len(loaded.store.events(stage=TA)) == 4


def test_blinding_hides_the_other_reviewers_decisions(loaded: Project) -> None:
    decide(loaded, "R1", "include", reviewer="reviewer1", note="mine")
    decide(loaded, "R1", "exclude", reviewer="reviewer2", note="theirs")
    rs = loaded.states(TA)[1]
    assert set(view_of(loaded, "reviewer1").votes(rs, TA)) == {"reviewer1"}
    assert set(view_of(loaded, "senior").votes(rs, TA)) == {"reviewer1", "reviewer2"}
    assert set(view_of(loaded, None).votes(rs, TA)) == set()
    with pytest.raises(PermissionDenied):
        conflicts(loaded, viewer="reviewer1", stage=TA)
    with pytest.raises(PermissionDenied):
        current_decisions(loaded, viewer="reviewer1", reviewer="reviewer2", stage=TA)
    with pytest.raises(PermissionDenied):
        current_decisions(loaded, viewer="reviewer1", reviewer=None, stage=TA)
    own = current_decisions(loaded, viewer="reviewer1", reviewer="reviewer1", stage=TA)
    assert [(d["reviewer"], d["note"]) for d in own] == [("reviewer1", "mine")]
    listed = conflicts(loaded, viewer="senior", stage=TA)
    assert [c["id"] for c in listed] == ["R1"]
    assert listed[0]["decisions"]["reviewer2"]["note"] == "theirs"


def test_full_text_needs_ta_include_and_a_reason(loaded: Project) -> None:
    with pytest.raises(PermissionDenied, match="full-text screening: 'reviewer1' is blinded"):
        decide(loaded, "R1", "include", reviewer="reviewer1", stage=FT)
    lift_blinding(loaded)  # the senior opens full text before title/abstract is finished
    with pytest.raises(ScreenerError, match="not passed title/abstract"):
        decide(loaded, "R1", "include", reviewer="reviewer1", stage=FT)
    for who in ("reviewer1", "reviewer2"):
        decide(loaded, "R1", "include", reviewer=who)
    with pytest.raises(ScreenerError, match="needs a reason"):
        decide(loaded, "R1", "exclude", reviewer="reviewer1", stage=FT)
    decide(loaded, "R1", "exclude", reviewer="reviewer1", stage=FT, reason="2")
    decide(loaded, "R1", "exclude", reviewer="reviewer2", stage=FT, reason="Wrong outcome")
    rs = loaded.states(FT)[1]
    assert rs.votes["reviewer1"].reason == loaded.config.reasons(FT)[1]
    # excluded for different reasons: PRISMA reports one reason, so the senior picks it
    assert outcome(loaded, 1, FT) is Outcome.CONFLICT
    listed = conflicts(loaded, viewer="senior", stage=FT)
    assert {n: v["reason"] for n, v in listed[0]["decisions"].items()} == {
        "reviewer1": "Wrong intervention",
        "reviewer2": "Wrong outcome",
    }
    with pytest.raises(ScreenerError, match="reviewers do not agree on one"):
        resolve(loaded, "R1", "exclude", reviewer="senior", stage=FT)
    resolve(loaded, "R1", "exclude", reviewer="senior", stage=FT, reason="wrong OUTCOME")
    assert outcome(loaded, 1, FT) is Outcome.RESOLVED_EXCLUDE
    assert loaded.states(FT)[1].resolution.reason == "Wrong outcome"
    assert reason_disagreements(loaded, FT) == []
    mark_retrieval(loaded, "R1", False, reviewer="reviewer1")
    assert loaded.states(FT)[1].retrieval is not None


def test_kappa_on_a_hand_computed_example() -> None:
    # 10 records: both include 3, both exclude 4, A inc/B exc 2, A exc/B inc 1.
    a = [1, 1, 1, 0, 0, 0, 0, 1, 1, 0]
    b = [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    stats = agreement_of(a, b)
    po = 7 / 10
    pe = (5 / 10) * (4 / 10) + (5 / 10) * (6 / 10)
    assert stats.percent_agreement == pytest.approx(po)
    assert stats.kappa == pytest.approx((po - pe) / (1 - pe), abs=1e-4)
    assert stats.pabak == pytest.approx(2 * po - 1)


def test_agreement_over_records_both_decided(loaded: Project) -> None:
    decide(loaded, "R1", "include", reviewer="reviewer1")
    decide(loaded, "R1", "include", reviewer="reviewer2")
    decide(loaded, "R2", "exclude", reviewer="reviewer1")
    decide(loaded, "R2", "include", reviewer="reviewer2")
    decide(loaded, "R3", "exclude", reviewer="reviewer1")  # only one reviewer: not counted
    overall, pairs = agreement(loaded, TA)
    assert overall.n == 2 and overall.percent_agreement == 0.5
    assert [p.reviewers for p in pairs] == [("reviewer1", "reviewer2")]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def test_decisions_import_is_all_or_nothing(loaded: Project, tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "bad.csv",
        [
            {"id": "R1", "decision": "yes"},
            {"id": "R404", "decision": "no"},
            {"id": "R2", "decision": "perhaps"},
        ],
    )
    with pytest.raises(DecisionImportError) as info:
        import_decisions(loaded, bad, reviewer="reviewer1", stage=TA)
    assert [r.row for r in info.value.refused] == [3, 4]
    assert loaded.store.events() == []
    good = _write(
        tmp_path / "good.csv",
        [
            {"id": "R1", "decision": "1"},
            {"id": "R2", "decision": "false"},
            {"id": "#3", "decision": "maybe"},
        ],
    )
    assert import_decisions(loaded, good, reviewer="reviewer1", stage=TA).applied == 3
    votes = {rid: rs.votes["reviewer1"].decision for rid, rs in loaded.states(TA).items()}
    assert votes == {1: Decision.INCLUDE, 2: Decision.EXCLUDE, 3: Decision.MAYBE}


@pytest.mark.shared
def test_cohen_adhd_dual_review_flow(review: Project, tmp_path: Path) -> None:
    """Two reviewers (B flips 5%), senior resolves to the label, full text from labels."""
    src = needs_shared("screening", "Cohen_2006_ADHD.csv")
    review.import_file(src, label="PubMed")
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    flip = set(random.Random(7).sample(range(len(rows)), len(rows) // 20))
    ta = "label_abstract_screening"
    a = _write(tmp_path / "a.csv", [{"record_id": r["record_id"], "d": r[ta]} for r in rows])
    b = _write(
        tmp_path / "b.csv",
        [
            {"record_id": r["record_id"], "d": str(1 - int(r[ta])) if i in flip else r[ta]}
            for i, r in enumerate(rows)
        ],
    )
    for who, f in (("reviewer1", a), ("reviewer2", b)):
        import_decisions(
            review, f, reviewer=who, stage=TA, id_column="record_id", decision_column="d"
        )
    listed = conflicts(review, viewer="senior", stage=TA)
    assert len(listed) == len(flip)
    label = {r["record_id"]: r[ta] for r in rows}
    for c in listed:
        resolve(
            review,
            c["id"],
            "include" if label[c["source_id"]] == "1" else "exclude",
            reviewer="senior",
        )
    ft = _write(
        tmp_path / "f.csv",
        [
            {
                "record_id": r["record_id"],
                "d": r["label_included"],
                "why": "" if r["label_included"] == "1" else "Wrong intervention",
            }
            for r in rows
            if r[ta] == "1"
        ],
    )
    for who in ("reviewer1", "reviewer2"):
        import_decisions(
            review,
            ft,
            reviewer=who,
            stage=FT,
            id_column="record_id",
            decision_column="d",
            reason_column="why",
        )
    ta_out = review.outcomes(TA)
    ft_out = review.outcomes(FT)
    assert len(ta_out) == 851
    assert sum(o.is_include for o in ta_out.values()) == 84
    assert sum(o.is_exclude for o in ft_out.values()) == 64
    assert sum(o.is_include for o in ft_out.values()) == 20
    n = len(rows)
    agree = n - len(flip)
    overall, _ = agreement(review, TA)
    assert overall.n == n and overall.percent_agreement == pytest.approx(agree / n, abs=1e-4)
    # kappa computed independently from the 2x2 table
    a_inc = sum(r[ta] == "1" for r in rows)
    b_inc = sum((1 - int(r[ta])) if i in flip else int(r[ta]) for i, r in enumerate(rows))
    pe = (a_inc / n) * (b_inc / n) + (1 - a_inc / n) * (1 - b_inc / n)
    assert overall.kappa == pytest.approx((agree / n - pe) / (1 - pe), abs=1e-3)


def test_export_hides_outcomes_from_blinded_reviewers(loaded: Project, tmp_path: Path) -> None:
    from screener.export.records import export_records

    decide(loaded, "R1", "include", reviewer="reviewer1")
    decide(loaded, "R1", "exclude", reviewer="reviewer2")
    out = tmp_path / "all.csv"
    export_records(loaded, out, fmt="csv", stage=None, status="all", viewer="reviewer1")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["title_abstract"] for r in rows] == ["", "", ""]
    with pytest.raises(PermissionDenied):
        export_records(loaded, out, fmt="csv", stage=None, status="conflict", viewer="reviewer1")
    export_records(loaded, out, fmt="csv", stage=None, status="all", viewer="senior")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["title_abstract"] for r in rows] == ["conflict", "pending", "pending"]
