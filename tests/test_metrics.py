"""Screening metrics on hand-computed rankings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from screener.ranking import metrics

# N = 10 records after the priors, R = 3 relevant, found at positions 1, 3 and 6.
SEQ = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0]


def test_n_to_recall_hand_computed() -> None:
    assert metrics.n_to_recall(SEQ, 0.95) == 6  # ceil(0.95 * 3) = 3 relevant
    assert metrics.n_to_recall(SEQ, 1.0) == 6
    assert metrics.n_to_recall(SEQ, 0.5) == 3  # ceil(1.5) = 2 relevant
    assert metrics.n_to_recall(SEQ, 1 / 3) == 1
    assert metrics.n_to_recall(SEQ, 0.0) == 0


def test_wss_hand_computed() -> None:
    assert metrics.wss(SEQ, 0.95) == pytest.approx((10 - 6) / 10 - 0.05)
    assert metrics.wss(SEQ, 1.0) == pytest.approx(0.4)
    # Perfect ranking of 2 relevant out of 100: WSS@100 = 98/100.
    perfect = [1, 1] + [0] * 98
    assert metrics.wss(perfect, 1.0) == pytest.approx(0.98)
    assert metrics.wss(perfect, 0.95) == pytest.approx(0.98 - 0.05)
    # Worst ranking: the last record is the only relevant one.
    worst = [0] * 9 + [1]
    assert metrics.wss(worst, 0.95) == pytest.approx(-0.05)


def test_wss95_rounds_needed_relevant_up_without_float_noise() -> None:
    # 0.95 * 20 = 19.000000000000004 in floating point: 19 relevant are needed, not 20.
    seq = [1] * 19 + [0] * 80 + [1]
    assert metrics.n_needed(20, 0.95) == 19
    assert metrics.n_to_recall(seq, 0.95) == 19
    assert metrics.wss(seq, 0.95) == pytest.approx((100 - 19) / 100 - 0.05)
    # 19 relevant: ceil(18.05) = 19, so WSS@95 needs every one of them.
    assert metrics.n_needed(19, 0.95) == 19


def test_recall_at_hand_computed() -> None:
    assert metrics.recall_at(SEQ, 0.10) == pytest.approx(1 / 3)  # first record
    assert metrics.recall_at(SEQ, 0.30) == pytest.approx(2 / 3)  # first 3 records
    assert metrics.recall_at(SEQ, 0.25) == pytest.approx(2 / 3)  # ceil(2.5) = 3 records
    assert metrics.recall_at(SEQ, 0.60) == pytest.approx(1.0)
    assert metrics.recall_at(SEQ, 0.0) == 0.0


def test_atd_hand_computed() -> None:
    assert metrics.time_to_discovery(SEQ) == [1, 3, 6]
    assert metrics.atd(SEQ) == pytest.approx(10 / 3)
    assert metrics.atd([0, 0, 0, 1]) == pytest.approx(4.0)


def test_recall_curve() -> None:
    curve = metrics.recall_curve(SEQ)
    assert curve.shape == (10,)
    assert curve[0] == pytest.approx(1 / 3)
    assert curve[2] == pytest.approx(2 / 3)
    assert curve[-1] == pytest.approx(1.0)
    assert np.all(np.diff(curve) >= 0)


def test_no_relevant_records_give_nan() -> None:
    assert math.isnan(metrics.wss([0, 0, 0], 0.95))
    assert math.isnan(metrics.recall_at([0, 0], 0.1))
    assert math.isnan(metrics.atd([0, 0]))
    assert math.isnan(metrics.wss([], 0.95))
    assert metrics.n_to_recall([0, 0], 0.95) == 0


def test_accepts_numpy_and_bools() -> None:
    arr = np.array(SEQ, dtype=bool)
    assert metrics.wss(arr, 0.95) == pytest.approx(metrics.wss(SEQ, 0.95))


@pytest.mark.parametrize("bad", [[0, 2, 1], [-1, 0]])
def test_rejects_non_binary_labels(bad: list[int]) -> None:
    with pytest.raises(ValueError):
        metrics.wss(bad, 0.95)


def test_rejects_bad_fractions() -> None:
    with pytest.raises(ValueError):
        metrics.recall_at(SEQ, 1.5)
    with pytest.raises(ValueError):
        metrics.n_to_recall(SEQ, -0.1)
