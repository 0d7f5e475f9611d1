"""The leave-one-data-set-out choice of benchmarks/bench_ranking.py, on a fake result table."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_ranking", ROOT / "benchmarks" / "bench_ranking.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
DATASETS = ["a", "b", "c", "d"]
CANDS = ["steady", "spiky", "weak"]
# "spiky" wins hugely on one data set and loses elsewhere; "steady" is best on average
# everywhere except where "spiky" spikes.
SCORES = {
    "a": {"steady": 0.50, "spiky": 0.95, "weak": 0.10},
    "b": {"steady": 0.40, "spiky": 0.30, "weak": 0.10},
    "c": {"steady": 0.60, "spiky": 0.50, "weak": 0.20},
    "d": {"steady": 0.30, "spiky": 0.25, "weak": 0.40},
}
BASE = {"a": 0.45, "b": 0.35, "c": 0.55, "d": 0.35}


@pytest.mark.parametrize("select", ["mean", "worst"])
def test_the_choice_for_a_data_set_never_reads_its_own_numbers(select: str) -> None:
    for held in DATASETS:
        chosen = BENCH.lodo_choose(SCORES, held, select, BASE)
        # Any figures at all for the held-out data set leave the choice unchanged.
        for values in itertools.product([-1.0, 0.0, 2.0], repeat=len(CANDS)):
            table = {d: dict(v) for d, v in SCORES.items()}
            table[held] = dict(zip(CANDS, values, strict=True))
            base = dict(BASE, **{held: values[0] * 3})
            assert BENCH.lodo_choose(table, held, select, base) == chosen


def test_the_choice_follows_the_other_data_sets() -> None:
    # Held out "a": on b, c, d "steady" has the best mean.
    assert BENCH.lodo_choose(SCORES, "a") == "steady"
    # Held out "b": means over a, c, d: steady 0.467, spiky 0.567, weak 0.233.
    assert BENCH.lodo_choose(SCORES, "b") == "spiky"
    # By worst difference against the baseline on a, c, d: steady -0.05, spiky -0.10.
    assert BENCH.lodo_choose(SCORES, "b", "worst", BASE) == "steady"


def test_refusals() -> None:
    with pytest.raises(ValueError, match="at least two"):
        BENCH.lodo_choose({"a": SCORES["a"]}, "a")
    with pytest.raises(ValueError, match="baseline"):
        BENCH.lodo_choose(SCORES, "a", "worst")
    with pytest.raises(ValueError, match="unknown selection"):
        BENCH.lodo_choose(SCORES, "a", "median")


def test_the_grid_holds_the_default_the_replica_and_distinct_keys() -> None:
    keys = [c.key for c in BENCH.CANDIDATES]
    assert len(set(keys)) == len(keys)
    assert BENCH.CANDIDATES[0].model == "screener" and BENCH.CANDIDATES[0].params == {}
    assert any(c.model == "elas_u4" and not c.params for c in BENCH.CANDIDATES)


def test_only_candidates_within_the_retrain_budget_are_eligible() -> None:
    # "spiky" is too slow on the other data sets: held out "b", it is no longer chosen.
    ratio = {d: {"steady": 0.1, "spiky": 0.5, "weak": 0.1} for d in DATASETS}
    assert BENCH.lodo_choose(SCORES, "b", "mean", BASE, ratio, 0.2) == "steady"
    # The held-out data set's own time is not read either.
    for held in DATASETS:
        chosen = BENCH.lodo_choose(SCORES, held, "mean", BASE, ratio, 0.2)
        for t in (0.0, 9.0):
            other = {d: dict(v) for d, v in ratio.items()}
            other[held] = {c: t for c in CANDS}
            assert BENCH.lodo_choose(SCORES, held, "mean", BASE, other, 0.2) == chosen
    # If no candidate is fast enough, all are eligible.
    slow = {d: {c: 1.0 for c in CANDS} for d in DATASETS}
    assert BENCH.lodo_choose(SCORES, "b", "mean", BASE, slow, 0.2) == "spiky"
