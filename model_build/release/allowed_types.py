"""Derive the types a model artifact may hold from scikit-learn's own registry (build time).

The server reads the result, `shared/serving/allowed_types.json`, as data; it never imports this.
Estimator classes come from `sklearn.utils.all_estimators()`. The helper classes their fitted
state holds (trees, losses, binners, neighbour indexes) and the numpy and scipy types under them
are found by fitting every estimator that fits with its defaults on small seeded data and reading
what its skops file names. Regenerate after upgrading scikit-learn:

    .venv/bin/python -m model_build.release.allowed_types

tests/unit/model_build/release/test_allowed_types.py fails when the file and the installed
scikit-learn disagree.
"""

import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import sklearn
import skops.io as sio
from sklearn.base import is_classifier, is_outlier_detector, is_regressor
from sklearn.utils import all_estimators

from shared.serving.allowlist import ALLOWED_TYPES_PATH

# The modules whose classes may be admitted. Anything else an artifact names is refused.
ADMITTED_MODULES = ("sklearn.", "numpy", "scipy.sparse.")
# skops trusts these bit generators by name; a Generator's state names one of them.
BIT_GENERATORS = ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")
# Scalars and containers every artifact uses, whatever it holds.
BASE_TYPES = (
    "builtins.dict", "builtins.list", "builtins.tuple", "builtins.set", "builtins.str",
    "builtins.int", "builtins.float", "builtins.bool", "builtins.slice", "builtins.bytes",
    "numpy.ndarray", "numpy.dtype", "numpy.bool_", "numpy.str_", "numpy.object_",
    "numpy.float16", "numpy.float32", "numpy.float64", "numpy.int8", "numpy.int16",
    "numpy.int32", "numpy.int64", "numpy.uint8", "numpy.uint16", "numpy.uint32", "numpy.uint64",
    "numpy.random.mtrand.RandomState", "numpy.random._generator.Generator",
    "scipy.sparse._csr.csr_matrix", "scipy.sparse._csc.csc_matrix",
    "scipy.sparse._csr.csr_array", "scipy.sparse._csc.csc_array",
    "scipy.sparse._coo.coo_matrix", "scipy.sparse._coo.coo_array",
)  # fmt: skip


def qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def registry_estimators() -> list[str]:
    """Every public estimator and transformer class scikit-learn lists."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sorted({qualified(cls) for _, cls in all_estimators()})


def helper_types() -> list[str]:
    """What fitted estimators hold beyond their own class, read from their skops files."""
    found: set[str] = set()
    for estimator in _fitted_estimators():
        try:
            artifact = sio.dumps(estimator)
        except Exception:
            continue
        found |= _schema_types(
            json.loads(zipfile.ZipFile(io.BytesIO(artifact)).read("schema.json"))
        )
    return sorted(name for name in found if name.startswith(ADMITTED_MODULES))


def derive() -> dict[str, Any]:
    estimators = registry_estimators()
    helpers = [name for name in helper_types() if name not in estimators]
    bit_generators = [f"numpy.random.{name}" for name in BIT_GENERATORS]
    return {
        "scikit-learn": sklearn.__version__,
        "estimators": estimators,
        "helpers": sorted(set(helpers) | set(BASE_TYPES) | set(bit_generators)),
    }


# Fitted state that depends on a parameter (the loss objects a booster keeps): one fit each.
_VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (
    *(("HistGradientBoostingRegressor", {"loss": loss})
      for loss in ("absolute_error", "gamma", "poisson", "quantile")),
    *(("GradientBoostingRegressor", {"loss": loss})
      for loss in ("absolute_error", "huber", "quantile")),
    *(("SGDClassifier", {"loss": loss})
      for loss in ("log_loss", "modified_huber", "squared_hinge", "perceptron")),
    *(("SGDRegressor", {"loss": loss}) for loss in ("huber", "epsilon_insensitive")),
    *(("KNeighborsClassifier", {"algorithm": "ball_tree", "metric": metric})
      for metric in ("euclidean", "manhattan", "chebyshev", "minkowski")),
)  # fmt: skip


def _fitted_estimators() -> Iterator[Any]:
    rng = np.random.default_rng(0)
    features = np.abs(rng.normal(size=(60, 4)))
    labels = [np.arange(60) % 3, np.arange(60) % 2]  # multinomial and binary state differ
    values = features @ np.array([1.0, -2.0, 0.5, 0.1]) + 5
    texts = [f"word{i % 7} token{i % 5} text" for i in range(60)]
    classes = dict(all_estimators())
    candidates: list[tuple[type, dict[str, Any]]] = [(cls, {}) for cls in classes.values()]
    candidates += [(classes[name], params) for name, params in _VARIANTS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls, params in candidates:
            try:
                estimator = cls(**params)
                if is_classifier(estimator):
                    yield from (cls(**params).fit(features, y) for y in labels)
                elif is_regressor(estimator):
                    yield estimator.fit(features, values)
                elif is_outlier_detector(estimator) or hasattr(estimator, "fit"):
                    yield _fit_unsupervised(estimator, features, texts)
            except Exception:
                continue


def _fit_unsupervised(estimator: Any, features: Any, texts: list[str]) -> Any:
    try:
        return estimator.fit(features)
    except Exception:
        return estimator.fit(texts)


def _schema_types(schema: Any) -> set[str]:
    found: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            named = isinstance(node.get("__module__"), str) and isinstance(
                node.get("__class__"), str
            )
            if named and node.get("__loader__") != "FunctionNode":  # functions: FUNCTIONS only
                found.add(f"{node['__module__']}.{node['__class__']}")
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def main() -> None:
    ALLOWED_TYPES_PATH.write_text(json.dumps(derive(), indent=1) + "\n")
    print(f"wrote {ALLOWED_TYPES_PATH}")


if __name__ == "__main__":
    main()
