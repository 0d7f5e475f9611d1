"""The multi-view ranker (`views`): contract, ranking, and the leave-one-out view score."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from screener.ranking import Ranker, available_rankers, make_ranker
from screener.ranking.views import ViewsRanker, loo_auc
from tests.test_ranking import CORPUS, LABELS, Y, auc, check_estimator_contract

SMALL = {"char_components": 20, "lsa_components": 10}  # keep the SVDs tiny


def test_registered_and_follows_the_estimator_contract() -> None:
    assert "views" in available_rankers()
    ranker = make_ranker("views", **SMALL)
    assert isinstance(ranker, Ranker) and isinstance(ranker, ViewsRanker)
    check_estimator_contract(ranker, "views")


@pytest.mark.parametrize("mode", ["softmax", "select", "fixed"])
def test_every_mode_ranks_includes_above_excludes(mode: str) -> None:
    ranker = make_ranker("views", mode=mode, views=("word", "char", "title", "lsa"), **SMALL)
    feats = ranker.featurize(CORPUS)
    idx = np.arange(0, len(CORPUS), 3)
    scores = ranker.fit(feats[idx], Y[idx]).predict_relevance(feats)
    assert auc(scores, Y) > 0.9
    weights = ranker.view_weights_
    assert weights.shape == (4,) and np.isclose(weights.sum(), 1.0) and (weights >= 0).all()
    if mode == "select":
        assert sorted(weights.tolist()) == [0.0, 0.0, 0.0, 1.0]
    # Deterministic: the same labels give the same scores.
    np.testing.assert_array_equal(ranker.fit(feats[idx], Y[idx]).predict_relevance(feats), scores)


def test_word_view_alone_orders_as_the_default_ranker() -> None:
    ours, default = make_ranker("views", views=("word",)), make_ranker("screener")
    fo, fd = ours.featurize(CORPUS), default.featurize(CORPUS)
    idx = np.arange(0, len(CORPUS), 2)
    so = ours.fit(fo[idx], Y[idx]).predict_relevance(fo)
    sd = default.fit(fd[idx], Y[idx]).predict_relevance(fd)
    np.testing.assert_array_equal(np.argsort(-so, kind="stable"), np.argsort(-sd, kind="stable"))


def test_predict_on_new_records_and_refusals() -> None:
    ranker = make_ranker("views", **SMALL).fit(CORPUS, LABELS)
    from screener.model import Record

    new = [Record(title="insulin glucose trial"), Record(title="asthma inhaler survey")]
    scores = ranker.predict_relevance(new)
    assert scores[0] > scores[1]
    with pytest.raises(ValueError, match="at least one relevant"):
        make_ranker("views", **SMALL).fit(CORPUS[:5], [0] * 5)
    with pytest.raises(ValueError, match="unknown views"):
        make_ranker("views", views=("word", "nope")).fit(CORPUS, LABELS)
    with pytest.raises(ValueError, match="unknown mode"):
        make_ranker("views", mode="vote").fit(CORPUS, LABELS)
    with pytest.raises(RuntimeError):
        make_ranker("views").predict_relevance(CORPUS)


def test_loo_auc_matches_refitting_without_each_record() -> None:
    rng = np.random.default_rng(3)
    X = sp.random(40, 25, density=0.3, format="csr", random_state=4)
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(axis=1) + 1e-12)))
    y = (rng.random(40) < 0.3).astype(np.int64)
    y[:2] = [1, 0]
    dense = X.toarray()
    s = np.empty(40)
    for i in range(40):
        keep = np.arange(40) != i
        w = dense[keep & (y == 1)].mean(0) - 0.7 * dense[keep & (y == 0)].mean(0)
        s[i] = dense[i] @ w
    assert np.isclose(loo_auc(X, y, 0.7), auc(s, y))
    assert np.isclose(loo_auc(dense, y, 0.7), auc(s, y))
    assert loo_auc(X, np.array([1] + [0] * 39), 0.7) == 0.5  # one include: no evidence
