"""Relevance rankers for prioritised screening, with a name registry.

Every ranker follows the scikit-learn estimator contract:

- ``__init__`` only stores its keyword parameters (so `get_params`/`set_params` and
  `sklearn.base.clone` work);
- ``fit(X, y)`` learns from labelled records and returns ``self``;
- learned state lives in attributes ending in ``_``;
- ``predict_relevance(X)`` returns one float per record, higher = more likely relevant.

``X`` is either a sequence of documents (`Record`, mapping or string) or the
`Features` returned by ``featurize``.  ``featurize(all_records)`` fits the
unsupervised part (the TF-IDF vocabulary and weights) once on the whole data set;
``fit`` and ``predict_relevance`` on rows of those features then only retrain the
classifier, which is what the simulation does after every screened record.  Given
raw documents, ``fit`` featurizes them itself (fitting the vectoriser on them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from screener.ranking.features import Document, Features, compose_text, text_fields

__all__ = [
    "ElasU4Ranker",
    "Ranker",
    "ScreenerRanker",
    "available_rankers",
    "make_ranker",
    "register_ranker",
]

FloatArray = npt.NDArray[np.float64]
Docs = Sequence[Document] | Features


@runtime_checkable
class Ranker(Protocol):
    """What the simulation and the screening queue need from a ranker."""

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def set_params(self, **params: Any) -> Any: ...

    def featurize(self, docs: Docs) -> Features: ...

    def fit(self, X: Docs, y: Sequence[int] | npt.ArrayLike) -> Any: ...

    def predict_relevance(self, X: Docs) -> FloatArray: ...


class _TfidfRanker(BaseEstimator):
    """Shared plumbing: one word TF-IDF block over title, abstract and keywords."""

    # Subclasses define these as __init__ parameters.
    title_weight: int
    use_keywords: bool
    ngram_range: tuple[int, int]
    min_df: int | float
    max_df: int | float
    sublinear_tf: bool

    def _texts(self, docs: Sequence[Document]) -> tuple[list[str], npt.NDArray[np.bool_]]:
        fields = [text_fields(d) for d in docs]
        texts = [
            compose_text(f, title_weight=self.title_weight, keywords=self.use_keywords)
            for f in fields
        ]
        return texts, np.array([f.is_empty for f in fields], dtype=bool)

    def _vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            ngram_range=tuple(self.ngram_range),
            sublinear_tf=self.sublinear_tf,
            min_df=self.min_df,
            max_df=self.max_df,
            dtype=np.float64,
        )

    def featurize(self, docs: Docs) -> Features:
        """Fit the vectoriser on all `docs` (unsupervised) and return their features."""
        if isinstance(docs, Features):
            return docs
        texts, empty = self._texts(docs)
        if not texts:
            raise ValueError("no records to featurize")
        vec = self._vectorizer()
        if len(texts) > 1 and sum(1 for t in texts if t.strip()) < 2:
            vec.set_params(min_df=1, max_df=1.0)
        try:
            matrix = vec.fit_transform(texts)
        except ValueError:  # every record empty, or all words pruned by max_df
            vec.set_params(min_df=1, max_df=1.0)
            matrix = vec.fit_transform(texts)
        self.vectorizer_ = vec
        return Features({"word": sp.csr_matrix(matrix)}, empty)

    def transform(self, docs: Docs) -> Features:
        """Features of `docs` with the vectoriser fitted by `featurize`."""
        if isinstance(docs, Features):
            return docs
        self._check_featurized()
        texts, empty = self._texts(docs)
        return Features({"word": sp.csr_matrix(self.vectorizer_.transform(texts))}, empty)

    def _check_featurized(self) -> None:
        if not hasattr(self, "vectorizer_"):
            raise RuntimeError(f"{type(self).__name__} has no vocabulary: call featurize or fit")

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit first")

    @staticmethod
    def _labels(y: Sequence[int] | npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
        arr = np.asarray(y, dtype=np.int64).ravel()
        if arr.shape[0] != n:
            raise ValueError(f"got {n} records but {arr.shape[0]} labels")
        if not np.isin(arr, (0, 1)).all():
            raise ValueError("labels must be 0 (irrelevant) or 1 (relevant)")
        if arr.min(initial=1) == 1 or arr.max(initial=0) == 0:
            raise ValueError("ranking needs at least one relevant and one irrelevant record")
        return arr

    def fit(self, X: Docs, y: Sequence[int] | npt.ArrayLike) -> Any:
        feats = X if isinstance(X, Features) else self.featurize(X)
        labels = self._labels(y, len(feats))
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = int(feats.blocks["word"].shape[1])
        self._fit(feats, labels)
        return self

    def predict_relevance(self, X: Docs) -> FloatArray:
        self._check_fitted()
        feats = self.transform(X)
        return np.asarray(self._score(feats), dtype=np.float64).ravel()

    # -- for subclasses
    def _fit(self, X: Features, y: npt.NDArray[np.int64]) -> None:
        raise NotImplementedError

    def _score(self, X: Features) -> FloatArray:
        raise NotImplementedError


def balanced_sample_weight(y: npt.NDArray[np.int64], ratio: float) -> FloatArray:
    """ASReview's `Balanced` sample weights (asreview 2.x/3.x, models/balancers.py).

    Relevant records weigh 1 and irrelevant ones ``n_relevant / (ratio · n_irrelevant)``,
    so the irrelevant class carries 1/ratio of the relevant class's total weight;
    the weights are then rescaled to sum to ``len(y)``.
    """
    n_pos = float((y == 1).sum())
    n_neg = float((y == 0).sum())
    w = np.where(y == 1, 1.0, n_pos / (ratio * n_neg))
    return w * (len(y) / w.sum())


class ElasU4Ranker(_TfidfRanker):
    """A replica of ASReview LAB 2/3's default model, ELAS u4.

    TF-IDF of title + " " + abstract (word 1–2-grams, sublinear tf, min_df 1,
    max_df 0.95), a linear SVM (`LinearSVC`, squared hinge, C = 0.11) trained with
    ASReview's balanced sample weights (ratio 9.8), ranked by decision function
    (ASReview's "max" querier).  No title weighting, no keywords.
    `random_state` fixes liblinear's coordinate order (ASReview leaves it unset).
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        sublinear_tf: bool = True,
        min_df: int | float = 1,
        max_df: int | float = 0.95,
        C: float = 0.11,
        loss: str = "squared_hinge",
        ratio: float = 9.8,
        random_state: int | None = 0,
    ) -> None:
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.max_df = max_df
        self.C = C
        self.loss = loss
        self.ratio = ratio
        self.random_state = random_state

    # ELAS u4 reads "title abstract", exactly as ASReview's TextMerger joins them.
    title_weight = 1
    use_keywords = False

    def _texts(self, docs: Sequence[Document]) -> tuple[list[str], npt.NDArray[np.bool_]]:
        fields = [text_fields(d) for d in docs]
        texts = [f"{f.title} {f.abstract}" for f in fields]
        return texts, np.array([f.is_empty for f in fields], dtype=bool)

    def _fit(self, X: Features, y: npt.NDArray[np.int64]) -> None:
        svm = LinearSVC(C=self.C, loss=self.loss, random_state=self.random_state)
        svm.fit(X.blocks["word"], y, sample_weight=balanced_sample_weight(y, self.ratio))
        self.svm_ = svm

    def _score(self, X: Features) -> FloatArray:
        return np.asarray(self.svm_.decision_function(X.blocks["word"]), dtype=np.float64)


def _rocchio(X: sp.csr_matrix, y: npt.NDArray[np.int64], negative_weight: float) -> FloatArray:
    """Centroid of the relevant rows minus `negative_weight` × centroid of the others."""
    n_pos = float((y == 1).sum())
    n_neg = float((y == 0).sum())
    c = np.where(y == 1, 1.0 / n_pos, -negative_weight / n_neg)
    return np.asarray(X.T @ c, dtype=np.float64).ravel()


def _refine(
    X: sp.csr_matrix, y: npt.NDArray[np.int64], w: FloatArray, margin: float, negative_weight: float
) -> FloatArray:
    """One margin-reweighting pass over the Rocchio profile `w`.

    The labelled rows' scores are rescaled so that the class means sit at +1
    (relevant) and −1 (irrelevant); each row then weighs ``max(0, margin − y·score)``
    (y = ±1), as a squared-hinge SVM weighs its margin violators: relevant records
    that score low and irrelevant ones that score high count most, well-separated
    ones little or not at all.  The weights are normalised per class (relevant sum
    1, irrelevant sum `negative_weight`) and give a second profile.
    """
    pos = y == 1
    s = np.asarray(X @ w, dtype=np.float64).ravel()
    mp, mn = float(s[pos].mean()), float(s[~pos].mean())
    half = (mp - mn) / 2.0
    if not half > 0:
        return w
    sign = np.where(pos, 1.0, -1.0)
    a = np.maximum(0.0, margin - sign * (s - (mp + mn) / 2.0) / half)
    ap, an = float(a[pos].sum()), float(a[~pos].sum())
    if ap <= 0 or an <= 0:
        return w
    c = np.where(pos, a / ap, -negative_weight * a / an)
    return np.asarray(X.T @ c, dtype=np.float64).ravel()


class ScreenerRanker(_TfidfRanker):
    """screener's default ranker: fast relevance feedback with a margin refinement.

    Features (fitted once per data set): the title repeated `title_weight` times,
    the abstract and the keywords, as sublinear-tf TF-IDF of word `ngram_range`
    n-grams.  The model averages two linear profiles, each scaled by the spread of
    its scores on the labelled records:

    1. Rocchio relevance feedback: the centroid of the relevant records minus
       `negative_weight` times the centroid of the irrelevant ones;
    2. the same centroids re-weighted once by margin (see `_refine`): relevant
       records the first profile scores low and irrelevant ones it scores high
       count most, much as in a squared-hinge SVM.  ``refine_margin=0`` turns this
       off (plain Rocchio).

    Training is a handful of sparse products over the labelled rows and scoring one
    sparse product, so a retrain costs about a millisecond on a few thousand records
    (ASReview's SVM takes several times that); see benchmarks/bench_ranking.py for
    how it compares.

    `textless`/`textless_window` set how records without any text are queued (see
    `screener.ranking.query`); the default "prevalence" screens them once the
    ranking's recent yield falls below the prevalence they are expected to have.
    """

    def __init__(
        self,
        *,
        title_weight: int = 2,
        use_keywords: bool = True,
        ngram_range: tuple[int, int] = (1, 2),
        sublinear_tf: bool = True,
        min_df: int | float = 1,
        max_df: int | float = 0.95,
        negative_weight: float = 1.0,
        refine_margin: float = 3.0,
        textless: str = "prevalence",
        textless_window: int = 50,
    ) -> None:
        self.title_weight = title_weight
        self.use_keywords = use_keywords
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.max_df = max_df
        self.negative_weight = negative_weight
        self.refine_margin = refine_margin
        self.textless = textless
        self.textless_window = textless_window

    def _fit(self, X: Features, y: npt.NDArray[np.int64]) -> None:
        XL = X.blocks["word"]
        w = _rocchio(XL, y, self.negative_weight)
        if self.refine_margin > 0:
            w2 = _refine(XL, y, w, self.refine_margin, self.negative_weight)
            sd1 = float(np.asarray(XL @ w).std())
            sd2 = float(np.asarray(XL @ w2).std())
            if sd1 > 0 and sd2 > 0:
                w = w / sd1 + w2 / sd2
        self.profile_ = w

    def _score(self, X: Features) -> FloatArray:
        block = X.blocks["word"]
        if block.shape[1] != self.profile_.shape[0]:
            raise ValueError("features do not match the fitted vocabulary")
        return np.asarray(block @ self.profile_, dtype=np.float64).ravel()


_REGISTRY: dict[str, Callable[..., Any]] = {}


def register_ranker(name: str, factory: Callable[..., Any]) -> None:
    """Make `factory(**params)` available as `make_ranker(name, **params)`."""
    _REGISTRY[name] = factory


def available_rankers() -> list[str]:
    return sorted(_REGISTRY)


def make_ranker(name: str = "screener", **params: Any) -> Any:
    """A new, unfitted ranker by registry name, with `params` passed to it."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(available_rankers())
        raise ValueError(f"unknown ranking model {name!r}; known models: {known}") from None
    return factory(**params)


register_ranker("elas_u4", ElasU4Ranker)
register_ranker("screener", ScreenerRanker)
# The multi-view ranker lives in its own module (it imports this one's helpers) and registers
# itself as "views"; the package's __init__ imports it, so the registry is complete.
