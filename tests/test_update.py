"""Updating a finished review: both ways screen only what is new since the previous version.

(a) A new review whose config names the previous one (`[previous] files` or `review`).
(b) New searches imported into the same review after `screener update`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from screener.cli import main
from tests.conftest import write_config

TOPICS = [
    "ketamine infusion", "cognitive behavioural therapy", "mindfulness training",
    "exposure therapy", "motivational interviewing", "esketamine nasal spray",
    "group psychotherapy", "psilocybin sessions", "alcohol use disorder", "chronic pain",
    "treatment resistant depression", "post-traumatic stress", "opioid withdrawal",
    "anxiety in adolescents",
]  # fmt: skip


def rows(first: int, last: int) -> list[dict[str, str]]:
    """Distinct records: each topic and number makes its own title, authors and year."""
    out = []
    for n in range(first, last):
        topic = TOPICS[n % len(TOPICS)]
        out.append({
            "record_id": f"S{n}",
            "title": f"Trial {n} of {topic} in a cohort from site {n * 7 % 13} ({['A', 'B', 'C'][n % 3]})",
            "abstract": f"Study {n}: {topic}; {n * 3} participants followed for {n % 12 + 1} months.",
            "authors": f"Author{n}, A; Coauthor{n}, B",
            "year": str(2000 + n % 20),
        })  # fmt: skip
    return out


def write(path: Path, data: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)
    return path


def cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def json_of(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> dict:
    capsys.readouterr()
    assert cli(config, *args, "--json") == 0
    return json.loads(capsys.readouterr().out)


def screen_all(config: Path, data: list[dict[str, str]], include: set[str]) -> None:
    """Both reviewers agree; the included ones pass full text too."""
    folder = config.parent
    ta = write(folder / "ta.csv", [{"record_id": r["record_id"],
                                    "decision": "1" if r["record_id"] in include else "0"}
                                   for r in data])  # fmt: skip
    ft = write(folder / "ft.csv", [{"record_id": r, "decision": "1"} for r in sorted(include)])
    common = ["--id-column", "record_id"]
    for who in ("reviewer1", "reviewer2"):
        assert cli(config, "decisions", "import", str(ta), "--reviewer", who, *common) == 0
    for who in ("reviewer1", "reviewer2"):
        assert cli(config, "decisions", "import", str(ft), "--reviewer", who, "--stage",
                   "full_text", *common) == 0  # fmt: skip


@pytest.fixture
def first_review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """v1: 30 records screened and finished, 4 included; returns (config, its search)."""
    search1 = write(tmp_path / "search1.csv", rows(0, 30))
    folder = tmp_path / "v1"
    folder.mkdir()
    config = write_config(folder)
    assert cli(config, "import", str(search1), "--source", "PubMed") == 0
    screen_all(config, rows(0, 30), {"S1", "S5", "S9", "S20"})
    flow = json_of(capsys, config, "prisma", "--as", "senior")
    assert (flow["new_studies"], flow["provisional"]) == (4, False)
    return config, search1


def test_a_new_review_naming_the_previous_search(
    first_review: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _v1, search1 = first_review
    search2 = write(tmp_path / "search2.csv", rows(0, 42))  # the old 30 again, 12 new
    folder = tmp_path / "v2"
    folder.mkdir()
    config = write_config(folder, f'[previous]\nstudies = 4\nfiles = ["{search1}"]\n\n'
                                  f'[[sources]]\nlabel = "PubMed"\nfiles = ["{search2}"]\n')  # fmt: skip
    status = json_of(capsys, config, "status")
    assert status["stages"]["title_abstract"]["pending"] == 12
    flow = json_of(capsys, config, "prisma", "--as", "senior")
    assert flow["updated_review"] and flow["previous_studies"] == flow["previous_reports"] == 4
    assert flow["database_results"] == 42 and flow["duplicates"] == 30
    assert flow["duplicates_of_previous_search"] == 30 and flow["records_screened"] == 12
    assert flow["previous_search_records"] == 30


def test_a_new_review_naming_the_previous_review(
    first_review: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The previous review's records and its included studies come from its own store."""
    search2 = write(tmp_path / "search2.csv", rows(10, 45))  # 20 old, 15 new
    folder = tmp_path / "v2"
    folder.mkdir()
    config = write_config(folder, '[previous]\nreview = "../v1"\n\n'
                                  f'[[sources]]\nlabel = "Embase"\nfiles = ["{search2}"]\n')  # fmt: skip
    status = json_of(capsys, config, "status")
    assert status["stages"]["title_abstract"]["pending"] == 15
    flow = json_of(capsys, config, "prisma", "--as", "senior")
    assert flow["updated_review"] and flow["previous_studies"] == 4
    assert flow["duplicates_of_previous_search"] == 20 and flow["records_screened"] == 15
    # finish the update: 2 new studies; the totals add the previous version's
    screen_all(config, rows(30, 45), {"S31", "S44"})
    flow = json_of(capsys, config, "prisma", "--as", "senior")
    assert (flow["new_studies"], flow["total_studies"], flow["provisional"]) == (2, 6, False)


def test_new_searches_in_the_same_review(
    first_review: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, _search1 = first_review
    search2 = write(tmp_path / "search2.csv", rows(25, 40))  # 5 old, 10 new
    capsys.readouterr()
    assert cli(config, "update", "--reviewer", "reviewer1") == 1  # a senior starts an update
    assert "not a senior" in capsys.readouterr().err
    started = json_of(capsys, config, "update", "--reviewer", "senior")
    assert started["previous_studies"] == 4 and started["previous_search_records"] == 30
    assert cli(config, "import", str(search2), "--source", "PubMed") == 0
    status = json_of(capsys, config, "status")
    assert status["stages"]["title_abstract"]["pending"] == 10
    flow = json_of(capsys, config, "prisma", "--as", "senior")
    assert flow["updated_review"] and flow["previous_studies"] == 4
    assert flow["database_results"] == 15 and flow["duplicates_of_previous_search"] == 5
    assert flow["records_screened"] == 10 and flow["new_studies"] == 0
    # the previous version's decisions still stand; a new round screens only the new ten
    screen_all(config, rows(30, 40), {"S33"})
    flow = json_of(capsys, config, "prisma", "--as", "senior")
    assert (flow["new_studies"], flow["total_studies"], flow["provisional"]) == (1, 5, False)


def test_an_update_of_an_unfinished_review_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    config = write_config(folder)
    assert cli(config, "import", str(write(tmp_path / "s.csv", rows(0, 5)))) == 0
    capsys.readouterr()
    assert cli(config, "update", "--reviewer", "senior") == 1
    err = capsys.readouterr().err
    assert "not finished" in err and "awaiting" in err and "--force" in err
    assert cli(config, "update", "--reviewer", "senior", "--force") == 0
