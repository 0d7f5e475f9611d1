"""Rankers, the query step and the simulation, on small synthetic data."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone

from screener.model import Record
from screener.ranking import (
    Features,
    Ranker,
    SimulationError,
    available_rankers,
    make_ranker,
    select_next,
    simulate,
    textless_due,
)
from screener.ranking.features import compose_text, text_fields
from screener.ranking.rankers import balanced_sample_weight

RELEVANT_WORDS = ["insulin", "glucose", "diabetes", "glycaemic", "metformin", "trial", "hba1c"]
OTHER_WORDS = [
    *("asthma", "inhaler", "bronchial", "wheeze", "fracture", "hip", "surgery", "knee"),
    *("cohort", "survey", "depression", "anxiety", "school", "children", "teacher"),
    *("policy", "cost", "hospital"),
]
COMMON_WORDS = ["patients", "study", "results", "methods", "outcome", "effect", "group"]


def make_corpus(
    n: int = 160, n_relevant: int = 16, n_empty: int = 4, seed: int = 0
) -> tuple[list[Record], list[int]]:
    """Synthetic records: relevant ones draw most words from a diabetes vocabulary."""
    rng = np.random.default_rng(seed)
    records: list[Record] = []
    labels: list[int] = []
    for i in range(n):
        relevant = i % (n // n_relevant) == 0 and sum(labels) < n_relevant
        if i >= n - n_empty:
            records.append(Record())
            labels.append(int(i == n - 1))
            continue
        words = []
        for _ in range(int(rng.integers(20, 40))):
            r = rng.random()
            if r < (0.35 if relevant else 0.03):
                words.append(str(rng.choice(RELEVANT_WORDS)))
            elif r < 0.6:
                words.append(str(rng.choice(COMMON_WORDS)))
            else:
                words.append(str(rng.choice(OTHER_WORDS)))
        title = " ".join(words[:6])
        records.append(Record(title=title, abstract=" ".join(words[6:]), keywords=["kw"]))
        labels.append(int(relevant))
    return records, labels


CORPUS, LABELS = make_corpus()
Y = np.array(LABELS)


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    pos, neg = scores[y == 1], scores[y == 0]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


# -- features ----------------------------------------------------------------------


def test_text_fields_from_records_mappings_and_strings() -> None:
    rec = Record(title="T", abstract="A", keywords=["k1", "k2"])
    assert text_fields(rec).title == "T"
    assert text_fields(rec).keywords == ("k1", "k2")
    assert text_fields({"title": "T", "abstract": float("nan"), "keywords": "a; b"}).keywords == (
        "a",
        "b",
    )
    assert text_fields({"title": "T", "abstract": float("nan")}).abstract == ""
    assert text_fields("just an abstract").abstract == "just an abstract"
    assert text_fields(Record()).is_empty
    text = compose_text(text_fields(rec), title_weight=2)
    assert text.count("T") == 2 and "k1" in text


def test_features_index_like_arrays() -> None:
    ranker = make_ranker("screener")
    feats = ranker.featurize(CORPUS)
    assert isinstance(feats, Features)
    assert len(feats) == len(CORPUS)
    assert feats.empty.sum() == 4
    sub = feats[[0, 5, 7]]
    assert len(sub) == 3
    for block in sub.blocks.values():
        assert block.shape[0] == 3


# -- ranker contract -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["screener", "elas_u4"])
def test_registry_has_the_models(name: str) -> None:
    assert name in available_rankers()
    assert isinstance(make_ranker(name), Ranker)


def test_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown ranking model"):
        make_ranker("no-such-model")


def check_estimator_contract(ranker: Ranker, name: str) -> None:
    """The scikit-learn estimator contract every registered ranker keeps (also for `views`)."""
    params = ranker.get_params()
    # __init__ stores its keyword parameters and nothing else.
    assert set(vars(ranker)) == set(params)
    # get_params round-trips through the registry, set_params and sklearn's clone.
    assert make_ranker(name, **params).get_params() == params
    assert clone(ranker).get_params() == params
    other = make_ranker(name)
    assert other.set_params(**params) is other and other.get_params() == params
    # fit returns self; what it learns ends in "_".
    assert ranker.fit(CORPUS, LABELS) is ranker
    learned = set(vars(ranker)) - set(params)
    assert learned and all(key.endswith("_") for key in learned)
    scores = ranker.predict_relevance(CORPUS)
    assert scores.shape == (len(CORPUS),) and scores.dtype == np.float64
    assert auc(scores, Y) > 0.9


@pytest.mark.parametrize("name", ["screener", "elas_u4"])
def test_estimator_contract(name: str) -> None:
    check_estimator_contract(make_ranker(name), name)


def test_params_change_the_model() -> None:
    ranker = make_ranker("screener", title_weight=1, negative_weight=0.5)
    assert ranker.get_params()["title_weight"] == 1
    assert ranker.get_params()["negative_weight"] == 0.5


@pytest.mark.parametrize("name", ["screener", "elas_u4"])
def test_fit_on_the_same_labels_is_deterministic(name: str) -> None:
    idx = np.arange(0, len(CORPUS), 2)
    first = make_ranker(name)
    feats = first.featurize(CORPUS)
    a = first.fit(feats[idx], Y[idx]).predict_relevance(feats)
    second = make_ranker(name)
    b = second.fit(second.featurize(CORPUS)[idx], Y[idx]).predict_relevance(
        second.featurize(CORPUS)
    )
    np.testing.assert_array_equal(a, b)
    # Refitting the same instance gives the same scores too.
    np.testing.assert_array_equal(first.fit(feats[idx], Y[idx]).predict_relevance(feats), a)


def test_fit_needs_both_classes_and_matching_lengths() -> None:
    ranker = make_ranker("screener")
    with pytest.raises(ValueError, match="at least one relevant"):
        ranker.fit(CORPUS[:5], [0] * 5)
    with pytest.raises(ValueError, match="labels"):
        ranker.fit(CORPUS[:5], [0, 1])
    with pytest.raises(RuntimeError):
        make_ranker("screener").predict_relevance(CORPUS)


def test_predict_on_new_records_uses_the_fitted_vocabulary() -> None:
    ranker = make_ranker("screener").fit(CORPUS, LABELS)
    new = [Record(title="insulin glucose trial"), Record(title="asthma inhaler survey")]
    scores = ranker.predict_relevance(new)
    assert scores[0] > scores[1]


def test_balanced_weights_match_asreview() -> None:
    y = np.array([1, 0, 0, 0, 0])
    w = balanced_sample_weight(y, 9.8)
    # relevant 1, irrelevant 1/(9.8*4), rescaled to sum to len(y)
    raw = np.array([1.0] + [1 / (9.8 * 4)] * 4)
    np.testing.assert_allclose(w, raw * 5 / raw.sum())


# -- query step ----------------------------------------------------------------------


def test_select_next_takes_the_best_unscreened_with_stable_ties() -> None:
    scores = np.array([0.1, 0.9, 0.9, 0.5])
    screened = np.array([False, False, False, False])
    assert select_next(scores, screened).tolist() == [1]
    assert select_next(scores, screened, 3).tolist() == [1, 2, 3]
    screened[1] = True
    assert select_next(scores, screened).tolist() == [2]


def test_textless_records_wait_until_the_yield_drops() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.0, 0.0])
    empty = np.array([False, False, False, True, True])
    screened = np.zeros(5, dtype=bool)
    kwargs: dict[str, Any] = {"empty": empty, "textless": "prevalence", "window": 3}
    # No history yet: rank by score, untexted records held back.
    assert select_next(scores, screened, **kwargs).tolist() == [0]
    # Last 3 ranked records all irrelevant, 1 of 5 found so far: yield 0 < 0.2.
    assert textless_due([1, 0, 0, 0], 1, 5, window=3)
    got = select_next(scores, screened, ranked_history=[1, 0, 0, 0], n_relevant_found=1, **kwargs)
    assert got.tolist() == [3, 4]
    # Policy "model" leaves them to their scores.
    assert select_next(scores, screened, empty=empty, textless="model").tolist() == [0]
    # Once no texted record is left they come anyway.
    screened[:3] = True
    assert select_next(scores, screened, **kwargs).tolist() == [3, 4]


# -- simulation ----------------------------------------------------------------------


def test_simulate_is_deterministic_for_a_seed() -> None:
    a = simulate(CORPUS, LABELS, "screener", seed=3, batch=1)
    b = simulate(CORPUS, LABELS, "screener", seed=3, batch=1)
    assert a.order == b.order
    assert a.prior_indices == b.prior_indices
    assert (a.wss95, a.recall_at_10pct, a.atd) == (b.wss95, b.recall_at_10pct, b.atd)
    c = simulate(CORPUS, LABELS, "screener", seed=4, batch=1)
    assert c.prior_indices != a.prior_indices


def test_simulation_result_is_consistent() -> None:
    res = simulate(CORPUS, LABELS, "screener", seed=1, priors=2)
    assert len(res.prior_indices) == 4
    assert sum(LABELS[i] for i in res.prior_indices) == 2
    assert res.n == len(CORPUS) - 4
    assert res.n_included == sum(LABELS) - 2
    assert sorted(res.order + res.prior_indices) == list(range(len(CORPUS)))
    assert res.labels == [LABELS[i] for i in res.order]
    assert res.n_to_95 <= res.n_to_100 <= res.n
    assert res.wss95 == pytest.approx((res.n - res.n_to_95) / res.n - 0.05)
    assert res.wss100 == pytest.approx((res.n - res.n_to_100) / res.n)
    assert res.wss95 > 0.5  # the synthetic task is easy
    assert 0 <= res.recall_at_10pct <= 1 and res.atd > 0
    assert res.retrain_ms_median > 0 and res.n_retrains > 0
    assert res.recall_curve()[-1] == pytest.approx(1.0)
    assert res.stopping is not None and res.stopping.method == "hypergeometric"
    assert res.stopping.n_screened <= len(CORPUS)
    json.dumps(res.to_dict())  # JSON-ready
    assert "order" not in res.summary()


def test_simulate_records_the_untexted_include() -> None:
    # The last record is empty and relevant: the prevalence policy finds it before
    # the bottom of the ranking.
    res = simulate(CORPUS, LABELS, "screener", seed=2, batch=1)
    pos = res.order.index(len(CORPUS) - 1)
    assert pos < res.n - 1


def test_simulate_with_batches_and_the_baseline() -> None:
    res = simulate(CORPUS, LABELS, "elas_u4", seed=1, batch=5, stop=None)
    assert res.model == "elas_u4" and res.stopping is None
    assert res.schedule == "retrain every 5 records"
    assert res.n_retrains <= math.ceil(res.n / 5) + 1
    assert res.params["C"] == 0.11
    adaptive = simulate(CORPUS, LABELS, seed=1)
    assert adaptive.schedule.startswith("adaptive")


def test_simulate_accepts_strings_features_and_instances() -> None:
    texts = [f"{r.title} {r.abstract}" for r in CORPUS]
    res = simulate(texts, LABELS, "screener", seed=1, stop=None)
    assert res.n == len(texts) - 2
    ranker = make_ranker("screener", title_weight=1)
    feats = ranker.featurize(CORPUS)
    res2 = simulate(feats, LABELS, ranker, seed=1, stop=None)
    assert res2.params["title_weight"] == 1
    res3 = simulate(CORPUS, LABELS, "screener", params={"negative_weight": 0.5}, stop=None)
    assert res3.params["negative_weight"] == 0.5


def test_simulate_refuses_bad_input() -> None:
    with pytest.raises(SimulationError):
        simulate(CORPUS, LABELS[:-1])
    with pytest.raises(SimulationError):
        simulate(CORPUS, [0] * len(CORPUS))
    with pytest.raises(SimulationError):
        simulate(CORPUS, [2] * len(CORPUS))
    with pytest.raises(SimulationError):
        simulate(CORPUS, LABELS, batch=0)
    with pytest.raises(SimulationError):
        simulate(CORPUS, LABELS, priors=100)
    with pytest.raises(SimulationError, match="unknown ranking model"):
        simulate(CORPUS, LABELS, "nope")
    with pytest.raises(SimulationError):
        simulate(CORPUS, LABELS, params={"no_such_param": 1})


def test_plot_recall_writes_a_png(tmp_path: Path) -> None:
    from screener.ranking.plot import plot_recall

    res = simulate(CORPUS, LABELS, "screener", seed=1)
    out = plot_recall(res, tmp_path / "recall.png")
    with open(out, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_recall_plot_counts_the_stop_on_its_own_axis() -> None:
    """The stopping note and the x axis count the same N: the records after the priors."""
    from screener.ranking.plot import recall_figure

    res = simulate(CORPUS, LABELS, "screener", seed=1, priors=2)
    assert res.stopping is not None and res.stopping.stopped
    assert res.n == len(CORPUS) - 4
    ax = recall_figure(res).axes[0]
    assert f"N = {res.n};" in ax.get_xlabel()
    notes = [t.get_text() for t in ax.texts]
    (stop_note,) = [t for t in notes if t.startswith("stopping rule")]
    at = res.stopping.n_screened - 4
    assert f"stop after {at} of N = {res.n} " in stop_note
    assert all(f"of {res.n_total}" not in t for t in notes)
    (line,) = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-."]
    assert list(line.get_xdata()) == [at, at]


def _labelled_csv(path: Path) -> Path:
    """CORPUS as a CSV with two label columns; two of its rows have no label."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["title", "abstract", "label_included", "other_label"])
        for i, (rec, label) in enumerate(zip(CORPUS, LABELS, strict=True)):
            blank = i in (len(CORPUS) - 3, len(CORPUS) - 2)
            out.writerow([rec.title, rec.abstract, "" if blank else label, 1 - label])
    return path


def test_simulate_cli_says_which_label_column_it_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from screener.cli import main

    data = _labelled_csv(tmp_path / "labelled.csv")
    assert main(["simulate", str(data), "--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == (
        "labels: column 'label_included' of labelled.csv "
        "(1 = relevant; another column: --label COLUMN)"
    )
    assert "left out 2 record(s) without a label" in text
    assert main(["simulate", str(data), "--seed", "2", "--label", "other_label", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["label_column"] == "other_label"
    assert got["labels_from"] == "column 'other_label' of labelled.csv"
    assert got["records_without_label"] == 0 and got["n_total"] == len(CORPUS)
