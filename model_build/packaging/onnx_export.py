"""Convert a fitted estimator to an ONNX graph: skl2onnx for scikit-learn, onnxmltools for
LightGBM. Build-time only: the server runs the graph with onnxruntime and never imports these."""

from typing import Any

from model_build.packaging.errors import PackagingError
from shared.manifest import InputSchema, OnnxSpec, TabularInputSchema


def to_onnx(estimator: Any, schema: InputSchema, kind: str) -> tuple[bytes, OnnxSpec]:
    """The graph's bytes and how to feed and read it; PackagingError when it cannot convert."""
    if kind == "anomaly":
        raise PackagingError("anomaly scorers are written as skops (no ONNX score output)")
    initial_types, inputs = _initial_types(schema)
    try:
        graph = _convert(estimator, initial_types, kind)
    except PackagingError:
        raise
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise PackagingError(
            f"cannot convert {type(estimator).__name__} to ONNX: {reason}"
        ) from exc
    for node in graph.graph.node:
        if node.op_type == "StringNormalizer":
            _use_c_utf8(node)
    outputs = [output.name for output in graph.graph.output]
    wanted = "probabilities" if kind in ("classification", "ranking") else "variable"
    output = wanted if wanted in outputs else outputs[-1 if wanted == "probabilities" else 0]
    names = [name for name, _ in initial_types]
    return graph.SerializeToString(), OnnxSpec(inputs=inputs, input_names=names, output=output)


def _use_c_utf8(node: Any) -> None:
    """Lower-case texts in the C.UTF-8 locale, which every glibc (and the slim image) has;
    onnxruntime's default, en_US.UTF-8, is often not installed. The agreement check on the
    sample still decides whether the result equals scikit-learn's."""
    from onnx import helper

    kept = [attribute for attribute in node.attribute if attribute.name != "locale"]
    del node.attribute[:]
    node.attribute.extend([*kept, helper.make_attribute("locale", "C.UTF-8")])


def _initial_types(schema: InputSchema) -> tuple[list[tuple[str, Any]], Any]:
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    if not isinstance(schema, TabularInputSchema):
        return [(schema.field, StringTensorType([None, 1]))], "text"
    features = schema.features
    if not any(feature.type == "category" for feature in features):
        return [("input", FloatTensorType([None, len(features)]))], "matrix"
    if any(feature.type == "category" and feature.nullable for feature in features):
        raise PackagingError("a nullable category column cannot be fed to ONNX (no null string)")
    return [
        (
            f.name,
            StringTensorType([None, 1]) if f.type == "category" else FloatTensorType([None, 1]),
        )
        for f in features
    ], "columns"


def _convert(estimator: Any, initial_types: list[tuple[str, Any]], kind: str) -> Any:
    classifier = kind in ("classification", "ranking")
    if type(estimator).__module__.startswith("lightgbm"):
        from onnxmltools import convert_lightgbm
        from onnxmltools.convert.common import data_types

        # onnxmltools checks for its own tensor types, not skl2onnx's of the same name.
        own = [(name, getattr(data_types, type(t).__name__)(t.shape)) for name, t in initial_types]
        return convert_lightgbm(estimator, initial_types=own, zipmap=False)
    if not type(estimator).__module__.startswith("sklearn"):
        raise PackagingError(
            f"{type(estimator).__module__}.{type(estimator).__name__} is neither scikit-learn "
            "nor LightGBM: export it to ONNX yourself and package the .onnx file"
        )
    from skl2onnx import to_onnx as convert

    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    options = {id(final): {"zipmap": False}} if classifier else None
    return convert(estimator, initial_types=initial_types, options=options)
