"""A linear classifier over sparse features, called without scikit-learn's per-call checks.

A one-text call of the default sentiment pipeline (two hashers, two TF-IDF steps, a logistic
regression) took 1.7 ms in scikit-learn, and about 0.25 ms of it was the arithmetic: the rest
re-checked the input, the tags and the fitted state at each of its seven steps
(tests/performance/PROFILE.md). A plan is made once per loaded model and does the same
arithmetic in the same order:
- a Pipeline's steps in turn, a FeatureUnion's parts side by side (weighted as it weighs them);
- TF-IDF's log, idf and row normalisation, the norm by scikit-learn's own kernel;
- a LogisticRegression's dot product, then its sigmoid or softmax;
- any other transformer (the hashers, a vectorizer, a scaler) through its own `transform`.
A model whose last step is not a LogisticRegression, or that holds a shape the plan does not
read, gets no plan and is called as it is. `loaded_model.with_plan` uses a plan only if it
answers the manifest's sample and checks as the estimator does.
"""

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.extmath import softmax
from sklearn.utils.sparsefuncs_fast import (
    inplace_csr_row_normalize_l1,
    inplace_csr_row_normalize_l2,
)

# Matrices side by side: a FeatureUnion's parts, kept apart so they are never stacked.
Blocks = list[Any]
Step = Callable[[Blocks], Blocks]

_ROW_NORMALIZERS = {"l1": inplace_csr_row_normalize_l1, "l2": inplace_csr_row_normalize_l2}


class Unplannable(Exception):
    """The estimator holds a shape a plan does not read: it is called as it is."""


class LinearPlan:
    """`classes_` and `predict_proba` of the estimator it was made from, which it keeps."""

    def __init__(self, estimator: Any, features: Step, head: LogisticRegression) -> None:
        self.estimator = estimator
        self.classes_ = head.classes_
        self._features = features
        self._intercept = head.intercept_
        self._coef = head.coef_
        # The coefficients of each block, transposed, by the blocks' widths (known at the
        # first call: a transformer's width is only sure once it has transformed).
        self._split: dict[tuple[int, ...], list[Any]] = {}

    def predict_proba(self, inputs: Any) -> Any:
        blocks = self._features([inputs])
        scores = self._intercept + sum(
            _dot(block, coef) for block, coef in zip(blocks, self._coefs(blocks), strict=True)
        )
        if scores.shape[1] == 1:  # binary: LogisticRegression._predict_proba_lr
            positive = expit(scores.ravel())
            return np.vstack([1 - positive, positive]).T
        return softmax(scores, copy=False)

    def _coefs(self, blocks: Blocks) -> list[Any]:
        widths = tuple(block.shape[1] for block in blocks)
        split = self._split.get(widths)
        if split is None:
            if sum(widths) != self._coef.shape[1]:
                read = self._coef.shape[1]
                raise ValueError(f"features {sum(widths)} wide, the model reads {read}")
            edges = np.cumsum((0, *widths))
            split = [
                np.ascontiguousarray(self._coef[:, start:stop].T)
                for start, stop in itertools.pairwise(edges)
            ]
            self._split[widths] = split
        return split


def plan_for(estimator: Any) -> LinearPlan:
    """The plan of a Pipeline that ends in a LogisticRegression; Unplannable otherwise."""
    if not isinstance(estimator, Pipeline):
        raise Unplannable(f"{type(estimator).__name__} is not a Pipeline")
    *transformers, (_, head) = _live_steps(estimator)
    if type(head) is not LogisticRegression:  # a subclass may answer otherwise
        raise Unplannable(f"its last step is {type(head).__name__}, not a LogisticRegression")
    return LinearPlan(estimator, _chain([_step(t) for _, t in transformers]), head)


def _live_steps(pipeline: Pipeline) -> list[tuple[str, Any]]:
    return [(name, step) for name, step in pipeline.steps if step not in (None, "passthrough")]


def _step(transformer: Any) -> Step:
    if isinstance(transformer, Pipeline):
        return _chain([_step(t) for _, t in _live_steps(transformer)])
    if isinstance(transformer, FeatureUnion):
        return _union(transformer)
    if type(transformer) is TfidfTransformer:
        return _one_matrix(_tfidf(transformer))
    if not hasattr(transformer, "transform"):
        raise Unplannable(f"{type(transformer).__name__} has no transform")
    return _one_matrix(transformer.transform)


def _chain(steps: list[Step]) -> Step:
    def run(blocks: Blocks) -> Blocks:
        for step in steps:
            blocks = step(blocks)
        return blocks

    return run


def _union(union: FeatureUnion) -> Step:
    weights = union.transformer_weights or {}
    parts: list[tuple[Step, float | None]] = []
    for name, transformer in union.transformer_list:
        if transformer == "drop":
            continue
        step = (lambda blocks: blocks) if transformer == "passthrough" else _step(transformer)
        parts.append((step, weights.get(name)))

    def run(blocks: Blocks) -> Blocks:
        out: Blocks = []
        for step, weight in parts:
            produced = step(blocks)
            out += produced if weight is None else [block * weight for block in produced]
        return out

    return run


def _one_matrix(transform: Callable[[Any], Any]) -> Step:
    """A transformer of one matrix: blocks before it are stacked, as FeatureUnion stacks them."""

    def run(blocks: Blocks) -> Blocks:
        return [transform(blocks[0] if len(blocks) == 1 else _stack(blocks))]

    return run


def _stack(blocks: Blocks) -> Any:
    if any(sp.issparse(block) for block in blocks):
        return sp.hstack(blocks, format="csr")
    return np.hstack(blocks)


def _tfidf(tfidf: TfidfTransformer) -> Callable[[Any], Any]:
    """TfidfTransformer.transform on a CSR matrix; anything else goes to it as it is."""
    if tfidf.norm is not None and tfidf.norm not in _ROW_NORMALIZERS:
        raise Unplannable(f"TF-IDF norm {tfidf.norm!r}")
    normalize = _ROW_NORMALIZERS.get(tfidf.norm) if tfidf.norm else None
    idf = getattr(tfidf, "idf_", None)

    def transform(counts: Any) -> Any:
        if not (sp.issparse(counts) and counts.format == "csr"):
            return tfidf.transform(counts)
        dtype = counts.dtype if counts.dtype in (np.float64, np.float32) else np.float64
        weights = counts.astype(dtype, copy=True)
        if tfidf.sublinear_tf:
            np.log(weights.data, weights.data)
            weights.data += 1.0
        if idf is not None:
            weights.data *= idf[weights.indices]
        if normalize is not None:
            normalize(weights)
        return weights

    return transform


def _dot(block: Any, coef: Any) -> Any:
    # As LogisticRegression checks its input: a NaN must fail the call, not become a NaN answer.
    if not np.isfinite(block.data if sp.issparse(block) else block).all():
        raise ValueError("Input X contains NaN or infinity.")
    product = block @ coef
    return np.asarray(product.toarray() if sp.issparse(product) else product)
