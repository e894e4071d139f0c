"""The input schema a sample and an estimator fix: names, types, categories, nulls, ranges."""

from typing import Any

from model_build.packaging.errors import PackagingError
from shared.manifest import FeatureSpec, InputSchema, TabularInputSchema, TextInputSchema

# A string column with more distinct values than this is free text, not a category.
MAX_CATEGORIES = 1000


# MLflow signature column types, as the feature types they declare.
MLFLOW_TYPES = {"string": "category", "boolean": "bool", "long": "int", "integer": "int",
                "double": "float", "float": "float"}  # fmt: skip


def input_schema(
    frame: Any, estimator: Any = None, text: bool = False, hints: Any = None
) -> InputSchema:
    """Text when the model reads one text column; else one typed feature per column. `hints`
    (an MLflow signature's column types and optional columns) override what the sample shows."""
    if text:
        return _text_schema(frame)
    columns = _columns_in_model_order(frame, estimator)
    known = encoder_categories(estimator) if estimator is not None else {}
    features = [_hinted(_feature(name, frame[name], known.get(name)), hints) for name in columns]
    frame_fitted = hasattr(estimator, "feature_names_in_")
    categorical = any(feature.type == "category" for feature in features)
    layout = "frame" if frame_fitted or categorical else "matrix"
    return TabularInputSchema(features=features, layout=layout)


def _hinted(feature: FeatureSpec, hints: Any) -> FeatureSpec:
    if hints is None or hints.column_types is None:
        return feature
    declared = MLFLOW_TYPES.get(hints.column_types.get(feature.name, ""))
    update: dict[str, Any] = {"nullable": feature.nullable or feature.name in hints.optional}
    if declared == "category" and feature.type != "category":
        update.update(type="category", categories=feature.categories or [], seen_minimum=None,
                      seen_maximum=None)  # fmt: skip
    elif declared == "float" and feature.type == "int":
        update["type"] = "float"  # a whole-numbered sample of a real-valued column
    return feature.model_copy(update=update)


def reads_text(estimator: Any) -> bool:
    """A pipeline whose first step turns raw texts into features (TF-IDF, counts, hashing)."""
    first = estimator.steps[0][1] if hasattr(estimator, "steps") else estimator
    return hasattr(first, "build_analyzer")


def _text_schema(frame: Any) -> TextInputSchema:
    if len(frame.columns) != 1:
        raise PackagingError(
            f"a text model reads one column; the sample has {list(frame.columns)}: keep only the "
            "text column (and --label)"
        )
    [name] = frame.columns
    if frame[name].dtype.kind not in "OUS" and str(frame[name].dtype) != "string":
        raise PackagingError(f"column {name!r} holds {frame[name].dtype}, not text")
    return TextInputSchema(field=str(name))


def _columns_in_model_order(frame: Any, estimator: Any) -> list[str]:
    columns = [str(name) for name in frame.columns]
    expected = getattr(estimator, "feature_names_in_", None)
    if expected is not None:
        expected = [str(name) for name in expected]
        missing = [name for name in expected if name not in columns]
        extra = [name for name in columns if name not in expected]
        if missing or extra:
            raise PackagingError(
                f"the sample's columns do not match the estimator's features: missing {missing}, "
                f"not used by the model {extra} (pass the target column as --label)"
            )
        return expected
    count = getattr(estimator, "n_features_in_", None)
    if count is not None and count != len(columns):
        raise PackagingError(
            f"the estimator takes {count} features; the sample has {len(columns)} columns "
            f"{columns} (pass the target column as --label)"
        )
    return columns


def _feature(name: str, column: Any, trained: list[str] | None) -> FeatureSpec:
    nullable = bool(column.isna().any())
    kind = column.dtype.kind
    if kind == "b":
        return FeatureSpec(name=name, type="bool", nullable=nullable)
    if kind in "iuf":
        present = column.dropna()
        integral = kind in "iu" or (len(present) > 0 and bool((present % 1 == 0).all()))
        return FeatureSpec(
            name=name,
            type="int" if integral and kind != "f" else "float",
            nullable=nullable,
            seen_minimum=float(present.min()) if len(present) else None,
            seen_maximum=float(present.max()) if len(present) else None,
        )
    values = sorted({str(value) for value in column.dropna()} | set(trained or []))
    if len(values) > MAX_CATEGORIES:
        raise PackagingError(
            f"column {name!r} has {len(values)} distinct strings: too many for a category "
            f"(at most {MAX_CATEGORIES}); encode it before packaging or serve a text model"
        )
    return FeatureSpec(name=name, type="category", nullable=nullable, categories=values)


def encoder_categories(estimator: Any) -> dict[str, list[str]]:
    """The training categories a fitted estimator's encoders keep, by input column name."""
    found: dict[str, list[str]] = {}
    for transformer, columns in _column_transformers(estimator):
        categories = getattr(transformer, "categories_", None)
        if categories is None or not all(isinstance(c, str) for c in columns):
            continue
        for column, values in zip(columns, categories, strict=False):
            found[column] = sorted(str(value) for value in values if value == value)  # not NaN
    return found


def _column_transformers(estimator: Any) -> list[tuple[Any, list[Any]]]:
    found: list[tuple[Any, list[Any]]] = []
    for step in _steps(estimator):
        for _, transformer, columns in getattr(step, "transformers_", []):
            for inner in _steps(transformer):
                found.append((inner, list(columns) if not isinstance(columns, str) else [columns]))
    return found


def _steps(estimator: Any) -> list[Any]:
    if hasattr(estimator, "steps"):
        return [step for _, step in estimator.steps]
    return [estimator]
