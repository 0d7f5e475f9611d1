"""Months after the review was published, the team updates it: a new review names the
finished one, the new searches come in, and only what is new is screened, in the app too."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.project import Project
from tests.conftest import write_config
from tests.workflows.stories import IRRELEVANT, RELEVANT, ris
from tests.workflows.team import session, sh

pytestmark = pytest.mark.slow


def test_an_update_of_a_finished_review(tmp_path: Path) -> None:
    # The first version: 12 records, screened and finished with 3 studies included.
    v1 = tmp_path / "v1"
    v1.mkdir()
    first = RELEVANT[:6] + IRRELEVANT[:6]
    (v1 / "search.ris").write_text(ris(first), encoding="utf-8")
    write_config(v1)
    sh(v1, "import", "search.ris", "--source", "Embase")
    for n in range(1, 13):
        decision = "include" if n <= 3 else "exclude"
        for who in ("reviewer1", "reviewer2"):
            sh(v1, "decide", f"R{n}", decision, "--reviewer", who)
    for n in range(1, 4):
        for who in ("reviewer1", "reviewer2"):
            sh(v1, "decide", f"R{n}", "include", "--reviewer", who, "--stage", "full_text")
    assert sh(v1, "prisma", "--json").json()["new_studies"] == 3

    # The update: the same search run again finds the old 12 and 8 new records.
    v2 = tmp_path / "v2"
    v2.mkdir()
    later = first + RELEVANT[6:10] + IRRELEVANT[6:10]
    (v2 / "search_2025.ris").write_text(ris(later), encoding="utf-8")
    write_config(v2, '[previous]\nreview = "../v1"\n\n'
                     '[[sources]]\nlabel = "Embase"\nfiles = ["search_2025.ris"]\n')  # fmt: skip
    status = sh(v2, "status", "--json").json()
    assert status["stages"]["title_abstract"]["pending"] == 8
    flow = sh(v2, "prisma", "--json", "--as", "senior").json()
    assert flow["updated_review"] and flow["previous_studies"] == 3
    assert flow["duplicates_of_previous_search"] == 12 and flow["records_screened"] == 8

    # reviewer1 screens in the app: only the 8 new records are in the queue.
    project = Project.open(v2 / "config.toml")
    try:
        seen = session(project, "reviewer1", ["i"])
        assert "8 to go" in seen["first"]["text"] and "7 to go" in seen["last"]["text"]
        new_titles = set(RELEVANT[6:10] + IRRELEVANT[6:10])
        shown = {sr.id: sr.record.title for sr in project.store.records()}
        decided = project.store.events(stage="title_abstract", reviewer="reviewer1")
        assert [shown[e.record_id] in new_titles for e in decided] == [True]
    finally:
        project.close()
    text = sh(v2, "prisma", "--as", "senior").out
    assert "Studies included in previous version of review" in text
    sh(v2, "prisma", "-o", "flow.svg", "--as", "senior")
    assert (v2 / "flow.svg").stat().st_size > 0
