"""Helpers for the TUI tests and benchmark: a small review built in a tmp dir.

Not a test module (it defines no tests); the test_tui_*.py modules import it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from screener.project import Project

REVIEWERS = ("reviewer1", "reviewer2", "senior")

# title, abstract, authors, year, journal, doi, keywords
RECORDS: list[tuple[str, str, list[str], int, str, str, list[str]]] = [
    (
        "Cognitive behavioral therapy for depression in adolescents: a randomised trial",
        "Background: Depression is common in adolescents. Methods: We randomised 120 "
        "adolescents with depressive disorder to cognitive behavioral therapy or usual care. "
        "Results: Symptoms of depression fell more with therapy. Conclusions: CBT helps.",
        ["Smith, Jane", "Doe, John"],
        2019,
        "Journal of Adolescent Health",
        "10.1000/cbt.1",
        ["depression", "adolescents", "psychotherapy"],
    ),
    (
        "Fluoxetine in a rat model of depression",
        "We gave fluoxetine to rats and mice and measured behaviour in a forced swim test.",
        ["Lee, Ann"],
        2018,
        "Behavioural Brain Research",
        "10.1000/rat.2",
        ["rats", "mice"],
    ),
    (
        "Exercise and mood in older adults: a cohort study",
        "A cohort of 2,000 older adults followed for ten years; exercise predicted lower "
        "rates of depression.",
        ["Garcia, Luis", "Chen, Wei", "Okafor, Ngozi"],
        2020,
        "Age and Ageing",
        "10.1000/ex.3",
        ["exercise", "ageing"],
    ),
    (
        "Internet-delivered cognitive behavioural therapy for anxiety",
        "Randomised trial of internet CBT for generalised anxiety in adults.",
        ["Nilsson, Eva"],
        2021,
        "Lancet Psychiatry",
        "10.1000/icbt.4",
        ["anxiety", "internet"],
    ),
    (
        "[bold]Bold claim[/bold] [link=https://evil.example]click[/link] \x1b[31mred\x1b[0m title",
        "An abstract with [italic]markup[/italic] and an escape \x1b]8;;https://x\x07 sequence.",
        ["Mallory, [b]Eve[/b]"],
        2022,
        "Journal of [red]Injection[/red]",
        "10.1000/evil.5",
        [],
    ),
    (
        "Mindfulness for stress in nurses: a pilot study",
        "Pilot study of mindfulness training for occupational stress among hospital nurses.",
        ["Brown, Kate"],
        2017,
        "Nursing Open",
        "10.1000/mind.6",
        ["mindfulness", "stress"],
    ),
]

# The same report as RECORDS[0], exported by a second database (linked as its duplicate).
DUPLICATE = RECORDS[0]


def ris(records: list[tuple[str, str, list[str], int, str, str, list[str]]], prefix: str) -> str:
    lines: list[str] = []
    for n, (title, abstract, authors, year, journal, doi, keywords) in enumerate(records, 1):
        lines += ["TY  - JOUR", f"ID  - {prefix}{n}", f"TI  - {title}", f"AB  - {abstract}"]
        lines += [f"AU  - {a}" for a in authors]
        lines += [f"PY  - {year}", f"JO  - {journal}", f"DO  - {doi}"]
        lines += [f"KW  - {k}" for k in keywords]
        lines += ["ER  - ", ""]
    return "\n".join(lines) + "\n"


def config_text(*, ranking: bool = False) -> str:
    text = resources.files("screener").joinpath("templates/starter_config.toml").read_text("utf-8")
    text = text.replace('name = "my-review"', 'name = "tui-test"')
    text = text.replace('title = "My systematic review"', 'title = "Depression therapies"')
    text = text.replace("auto = true", "auto = false")
    text = text.replace("enabled = false", f"enabled = {'true' if ranking else 'false'}")
    text = text.replace(
        "[highlight]\ninclude = []\nexclude = []",
        '[highlight]\ninclude = ["depress*", "cognitive behavio?ral therapy", "randomi?ed"]\n'
        'exclude = ["rat", "rats", "mice"]',
    )
    text += (
        '\n[[sources]]\nlabel = "PubMed"\nfiles = ["pubmed.ris"]\n'
        '\n[[sources]]\nlabel = "Embase"\nfiles = ["embase.ris"]\n'
        '\n[[rules]]\nname = "animal-study"\naction = "flag"\nreason = "Wrong population"\n'
        "query = 'any:(rat OR rats OR mice) AND NOT any:(patient* OR human*)'\n"
    )
    return text


def filler(n: int) -> list[tuple[str, str, list[str], int, str, str, list[str]]]:
    """`n` more plain records (trials of made-up therapies), for longer queues."""
    return [
        (f"Therapy number {k} for low mood: a pilot trial",
         f"A pilot trial of therapy number {k} in adults with low mood.", [f"Author, A{k}"],
         2000 + k % 20, "Journal of Trials", f"10.1000/fill.{k}", [])
        for k in range(1, n + 1)
    ]  # fmt: skip


def build_review(root: Path, *, ranking: bool = False, extra: int = 0) -> Path:
    """A review folder: config.toml, two RIS exports; returns the config path.

    `extra` plain records follow the six of RECORDS (R7 is then the first of them).
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "pubmed.ris").write_text(ris(RECORDS + filler(extra), "PM"), encoding="utf-8")
    (root / "embase.ris").write_text(ris([DUPLICATE], "EM"), encoding="utf-8")
    config = root / "config.toml"
    config.write_text(config_text(ranking=ranking), encoding="utf-8")
    return config


def open_review(
    root: Path, *, ranking: bool = False, link_duplicate: bool = True, extra: int = 0
) -> Project:
    """Build and open the review; the Embase copy of R1 is linked as R1's duplicate."""
    project = Project.open(build_review(root, ranking=ranking, extra=extra))
    if link_duplicate:
        ids = [sr.id for sr in project.store.records()]
        project.store.append_links([{
            "action": "link", "record_id": ids[-1], "other_id": ids[0], "method": "test",
            "actor": "test",
        }])  # fmt: skip
    return project


def run(coro_fn: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async Pilot script from a plain (sync) test."""
    return asyncio.run(coro_fn())  # type: ignore[arg-type]


async def settle(pilot: Any) -> None:
    """Let workers finish and the screen catch up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def submit(pilot: Any, text: str) -> None:
    """Fill the focused prompt's Input (typing char by char is slow in Pilot) and press Enter."""
    from textual.widgets import Input

    field = pilot.app.screen.query_one(Input)
    field.value = text
    field.focus()
    await pilot.press("enter")
    await settle(pilot)
