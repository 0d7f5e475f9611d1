"""Two reviewers take turns over several sittings, ranking on, blinding on, and the team reads
the status between sittings: nothing crashes, each sees only their own decisions, and the
order learns from each reviewer's own decisions once they have an include and an exclude."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.model import Stage
from screener.project import Project
from tests.workflows.stories import RELEVANT, review_folder
from tests.workflows.team import session, sh

pytestmark = pytest.mark.slow

TA = Stage.TITLE_ABSTRACT


def titles(project: Project) -> dict[int, str]:
    return {sr.id: sr.record.title for sr in project.store.records()}


def test_two_reviewers_take_turns_with_ranking(tmp_path: Path) -> None:
    folder = review_folder(tmp_path / "review", ranking=True)
    sh(folder, "import", "search.ris", "--source", "PubMed")
    project = Project.open(folder / "config.toml")
    try:
        by_id = titles(project)

        # Monday, reviewer1: the rules order until an include and an exclude are made.
        monday = session(project, "reviewer1", ["i", "e", "1"])
        assert "Ordered by the rules and highlight terms" in monday["first"]["text"]
        assert (
            "Ranked by model 'screener', learned from 2 of your decisions" in monday["last"]["text"]
        )
        mine = project.store.events(stage=TA, reviewer="reviewer1")
        assert [e.decision for e in mine] == ["include", "exclude"]
        assert mine[1].reason == "Wrong population"

        # The team looks at where things stand: every read command works mid-screening.
        status = sh(folder, "status", "--json").json()
        assert status["records"] == 24
        assert sh(folder, "prisma", "--json", "--as", "senior").json()["provisional"] is True
        blinded = sh(folder, "prisma", "--json", "--as", "reviewer2").json()
        assert blinded["records_excluded"] is None and blinded["records_screened"] == 24
        sh(folder, "prisma")
        refused = sh(folder, "agreement", "--as", "reviewer1", ok=False)
        assert refused.code == 1 and "blinded" in refused.err
        sh(folder, "agreement", "--as", "senior")
        sh(folder, "decisions", "export", "--reviewer", "reviewer1", "-o", "r1.csv")

        # Monday afternoon, reviewer2 (blinded): opens on a record reviewer1 decided without
        # seeing that decision, and has a model of their own only after their own labels.
        first_of_r1 = mine[0].record_id
        r2 = session(project, "reviewer2", ["m"])
        assert "learned from" not in r2["first"]["text"]
        assert r2["first"]["record"] == first_of_r1  # the same best record by the rules ...
        assert "not decided yet" in r2["first"]["text"]  # ... shown without reviewer1's vote
        events_r2 = project.store.events(stage=TA, reviewer="reviewer2")
        assert len(events_r2) == 1 and events_r2[0].decision == "maybe"

        # Tuesday, reviewer1 comes back: the model is trained again from their decisions,
        # the screen resumes at an undecided record, ranked ones first.
        tuesday = session(project, "reviewer1", ["i", "i", "e", "2"])
        assert "learned from 2 of your decisions" in tuesday["first"]["text"]
        assert tuesday["first"]["record"] not in {e.record_id for e in mine}
        assert "learned from 5 of your decisions" in tuesday["last"]["text"]
        mine = project.store.events(stage=TA, reviewer="reviewer1")
        assert len(mine) == 5
        ranked = [e for e in mine if e.context.get("ranking", {}).get("model") == "screener"]
        assert len(ranked) == 3  # the decisions made from the model's order say so
        # after two includes, the ranked records proposed are the relevant ones
        picked = [by_id[e.record_id] for e in ranked[:2]]
        assert all(t in RELEVANT for t in picked), picked

        # The status says what ranks, and for reviewer1 how their decisions were ordered; it
        # tells reviewer2 nothing of reviewer1's.
        ranking = sh(folder, "status", "--json", "--as", "reviewer1").json()["ranking"]
        assert ranking["model"] == "screener" and "refine_margin" in ranking["params"]
        assert ranking["yours"]["title_abstract"] == {
            "ranked_decisions": 3, "rule_ordered_decisions": 2, "last_model": "screener",
            "last_learned_from": 4,
        }  # fmt: skip
        text = sh(folder, "status", "--as", "reviewer1").out
        assert "3 of your decisions made on the model's order, 2 on the rules' order" in text
        r2 = sh(folder, "status", "--json", "--as", "reviewer2").json()["ranking"]
        assert r2["yours"] == {"title_abstract": {
            "ranked_decisions": 0, "rule_ordered_decisions": 1, "last_model": None,
            "last_learned_from": None}}  # fmt: skip

        # Tuesday afternoon, reviewer2 again, then the status once more.
        session(project, "reviewer2", ["i", "e", "5"])
        assert len(project.store.events(stage=TA, reviewer="reviewer2")) == 3
        status = sh(folder, "status", "--json").json()
        assert status["records"] == 24
        sh(folder, "decisions", "export", "--reviewer", "reviewer2", "-o", "r2.csv")
        exported = (folder / "r2.csv").read_text(encoding="utf-8")
        assert exported.count("reviewer2") == 3 and "reviewer1" not in exported
        refused = sh(folder, "decisions", "export", "--reviewer", "reviewer1", "--as",
                     "reviewer2", "-o", "x.csv", ok=False)  # fmt: skip
        assert refused.code == 1 and "blinded" in refused.err
    finally:
        project.close()
