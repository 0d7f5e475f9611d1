"""A multi-view ranker that weighs its views online, from the reviewer's own labels.

Each *view* is a different representation of the same records, fitted once per data set:

- ``"word"``: word n-gram TF-IDF of title (repeated `title_weight` times), abstract and
  keywords, as screener's default ranker reads them;
- ``"char"``: character n-gram TF-IDF (``char_wb``), robust to spelling, inflection and
  chemical or drug-name variants, reduced by a truncated SVD to `char_components` dense
  dimensions (0 keeps it sparse, which is several times slower to retrain);
- ``"title"``: word TF-IDF of the title and keywords only;
- ``"lsa"``: a truncated SVD (latent semantic analysis) of the word view, dense and
  l2-normalised, so records that share related rather than identical words score alike.

Every retrain fits, per view, `ScreenerRanker`'s fast model (a Rocchio profile plus one
margin-reweighted refinement) and scores the view by the AUC on the labelled records of exact
leave-one-out scores (closed form for a centroid model: see `loo_auc`).  Then (`mode`):

- ``"softmax"``: weights ∝ exp(`sharpness` · AUC), shrunk towards equal weights while few
  includes are labelled (`prior_includes` pseudo-counts);
- ``"select"``: only the view with the best leave-one-out AUC (ties: the first listed);
- ``"fixed"``: equal weights (the control: no online choice).

Each view's profile is scaled to unit spread on the labelled records before weighting.
Records without any text follow the `textless` policy, as in `ScreenerRanker`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from screener.ranking.features import Document, Features, compose_text, text_fields
from screener.ranking.rankers import Docs, FloatArray, _TfidfRanker, register_ranker

__all__ = ["ViewsRanker", "loo_auc"]

VIEWS = ("word", "char", "title", "lsa")


def _rows_sq_norm(X: Any) -> FloatArray:
    """Squared row norms (a sparse view's TF-IDF rows are l2-normalised: 1 unless empty)."""
    if sp.issparse(X):
        return (np.diff(X.indptr) > 0).astype(np.float64)
    return np.asarray(np.einsum("ij,ij->i", X, X), dtype=np.float64)


def _class_sums(X: Any, pos: npt.NDArray[np.bool_]) -> tuple[FloatArray, ...]:
    """Per-class sums of the rows of `X` and every row's dot product with them."""
    fpos = pos.astype(np.float64)
    sums = np.asarray(X.T @ np.column_stack([fpos, 1.0 - fpos]), dtype=np.float64)
    dots = np.asarray(X @ sums, dtype=np.float64)
    return sums[:, 0], sums[:, 1], dots[:, 0], dots[:, 1]


def _auc_loo(
    dp: FloatArray, dn: FloatArray, sq: FloatArray, pos: npt.NDArray[np.bool_], nw: float
) -> float:
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos < 2 or n_neg < 2:
        return 0.5
    s = np.where(
        pos,
        (dp - sq) / (n_pos - 1) - nw * dn / n_neg,
        dp / n_pos - nw * (dn - sq) / (n_neg - 1),
    )
    r = np.empty(s.shape[0], dtype=np.float64)
    r[np.argsort(s, kind="stable")] = np.arange(1, s.shape[0] + 1)  # ties: by position
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def loo_auc(X: Any, y: npt.NDArray[np.int64], negative_weight: float = 1.0) -> float:
    """AUC on the labelled rows of `X` of the leave-one-out Rocchio scores.

    The profile is ``mean(relevant rows) − negative_weight · mean(irrelevant rows)``; row i's
    score under the profile fitted without it is computed in closed form (its dot products
    with the class sums, less its own squared norm).  With fewer than two records of either
    class it returns 0.5 (no evidence).
    """
    pos = np.asarray(y) == 1
    _, _, dp, dn = _class_sums(X, pos)
    return _auc_loo(dp, dn, _rows_sq_norm(X), pos, negative_weight)


class ViewsRanker(BaseEstimator):
    """Several text views, each a fast relevance-feedback model, weighed online (module doc)."""

    def __init__(
        self,
        *,
        views: tuple[str, ...] = ("word", "char", "title"),
        mode: str = "softmax",
        sharpness: float = 20.0,
        prior_includes: float = 5.0,
        title_weight: int = 2,
        use_keywords: bool = True,
        ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (3, 5),
        min_df: int | float = 1,
        max_df: int | float = 0.95,
        char_min_df: int | float = 2,
        char_components: int = 200,
        lsa_components: int = 150,
        negative_weight: float = 1.0,
        refine_margin: float = 3.0,
        textless: str = "prevalence",
        textless_window: int = 50,
        random_state: int = 0,
    ) -> None:
        self.views = views
        self.mode = mode
        self.sharpness = sharpness
        self.prior_includes = prior_includes
        self.title_weight = title_weight
        self.use_keywords = use_keywords
        self.ngram_range = ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.char_min_df = char_min_df
        self.char_components = char_components
        self.lsa_components = lsa_components
        self.negative_weight = negative_weight
        self.refine_margin = refine_margin
        self.textless = textless
        self.textless_window = textless_window
        self.random_state = random_state

    # -- features --------------------------------------------------------------------
    def _check_params(self) -> None:
        unknown = [v for v in self.views if v not in VIEWS]
        if unknown or not self.views:
            raise ValueError(f"unknown views {unknown}; choose from {', '.join(VIEWS)}")
        if self.mode not in ("softmax", "select", "fixed"):
            raise ValueError(f"unknown mode {self.mode!r}; use softmax, select or fixed")

    def _texts(self, docs: Sequence[Document]) -> dict[str, Any]:
        fields = [text_fields(d) for d in docs]
        full = [
            compose_text(f, title_weight=self.title_weight, keywords=self.use_keywords)
            for f in fields
        ]
        return {
            "word": full,
            "char": [compose_text(f, title_weight=1, keywords=self.use_keywords) for f in fields],
            "title": [" ; ".join([f.title, *f.keywords]) for f in fields],
            "empty": np.array([f.is_empty for f in fields], dtype=bool),
        }

    def _vectorizers(self) -> dict[str, TfidfVectorizer]:
        def tfidf(**kw: Any) -> TfidfVectorizer:
            return TfidfVectorizer(sublinear_tf=True, dtype=np.float64, **kw)

        return {
            "word": tfidf(ngram_range=tuple(self.ngram_range), min_df=self.min_df, max_df=self.max_df),
            "char": tfidf(analyzer="char_wb", ngram_range=tuple(self.char_ngram_range),
                          min_df=self.char_min_df, max_df=self.max_df),
            "title": tfidf(ngram_range=(1, 2), min_df=1, max_df=1.0),
        }  # fmt: skip

    @staticmethod
    def _fit_vec(vec: TfidfVectorizer, texts: list[str]) -> Any:
        try:
            return sp.csr_matrix(vec.fit_transform(texts))
        except ValueError:  # every record empty, or all terms pruned by min_df/max_df
            vec.set_params(min_df=1, max_df=1.0)
            return sp.csr_matrix(vec.fit_transform(texts))

    def featurize(self, docs: Docs) -> Features:
        """Fit every view's vectoriser (and the SVD) on all `docs`; return their features."""
        if isinstance(docs, Features):
            return docs
        self._check_params()
        texts = self._texts(docs)
        if not texts["word"]:
            raise ValueError("no records to featurize")
        vecs = self._vectorizers()
        need = set(self.views) | ({"word"} if "lsa" in self.views else set())
        need.discard("lsa")
        blocks: dict[str, Any] = {}
        for name in ("word", "char", "title"):
            if name in need:
                blocks[name] = self._fit_vec(vecs[name], texts[name])
        self.vectorizers_ = {k: v for k, v in vecs.items() if k in blocks}
        self.svds_ = {}
        for name, source, k in (
            ("char", "char", self.char_components),
            ("lsa", "word", self.lsa_components),
        ):
            if name in self.views and k > 0:
                m = blocks[source]
                svd = TruncatedSVD(
                    n_components=max(1, min(k, min(m.shape) - 1)), random_state=self.random_state
                )
                svd.fit(m)
                self.svds_[name] = (source, svd)
        blocks.update(self._reduce(blocks))
        return Features({v: blocks[v] for v in self.views}, texts["empty"])

    def _reduce(self, blocks: dict[str, Any]) -> dict[str, Any]:
        """The SVD-reduced views (dense, rows l2-normalised) from their sparse sources."""
        out: dict[str, Any] = {}
        for name, (source, svd) in self.svds_.items():
            dense = np.asarray(svd.transform(blocks[source]), dtype=np.float64)
            norms = np.linalg.norm(dense, axis=1, keepdims=True)
            out[name] = dense / np.where(norms > 0, norms, 1.0)
        return out

    def transform(self, docs: Docs) -> Features:
        """Features of `docs` with the vectorisers fitted by `featurize`."""
        if isinstance(docs, Features):
            return docs
        if not hasattr(self, "vectorizers_"):
            raise RuntimeError("ViewsRanker has no vocabulary: call featurize or fit")
        texts = self._texts(docs)
        blocks = {k: sp.csr_matrix(v.transform(texts[k])) for k, v in self.vectorizers_.items()}
        blocks.update(self._reduce(blocks))
        return Features({v: blocks[v] for v in self.views}, texts["empty"])

    # -- model -----------------------------------------------------------------------
    def _profile(
        self, X: Any, pos: npt.NDArray[np.bool_], sums: tuple[FloatArray, ...]
    ) -> FloatArray:
        """`ScreenerRanker`'s model on one view, from the class sums; unit spread on `X`."""
        sum_pos, sum_neg, dp, dn = sums
        n_pos, n_neg = float(pos.sum()), float((~pos).sum())
        nw = self.negative_weight
        w = sum_pos / n_pos - nw * sum_neg / n_neg  # Rocchio
        s = dp / n_pos - nw * dn / n_neg  # its scores on the labelled rows
        if self.refine_margin > 0:  # one margin-reweighting pass, as `_refine`
            mp, mn = float(s[pos].mean()), float(s[~pos].mean())
            half = (mp - mn) / 2.0
            if half > 0:
                sign = np.where(pos, 1.0, -1.0)
                a = np.maximum(0.0, self.refine_margin - sign * (s - (mp + mn) / 2.0) / half)
                ap, an = float(a[pos].sum()), float(a[~pos].sum())
                if ap > 0 and an > 0:
                    c = np.where(pos, a / ap, -nw * a / an)
                    w2 = np.asarray(X.T @ c, dtype=np.float64).ravel()
                    s2 = np.asarray(X @ w2, dtype=np.float64).ravel()
                    sd1, sd2 = float(s.std()), float(s2.std())
                    if sd1 > 0 and sd2 > 0:
                        w, s = w / sd1 + w2 / sd2, s / sd1 + s2 / sd2
        sd = float(s.std())
        return w / sd if sd > 0 else w

    def _weights(self, aucs: FloatArray, n_pos: int) -> FloatArray:
        k = aucs.shape[0]
        if self.mode == "fixed":
            return np.full(k, 1.0 / k)
        if self.mode == "select":
            w = np.zeros(k)
            w[int(np.argmax(aucs))] = 1.0  # argmax takes the first of ties
            return w
        e = np.exp(self.sharpness * (aucs - aucs.max()))
        soft = e / e.sum()
        trust = n_pos / (n_pos + self.prior_includes) if self.prior_includes > 0 else 1.0
        return np.asarray(trust * soft + (1.0 - trust) / k, dtype=np.float64)

    def fit(self, X: Docs, y: Sequence[int] | npt.ArrayLike) -> Any:
        self._check_params()
        feats = X if isinstance(X, Features) else self.featurize(X)
        pos = _TfidfRanker._labels(y, len(feats)) == 1
        sums = {}
        aucs = np.full(len(self.views), 0.5)
        for i, v in enumerate(self.views):
            block = feats.blocks[v]
            sums[v] = _class_sums(block, pos)
            if self.mode != "fixed":
                aucs[i] = _auc_loo(
                    sums[v][2], sums[v][3], _rows_sq_norm(block), pos, self.negative_weight
                )
        self.view_auc_ = aucs
        self.view_weights_ = weights = self._weights(aucs, int(pos.sum()))
        self.profiles_ = {
            v: self._profile(feats.blocks[v], pos, sums[v])
            for v, w in zip(self.views, weights, strict=True)
            if w > 0
        }
        self.classes_ = np.array([0, 1])
        return self

    def predict_relevance(self, X: Docs) -> FloatArray:
        if not hasattr(self, "profiles_"):
            raise RuntimeError("ViewsRanker is not fitted: call fit first")
        feats = self.transform(X)
        total = np.zeros(len(feats), dtype=np.float64)
        for w, v in zip(self.view_weights_, self.views, strict=True):
            if w > 0:
                total += (
                    w * np.asarray(feats.blocks[v] @ self.profiles_[v], dtype=np.float64).ravel()
                )
        return total


register_ranker("views", ViewsRanker)
