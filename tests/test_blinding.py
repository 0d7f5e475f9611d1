"""Blinding as non-interference, as a property.

Two reviews identical except for reviewer A's vote on one record: everything reviewer B can
read — every read command, with and without `--as B`, and the dashboard and screening screens
opened as B — is byte-identical between the two. A new read path is covered by adding it to
`READS` (or `SCREENS`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from screener.cli import main
from screener.model import Stage
from screener.project import Project
from screener.screening.blinding import stage_open
from screener.screening.decide import add_note, decide, resolve
from screener.tui import make_app
from tests.conftest import write_config
from tests.test_tui_support import run, settle
from tests.workflows.stories import ris

pytestmark = pytest.mark.slow

A, B, SENIOR = "reviewer1", "reviewer2", "senior"
N = 10
TITLES = [
    "Ketamine-assisted psychotherapy for depression", "Hip fracture fixation in older adults",
    "Ketamine infusion and cognitive behavioural therapy", "Knee replacement rehabilitation",
    "Psychotherapy after ketamine for PTSD", "Rotator cuff repair with anchors",
    "Mindfulness with ketamine for cocaine use", "Spinal fusion in scoliosis",
    "Ketamine and exposure therapy for OCD", "Bone density after bisphosphonates",
]  # fmt: skip

# Every read path, as B would run it; each with no reader, `--as B` and `--reviewer B`.
# (`decisions export --reviewer A` alone is A reading their own: a name is self-declared on
# SQLite, see the README; the server enforces it in team mode, tests/test_team.py.)
READS: list[list[str]] = [
    ["status"], ["status", "--json"],
    ["agreement"], ["agreement", "--json"], ["agreement", "--stage", "full_text"],
    ["prisma"], ["prisma", "--json"], ["prisma", "-o", "{out}/flow.md"],
    ["prisma", "-o", "{out}/flow.csv"],
    ["conflicts"], ["conflicts", "--stage", "full_text", "--json"],
    ["export", "--format", "csv", "-o", "-"], ["export", "--format", "ris", "-o", "-"],
    ["export", "--format", "csv", "--status", "duplicates", "-o", "-"],
    ["export", "--format", "csv", "--status", "included", "-o", "-"],
    ["export", "--format", "csv", "--status", "conflict", "--stage", "title_abstract", "-o", "-"],
    ["decisions", "export", "-o", "-"],
    ["decisions", "export", "--reviewer", B, "-o", "-"],
    ["decisions", "export", "--reviewer", A, "--as", B, "-o", "-"],
    ["decisions", "export", "--stage", "full_text", "-o", "-"],
    ["verify"], ["simulate", "--review", "--json"], ["rules", "test", "--json"],
    ["dedup", "review", "--json"],
]  # fmt: skip
READERS: list[list[str]] = [[], ["--as", B], ["--reviewer", B]]
SCREENS = ["dashboard", "screening"]

decisions = st.sampled_from(["include", "exclude", "maybe"])


@st.composite
def worlds(draw: Any) -> dict[str, Any]:
    """B's votes, A's votes on other records, notes, an override by the senior, and the one
    record on which A's vote differs between the two worlds."""
    target = draw(st.integers(1, N))
    rest = [r for r in range(1, N + 1) if r != target]
    a_votes = draw(st.dictionaries(st.sampled_from(rest), decisions, max_size=N - 1))
    b_votes = draw(st.dictionaries(st.integers(1, N), decisions, max_size=N))
    pair = draw(st.lists(decisions, min_size=2, max_size=2, unique=True))
    override = draw(st.one_of(st.none(), st.sampled_from(rest)))
    return {"target": target, "a": a_votes, "b": b_votes, "pair": pair, "override": override,
            "note_a": draw(st.booleans()), "note_b": draw(st.booleans())}  # fmt: skip


def build(folder: Path, w: dict[str, Any], a_on_target: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "search.ris").write_text(ris(TITLES), encoding="utf-8")
    config = write_config(folder, '[[sources]]\nlabel = "PubMed"\nfiles = ["search.ris"]\n')
    project = Project.open(config)
    try:
        reason = {"exclude": "1"}
        for rid, d in sorted(w["a"].items()):
            decide(project, rid, d, reviewer=A, reason=reason.get(d, ""))
        decide(project, w["target"], a_on_target, reviewer=A, reason=reason.get(a_on_target, ""))
        if w["note_a"]:
            add_note(project, w["target"], "A's note", reviewer=A, stage="title_abstract")
        for rid, d in sorted(w["b"].items()):
            decide(project, rid, d, reviewer=B, reason=reason.get(d, ""))
        if w["note_b"]:
            add_note(project, w["target"], "B's note", reviewer=B, stage="title_abstract")
        if w["override"] is not None:
            resolve(project, w["override"], "exclude", reviewer=SENIOR, override=True)
    finally:
        project.close()
    return config


def normalised(text: str, folder: Path) -> str:
    text = text.replace(str(folder), "WORLD")
    return re.sub(r"\d{4}-\d\d-\d\d[T ][0-9:.+\-Z]+", "TIME", text)


def reads_of_b(config: Path, capsys: Any) -> dict[str, str]:
    folder = config.parent
    out: dict[str, str] = {}
    for command in READS:
        for reader in READERS:
            args = [a.format(out=folder) for a in command]
            capsys.readouterr()
            try:
                code = main(["--config", str(config), *args, *reader])
            except SystemExit as exc:  # argparse: an option this command does not take
                code = int(exc.code or 0)
            printed = capsys.readouterr()
            files = "".join(
                (folder / name).read_text(encoding="utf-8")
                for name in ("flow.md", "flow.csv") if (folder / name).exists()
            )  # fmt: skip
            for name in ("flow.md", "flow.csv"):
                (folder / name).unlink(missing_ok=True)
            key = " ".join([*command, *reader])
            out[key] = normalised(f"{code}\n{printed.out}\n{printed.err}\n{files}", folder)
    return out


def screens_of_b(config: Path) -> dict[str, str]:
    project = Project.open(config)
    out: dict[str, str] = {}
    try:
        for screen in SCREENS:

            async def go(name: str = screen) -> str:
                app = make_app(project, B, screen=name)
                async with app.run_test(size=(160, 48)) as pilot:
                    await settle(pilot)
                    return app.export_screenshot()

            out[screen] = normalised(run(go), config.parent)
    finally:
        project.close()
    return out


def still_blinded(config: Path) -> bool:
    """Title/abstract is still open to blinding (a finished stage opens to everyone)."""
    project = Project.open(config)
    try:
        return not stage_open(project, Stage.TITLE_ABSTRACT)
    finally:
        project.close()


# No shrinking: an example costs seconds, and a failure prints the worlds as they are.
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(w=worlds())
def test_nothing_b_reads_depends_on_a_vote(tmp_path_factory: Any, capsys: Any, w: dict) -> None:
    root = tmp_path_factory.mktemp("worlds")
    views = []
    for i, vote in enumerate(w["pair"]):
        config = build(root / f"w{i}", w, vote)
        assume(still_blinded(config))  # once every record is decided, the stage opens to all
        views.append({**reads_of_b(config, capsys), **screens_of_b(config)})
    leaks = [key for key in views[0] if views[0][key] != views[1].get(key)]
    assert not leaks, f"B's view depends on A's vote ({w['pair']}) on R{w['target']}: {leaks}"


def test_the_property_can_fail(tmp_path: Path, capsys: Any) -> None:
    """With blinding off, A's vote shows in B's reads: the comparison above sees a leak."""
    w = {"target": 1, "a": {}, "b": {1: "exclude"}, "pair": ["include", "exclude"],
         "override": None, "note_a": False, "note_b": False}  # fmt: skip
    reads = []
    for i, vote in enumerate(w["pair"]):
        config = build(tmp_path / f"w{i}", w, vote)
        config.write_text(config.read_text().replace("blinding = true", "blinding = false"))
        reads.append(reads_of_b(config, capsys))
    assert reads[0]["status --json"] != reads[1]["status --json"]
