"""`package_model`: a fitted estimator (or an ONNX graph) and a sample → a model directory.

The sample fixes the typed input schema; its first rows become the checks every load repeats,
with the answers of the artifact as written (read back from its bytes, as the server will);
a seeded sample of up to 5,000 of its rows, with those answers, is the drift reference profile.
An ONNX conversion is kept only when its answers equal the estimator's on every sample row
within the tolerance; `auto` keeps it then (it is the faster format) and falls back to skops.
"""

import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from model_build.packaging.categories import settle_unknown_categories
from model_build.packaging.errors import PackagingError
from model_build.packaging.estimators import KINDS, infer_kind, kind_options, require_fitted
from model_build.packaging.graphs import graph_spec
from model_build.packaging.onnx_export import to_onnx
from model_build.packaging.outcomes import agreement, label_metrics, sample_check
from model_build.packaging.rows import request_rows
from model_build.packaging.schema import input_schema, reads_text
from model_build.release import reference
from shared.errors import InvalidInput
from shared.manifest import (
    ARTIFACT_FILENAME,
    MANIFEST_FILENAME,
    ONNX_ARTIFACT_FILENAME,
    ArtifactFormat,
    InputSchema,
    ModelKindName,
    ModelManifest,
    OnnxSpec,
    SampleCheck,
    TabularInputSchema,
)
from shared.serving.loaded_model import LoadedModel, load_artifact, load_verified, sha256_hex

Format = Literal["auto", "skops", "onnx"]


def package_model(
    model: Any,
    sample: Any,
    output: Path,
    *,
    name: str,
    kind: ModelKindName | None = None,
    label: str | None = None,
    format: Format = "auto",
    labels: list[str] | None = None,
    threshold: float | None = None,
    tolerance: float = 1e-4,
    checks: int = 5,
    description: str = "",
    hints: Any = None,
) -> ModelManifest:
    """Write `output` (artifact + manifest) from a fitted estimator, or an ONNX graph's bytes,
    and the sample DataFrame that fixes its inputs; `label` names the sample's target column;
    `hints`, an MLflow model's signature (`sources.Source`), types what the sample cannot."""
    frame, target = _split_label(sample, label)
    if isinstance(model, bytes):
        if format == "skops":
            raise PackagingError("an ONNX graph is served as ONNX: --format skops does not apply")
        plan = _graph_plan(model, frame, kind, labels, threshold)
    else:
        plan = _estimator_plan(model, frame, kind, format, threshold, tolerance, hints)
    manifest = _manifest(plan, frame, target, name, checks, description)
    # The sample is what the model is expected to see: it is the drift reference too.
    manifest, profile = reference.from_outputs(
        manifest, request_rows(frame, plan.schema), plan.outputs
    )
    _write(output, plan.artifact, manifest, profile)
    load_verified(manifest, plan.artifact)  # what the server will do with it, once, here
    return manifest


@dataclass
class _Plan:
    """What was decided: the artifact, how it is read, and what it answers for the sample."""

    kind: ModelKindName
    format: ArtifactFormat
    artifact: bytes
    schema: InputSchema
    labels: list[str]
    options: dict[str, Any]
    source: str
    versions: dict[str, str]
    outputs: list[Any]  # the artifact's answers, one per sample row
    onnx: OnnxSpec | None = None
    trusted_types: list[str] = field(default_factory=list)
    agreement: dict[str, Any] = field(default_factory=dict)


def _estimator_plan(
    estimator: Any,
    frame: Any,
    kind: ModelKindName | None,
    format: Format,
    threshold: float | None,
    tolerance: float,
    hints: Any,
) -> _Plan:
    require_fitted(estimator)
    kind = kind or infer_kind(estimator)
    schema = input_schema(frame, estimator, text=reads_text(estimator), hints=hints)
    labels = [str(label) for label in getattr(estimator, "classes_", [])]
    options = kind_options(kind, estimator, threshold)
    probe = _manifest_for(kind, "skops", schema, labels, options, None, frame)
    reference = _predict(LoadedModel(probe, estimator), frame)
    attempts: list[str] = []
    for chosen in ("onnx", "skops") if format == "auto" else (format,):
        try:
            plan = _artifact_plan(chosen, estimator, kind, schema, labels, options, frame)
            plan.agreement = agreement(kind, reference, plan.outputs, tolerance)
            if not plan.agreement["agrees"]:
                raise PackagingError(
                    f"ONNX answers differ from the estimator's on the sample "
                    f"({plan.agreement['detail']}; tolerance {tolerance})"
                )
        except PackagingError as exc:
            attempts.append(f"{chosen}: {exc}")
            if format != "auto" or chosen == "skops":
                raise PackagingError("; ".join(attempts)) from exc
            continue
        plan.schema = _settle_categories(plan, estimator, frame)
        plan.agreement["fallback"] = attempts
        return plan
    raise AssertionError("unreachable: the loop returns or raises")


def _artifact_plan(
    chosen: str,
    estimator: Any,
    kind: ModelKindName,
    schema: InputSchema,
    labels: list[str],
    options: dict[str, Any],
    frame: Any,
) -> _Plan:
    if chosen == "onnx":
        artifact, spec = to_onnx(estimator, schema, kind)
        types: list[str] = []
    else:
        artifact, spec, types = _skops_artifact(estimator), None, []
        from shared.serving.loaded_model import artifact_types

        types = artifact_types(artifact)
    fmt: ArtifactFormat = "onnx" if chosen == "onnx" else "skops"
    manifest = _manifest_for(kind, fmt, schema, labels, options, spec, frame, types)
    served = _served(manifest, artifact)
    return _Plan(
        kind=kind,
        format=fmt,
        artifact=artifact,
        schema=schema,
        labels=labels,
        options=options,
        onnx=spec,
        trusted_types=types,
        outputs=_predict(served, frame),
        versions=_versions(fmt),
        source=f"{type(estimator).__module__}.{type(estimator).__name__}",
    )


def _graph_plan(
    graph: bytes,
    frame: Any,
    kind: ModelKindName | None,
    labels: list[str] | None,
    threshold: float | None,
) -> _Plan:
    if kind is None:
        raise PackagingError(f"an ONNX graph does not say what it predicts: pass --kind {KINDS}")
    if kind in ("classification", "ranking") and not labels:
        raise PackagingError(f"a {kind} graph needs its class names, in output order: --labels")
    if kind == "anomaly" and threshold is None:
        raise PackagingError("an anomaly graph needs the score at which to flag: --threshold")
    spec, schema = graph_spec(graph, frame, kind, labels or [])
    options = {"threshold": threshold} if kind == "anomaly" else {}
    manifest = _manifest_for(kind, "onnx", schema, labels or [], options, spec, frame)
    served = _served(manifest, graph)
    return _Plan(
        kind=kind,
        format="onnx",
        artifact=graph,
        schema=schema,
        labels=labels or [],
        options=options,
        onnx=spec,
        outputs=_predict(served, frame),
        agreement={"agrees": True, "detail": "the graph as given (no estimator to compare)"},
        versions=_versions("onnx"),
        source="onnx",
    )


def _settle_categories(plan: _Plan, estimator: Any, frame: Any) -> InputSchema:
    probe = _manifest_for(
        plan.kind, plan.format, plan.schema, plan.labels, plan.options, plan.onnx, frame
    )
    served = _served(probe.model_copy(update={"trusted_types": plan.trusted_types}), plan.artifact)
    return settle_unknown_categories(plan.schema, [LoadedModel(probe, estimator), served], frame)


def _skops_artifact(estimator: Any) -> bytes:
    import skops.io as sio

    from shared.serving.allowlist import refusals, server_allowlist
    from shared.serving.loaded_model import artifact_schema

    try:
        artifact: bytes = sio.dumps(estimator)
    except Exception as exc:
        raise PackagingError(f"skops cannot save {type(estimator).__name__}: {exc}") from exc
    refused = refusals(artifact_schema(artifact), server_allowlist())
    if refused:
        raise PackagingError(
            f"{type(estimator).__name__} holds what the server never loads: {', '.join(refused)} "
            "(only scikit-learn classes and listed numpy functions; try --format onnx)"
        )
    return artifact


def _manifest_for(
    kind: ModelKindName,
    fmt: ArtifactFormat,
    schema: InputSchema,
    labels: list[str],
    options: dict[str, Any],
    spec: OnnxSpec | None,
    frame: Any,
    trusted_types: list[str] | None = None,
) -> ModelManifest:
    """A manifest to predict with while packaging: its sample is the first row, unchecked."""
    text = not isinstance(schema, TabularInputSchema)
    return ModelManifest(
        name="packaging",
        version="packaging",
        task=f"{'text' if text else 'tabular'}-{kind}",
        kind=kind,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        labels=labels,
        input_schema=schema,
        artifact=ONNX_ARTIFACT_FILENAME if fmt == "onnx" else ARTIFACT_FILENAME,
        format=fmt,
        onnx=spec,
        sha256="0" * 64,
        trusted_types=trusted_types or [],
        sample=SampleCheck(input=request_rows(frame, schema)[0]),
        options=options,
    )


def _served(manifest: ModelManifest, artifact: bytes) -> LoadedModel:
    try:
        return LoadedModel(manifest, load_artifact(manifest, artifact))
    except Exception as exc:
        raise PackagingError(f"the {manifest.format} artifact cannot serve: {exc}") from exc


def _predict(model: LoadedModel, frame: Any) -> list[Any]:
    rows = request_rows(frame, model.manifest.input_schema)
    try:
        inputs = [model.kind.validate(model.manifest, row, sys.maxsize) for row in rows]
        return model.predict(inputs)
    except InvalidInput as exc:
        raise PackagingError(f"a sample row is not a valid input: {exc.args[0]}") from exc
    except Exception as exc:
        raise PackagingError(
            f"the model failed on the sample ({type(exc).__name__}: {exc}); check the sample's "
            "columns and the --kind"
        ) from exc


def _manifest(
    plan: _Plan, frame: Any, target: Any, name: str, checks: int, description: str
) -> ModelManifest:
    rows = request_rows(frame, plan.schema)
    written = [
        sample_check(plan.kind, row, out) for row, out in zip(rows, plan.outputs, strict=True)
    ]
    metrics: dict[str, Any] = {
        "packaging": {"source": plan.source, "rows": len(rows), **plan.agreement}
    }
    if target is not None:
        metrics.update(label_metrics(plan.kind, target, plan.outputs))
    from model_build.release.artifacts import new_version

    return ModelManifest(
        name=name,
        version=new_version(plan.artifact),
        task=f"{'tabular' if isinstance(plan.schema, TabularInputSchema) else 'text'}-{plan.kind}",
        kind=plan.kind,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        labels=plan.labels,
        input_schema=plan.schema,
        artifact=ONNX_ARTIFACT_FILENAME if plan.format == "onnx" else ARTIFACT_FILENAME,
        format=plan.format,
        onnx=plan.onnx,
        sha256=sha256_hex(plan.artifact),
        artifact_bytes=len(plan.artifact),
        trusted_types=plan.trusted_types,
        framework_versions=plan.versions,
        metrics=metrics,
        sample=written[0],
        checks=written[1:checks],
        options=plan.options,
        description=description or f"{plan.source}, packaged from a {len(rows)}-row sample",
    )


def _write(output: Path, artifact: bytes, manifest: ModelManifest, profile: bytes) -> None:
    output.mkdir(parents=True, exist_ok=True)
    reference.write_profile(output, profile)
    for stale in (ARTIFACT_FILENAME, ONNX_ARTIFACT_FILENAME):
        (output / stale).unlink(missing_ok=True)  # one artifact per directory
    (output / manifest.artifact).write_bytes(artifact)
    (output / MANIFEST_FILENAME).write_text(manifest.model_dump_json(indent=2) + "\n")


def _split_label(sample: Any, label: str | None) -> tuple[Any, Any]:
    if label is None:
        return sample, None
    if label not in sample.columns:
        raise PackagingError(
            f"--label {label!r} is not a column of the sample ({list(sample.columns)})"
        )
    return sample.drop(columns=[label]), sample[label]


def _versions(fmt: str) -> dict[str, str]:
    import sklearn

    found = {"python": platform.python_version(), "scikit-learn": sklearn.__version__}
    if fmt == "onnx":
        import onnxruntime

        found["onnxruntime"] = onnxruntime.__version__
    else:
        import skops

        found["skops"] = skops.__version__
    return found
