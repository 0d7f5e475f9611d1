"""Shared fixtures: a fresh review in a temporary folder, paths to fixtures and ../shared."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from screener.project import Project
from tests.pg import StoreUrls, backend_url, store_url  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATASETS = SHARED / "datasets"

STARTER = (REPO / "screener" / "templates" / "starter_config.toml").read_text(encoding="utf-8")


def needs_shared(*parts: str) -> Path:
    """The path of a shared dataset, or skip the test when ../shared is absent."""
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is absent)")
    return path


def write_config(folder: Path, extra: str = "", *, store: str | None = None) -> Path:
    """The starter config, optionally with another store URL and extra TOML appended."""
    text = STARTER
    url = store or os.environ.get("SCREENER_TEST_STORE_URL")
    if url:
        text = text.replace('# store = "screener.sqlite"', f'store = "{url}"', 1)
    path = folder / "config.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


@pytest.fixture
def make_review(tmp_path: Path) -> Iterator[Callable[..., Project]]:
    """Build a review (config + store) in a fresh folder; closed after the test.

    The store is SQLite, or a fresh PostgreSQL database per review when
    SCREENER_TEST_BACKEND=postgresql (the PostgreSQL leg of CI).
    """
    opened: list[Project] = []
    urls = StoreUrls(tmp_path)

    def make(extra: str = "", *, name: str = "review") -> Project:
        folder = tmp_path / name
        folder.mkdir()
        url = urls.new() if urls.backend == "postgresql" else None
        project = Project.open(write_config(folder, extra, store=url))
        opened.append(project)
        return project

    yield make
    for p in opened:
        p.close()
    urls.cleanup()


@pytest.fixture
def review(make_review: Callable[..., Project]) -> Project:
    return make_review()


def lift_blinding(project: Project, stage: str = "title_abstract") -> None:
    """The senior opens a stage before it is finished (logged, as `screener unblind` does):
    tests that work at full text while title/abstract is still in progress."""
    from screener.model import Stage
    from screener.screening.blinding import set_blinding

    senior = next(r.name for r in project.config.reviewers if r.is_senior)
    set_blinding(project, Stage(stage), lifted=True, senior=senior, note="test")
