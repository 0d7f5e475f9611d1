"""Roles through the command line: blinded reviewers see only their own decisions, and
only a senior resolves. Every refusal exits 1 with a message and changes nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from screener.cli import main
from screener.model import Stage
from screener.project import Project
from tests.pg import SENIOR, make_review


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """alice and bob disagree on R1, agree on R2; alice alone decided R3."""
    path = make_review(tmp_path / "review", f"sqlite:///{tmp_path / 's.sqlite'}", n_records=6)
    for args in (
        ["decide", "R1", "include", "--reviewer", "alice", "--note", "alice-secret"],
        ["decide", "R1", "exclude", "--reviewer", "bob", "--note", "bob-secret"],
        ["decide", "R2", "include", "--reviewer", "alice"],
        ["decide", "R2", "include", "--reviewer", "bob"],
        ["decide", "R3", "exclude", "--reviewer", "alice"],
    ):
        assert main(["--config", str(path), *args]) == 0
    return path


def cli(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--config", str(config), *args])
    out, err = capsys.readouterr()
    return code, out, err


def event_count(config: Path) -> int:
    project = Project.open(config)
    try:
        return len(project.store.events())
    finally:
        project.close()


def test_only_a_senior_lists_conflicts(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for who in ("alice", "bob"):
        code, out, err = cli(config, capsys, "conflicts", "--reviewer", who, "--json")
        assert code == 1 and "blinded" in err
        assert "secret" not in out + err and "R1" not in out
    code, out, _ = cli(config, capsys, "conflicts", "--reviewer", SENIOR, "--json")
    assert code == 0
    items = json.loads(out)
    assert [i["id"] for i in items] == ["R1"]
    assert set(items[0]["decisions"]) == {"alice", "bob"}


def test_only_a_senior_resolves(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = event_count(config)
    for who in ("alice", "bob"):
        code, _, err = cli(config, capsys, "resolve", "R1", "include", "--reviewer", who)
        assert code == 1 and "senior" in err
    assert event_count(config) == before
    code, _, _ = cli(config, capsys, "resolve", "R1", "include", "--reviewer", SENIOR)
    assert code == 0 and event_count(config) == before + 1


def test_resolutions_imported_only_by_a_senior(
    config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = tmp_path / "res.csv"
    rows.write_text("id,decision\nR1,include\n", encoding="utf-8")
    before = event_count(config)
    code, _, err = cli(
        config, capsys, "decisions", "import", str(rows), "--reviewer", "alice", "--resolve"
    )
    assert code == 1 and "senior" in err and event_count(config) == before
    code, _, _ = cli(
        config, capsys, "decisions", "import", str(rows), "--reviewer", SENIOR, "--resolve"
    )
    assert code == 0 and event_count(config) == before + 1


def test_reviewer_cannot_read_another_reviewers_decisions(
    config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "d.csv"
    code, _, err = cli(
        config,
        capsys,
        "decisions",
        "export",
        "--reviewer",
        "bob",
        "--as",
        "alice",
        "-o",
        str(out_file),
    )
    assert code == 1 and "blinded" in err and not out_file.exists()
    # everyone's decisions: refused to a reviewer, and to someone who does not say who they are
    code, _, _ = cli(config, capsys, "decisions", "export", "--as", "alice", "-o", str(out_file))
    assert code == 1 and not out_file.exists()
    code, _, _ = cli(config, capsys, "decisions", "export", "-o", str(out_file))
    assert code == 1 and not out_file.exists()
    # their own: allowed, and nothing of bob's is in it
    code, _, _ = cli(
        config, capsys, "decisions", "export", "--reviewer", "alice", "-o", str(out_file)
    )
    assert code == 0
    rows = list(csv.DictReader(out_file.open(encoding="utf-8")))
    assert {r["reviewer"] for r in rows} == {"alice"} and len(rows) == 3
    assert "bob-secret" not in out_file.read_text(encoding="utf-8")
    # the senior reads everyone's
    code, _, _ = cli(config, capsys, "decisions", "export", "--as", SENIOR, "-o", str(out_file))
    assert code == 0
    assert {r["reviewer"] for r in csv.DictReader(out_file.open(encoding="utf-8"))} == {
        "alice",
        "bob",
    }


def test_reviewer_cannot_change_another_reviewers_decision(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`undo` only ever pops the caller's own decision; bob's vote on R1 stays."""
    assert cli(config, capsys, "undo", "R1", "--reviewer", "alice")[0] == 0
    assert cli(config, capsys, "undo", "R1", "--reviewer", "alice")[0] == 0  # nothing left of hers
    project = Project.open(config)
    try:
        votes = project.states(Stage.TITLE_ABSTRACT)[1].votes
        assert set(votes) == {"bob"} and votes["bob"].decision.value == "exclude"
    finally:
        project.close()


@pytest.mark.parametrize(
    "args",
    [
        ["decide", "R1", "include", "--reviewer", "mallory"],
        ["undo", "R1", "--reviewer", "mallory"],
        ["conflicts", "--reviewer", "mallory"],
        ["resolve", "R1", "include", "--reviewer", "mallory"],
        ["decisions", "export", "--reviewer", "alice", "--as", "mallory", "-o", "x.csv"],
        ["decisions", "export", "--reviewer", "mallory", "--as", SENIOR, "-o", "x.csv"],
        ["retrieve", "R2", "--reviewer", "mallory"],
    ],
)
def test_unknown_reviewer_is_refused(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(config.parent)
    before = event_count(config)
    code, out, err = cli(config, capsys, *args)
    if "export" in args and "--as" in args and args[args.index("--as") + 1] == SENIOR:
        # a senior asking for an unknown reviewer's decisions gets none, not an error
        assert code == 0 and "wrote 0 decisions" in out
        return
    assert code == 1, (args, out, err)
    assert "mallory" in err and "not a reviewer" in err
    assert event_count(config) == before
    assert not (config.parent / "x.csv").exists()


def test_without_blinding_reviewers_see_each_other_but_only_a_senior_resolves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_review(
        tmp_path / "open", f"sqlite:///{tmp_path / 'o.sqlite'}", n_records=3, blinding=False
    )
    assert main(["--config", str(path), "decide", "R1", "include", "--reviewer", "alice"]) == 0
    assert main(["--config", str(path), "decide", "R1", "exclude", "--reviewer", "bob"]) == 0
    code, out, _ = cli(path, capsys, "conflicts", "--reviewer", "alice", "--json")
    assert code == 0 and [i["id"] for i in json.loads(out)] == ["R1"]
    assert cli(path, capsys, "resolve", "R1", "include", "--reviewer", "alice")[0] == 1
