"""The hypergeometric stopping rule on constructed screening sequences."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from scipy.stats import hypergeom

from screener.ranking.stopping import (
    first_stop,
    hypergeometric_p_value,
    hypergeometric_stop,
    sample_p_values,
)


def test_closed_form_after_a_run_of_irrelevant_records() -> None:
    # 100 relevant found first, then 500 irrelevant; 400 of 1000 records unscreened.
    labels = [1] * 100 + [0] * 500
    # H0 (recall < 95%): at least floor(100/0.95) + 1 = 106 relevant in all, so at
    # least 6 among the 900 records made of the last 500 and the 400 unscreened.
    # P(the 500 drawn hold none of them) = C(400, 6) / C(900, 6).
    expected = comb(400, 6) / comb(900, 6)
    p, k = hypergeometric_p_value(labels, 1000, 0.95)
    assert p == pytest.approx(expected, rel=1e-9)
    assert k == 500
    decision = hypergeometric_stop(labels, 1000)
    assert decision.stop
    assert decision.p_value == pytest.approx(expected, rel=1e-9)
    assert decision.n_relevant_seen == 100
    assert decision.sample_size == 500


def test_does_not_stop_while_relevant_records_keep_coming() -> None:
    rng = np.random.default_rng(0)
    labels = (rng.random(300) < 0.2).astype(int)  # 20% relevant throughout
    decision = hypergeometric_stop(labels, 2000)
    assert not decision.stop
    assert decision.p_value > 0.05


def test_few_relevant_records_need_nearly_everything_screened() -> None:
    # 10 found: H0 needs only one more relevant record, which a sample of 500 of 990
    # misses with probability 490/990.
    p, _ = hypergeometric_p_value([1] * 10 + [0] * 500, 1000, 0.95)
    assert p == pytest.approx(490 / 990)


def test_everything_screened_means_stop() -> None:
    labels = [1, 0, 1, 0, 0]
    decision = hypergeometric_stop(labels, 5)
    assert decision.stop
    assert decision.p_value == 0.0


def test_matches_scipy_for_every_sample_size() -> None:
    rng = np.random.default_rng(1)
    for _ in range(25):
        n_total = int(rng.integers(30, 300))
        n = int(rng.integers(1, n_total + 1))
        labels = (rng.random(n) < np.linspace(0.6, 0.02, n)).astype(int)
        ours = sample_p_values(labels, n_total, 0.95)
        hits = np.cumsum(labels[::-1])
        k = np.arange(1, n + 1)
        k_tar = np.floor(labels.sum() / 0.95 + 1e-9 - (labels.sum() - hits) + 1)
        ref = hypergeom.cdf(hits, n_total - n + k, k_tar, k)
        ref = np.where(k_tar > n_total - n + k, 0.0, ref)  # H0 impossible
        np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-12)


def test_first_stop_on_a_constructed_sequence() -> None:
    labels = [1] * 100 + [0] * 900  # a perfect ranking of 1000 records
    # After 100 + z records: p = C(900 - z, 6) / C(900, 6) (see the first test).
    expected_z = next(z for z in range(1, 901) if comb(900 - z, 6) / comb(900, 6) < 0.05)
    assert first_stop(labels, 1000) == 100 + expected_z
    # Higher confidence means screening longer.
    later = first_stop(labels, 1000, confidence=0.99)
    assert later is not None and later > 100 + expected_z


def test_first_stop_can_stop_after_everything() -> None:
    labels = [0, 1, 0, 1]
    assert first_stop(labels, 10) is None  # six records never screened
    assert first_stop(labels, 4) == 4


def test_recall_target_changes_the_answer() -> None:
    labels = [1] * 100 + [0] * 300
    loose = hypergeometric_stop(labels, 1000, recall_target=0.8)
    strict = hypergeometric_stop(labels, 1000, recall_target=0.99)
    assert loose.p_value < strict.p_value


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        hypergeometric_stop([1, 0, 2], 10)
    with pytest.raises(ValueError):
        hypergeometric_stop([1, 0], 1)
    with pytest.raises(ValueError):
        hypergeometric_stop([1, 0], 10, recall_target=0.0)
    with pytest.raises(ValueError):
        hypergeometric_stop([1, 0], 10, confidence=1.0)
    assert hypergeometric_p_value([], 10) == (1.0, 0)
