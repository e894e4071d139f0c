"""Structural checks of the trees a loaded artifact holds, before anything predicts with them.

skops rebuilds scikit-learn's trees (`Tree`, and HistGradientBoosting's `TreePredictor`) from
arrays of node indices that scikit-learn's Cython code then follows without bounds checks: a
crafted file of allowed types could still crash the worker or read memory it should not on its
first prediction. So every child index must point to a later node (no loops, no escape) and
every split must name a feature the owning estimator takes.
"""

from typing import Any

from shared.errors import UntrustedArtifactError

_TREE = "sklearn.tree._tree.Tree"
_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
_MAX_DEPTH = 64  # far deeper than any estimator nests; a deeper object graph is refused


def check_trees(estimator: Any) -> None:
    """UntrustedArtifactError naming the first tree whose indices are out of bounds."""
    _walk(estimator, width=None, categorical=None, seen=set(), depth=0)


def _walk(value: Any, width: int | None, categorical: Any, seen: set[int], depth: int) -> None:
    if id(value) in seen or isinstance(value, str | bytes | int | float | bool) or value is None:
        return
    if depth > _MAX_DEPTH:
        raise UntrustedArtifactError("the model's objects nest deeper than any estimator does")
    seen.add(id(value))
    name = f"{type(value).__module__}.{type(value).__qualname__}"
    if name == _TREE:
        _check_tree(value, width)
        return
    if name == _PREDICTOR:
        _check_predictor(value, width, categorical)
        return
    if isinstance(value, dict):
        children: list[Any] = list(value.values())
    elif isinstance(value, list | tuple):
        children = list(value)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        found = getattr(value, "n_features_in_", None)
        width = found if isinstance(found, int) else width
        categorical = getattr(value, "is_categorical_", categorical)
        children = list(vars(value).values())
    else:
        return  # arrays and other leaves hold no trees
    for child in children:
        _walk(child, width, categorical, seen, depth + 1)


def _check_tree(tree: Any, width: int | None) -> None:
    import numpy as np

    count = int(tree.node_count)
    left, right, feature = tree.children_left, tree.children_right, tree.feature
    if not len(left) == len(right) == len(feature) == count == tree.value.shape[0]:
        raise UntrustedArtifactError("a tree's node arrays disagree on its node count")
    leaf = left == -1
    features = min(int(tree.n_features), width if width is not None else int(tree.n_features))
    order = np.arange(count)
    split = ~leaf
    if not np.array_equal(leaf, right == -1):
        raise UntrustedArtifactError("a tree has a node with one child")
    if np.any((left[split] <= order[split]) | (left[split] >= count)):
        raise UntrustedArtifactError("a tree has a child index out of bounds")
    if np.any((right[split] <= order[split]) | (right[split] >= count)):
        raise UntrustedArtifactError("a tree has a child index out of bounds")
    if np.any((feature[split] < 0) | (feature[split] >= features)):
        raise UntrustedArtifactError("a tree splits on a feature the model does not take")


def _check_predictor(predictor: Any, width: int | None, categorical: Any) -> None:
    import numpy as np

    nodes = predictor.nodes
    count = len(nodes)
    split = nodes["is_leaf"] == 0
    order = np.arange(count)
    for side in ("left", "right"):
        children = nodes[side].astype(np.int64)
        if np.any((children[split] <= order[split]) | (children[split] >= count)):
            raise UntrustedArtifactError("a boosted tree has a child index out of bounds")
    feature = nodes["feature_idx"].astype(np.int64)
    if width is None or np.any((feature[split] < 0) | (feature[split] >= width)):
        raise UntrustedArtifactError("a boosted tree splits on a feature the model does not take")
    on_category = split & (nodes["is_categorical"] != 0)
    if np.any(on_category):
        mask = np.asarray(categorical if categorical is not None else [], dtype=bool)
        bitsets = len(predictor.raw_left_cat_bitsets)
        known = mask.shape == (width,) and bool(np.all(mask[feature[on_category]]))
        if not known or np.any(nodes["bitset_idx"][on_category].astype(np.int64) >= bitsets):
            raise UntrustedArtifactError("a boosted tree has a categorical split out of bounds")
