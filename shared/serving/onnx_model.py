"""An ONNX graph behind the methods the model kinds call, run by onnxruntime.

A graph executes no Python, so nothing in it needs an allowlist. What is checked before a
session is made: the inputs and output the manifest names exist, and no tensor points at
external data (onnxruntime would read that file from the server's disk).
"""

import os
from typing import Any

import numpy as np

from shared.errors import ModelLoadError, UntrustedArtifactError
from shared.manifest import ModelManifest, OnnxSpec

# onnxruntime's element types, as numpy dtypes to feed them.
_DTYPES = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
    "tensor(int32)": np.int32, "tensor(bool)": np.bool_, "tensor(string)": np.object_,
}  # fmt: skip


class OnnxModel:
    """`predict_proba`, `predict` and `score_samples` over one onnxruntime session."""

    def __init__(self, session: Any, spec: OnnxSpec, labels: list[str]) -> None:
        self.session = session
        self.spec = spec
        self.classes_ = np.array(labels)
        self._input_types = [_DTYPES.get(i.type, np.float32) for i in session.get_inputs()]

    def predict_proba(self, inputs: Any) -> Any:
        return np.asarray(self._run(inputs), dtype=np.float64)

    def predict(self, inputs: Any) -> Any:
        return np.asarray(self._run(inputs), dtype=np.float64).reshape(len(inputs), -1)[:, 0]

    def score_samples(self, inputs: Any) -> Any:
        # The graph scores higher for stranger items; the anomaly kind negates score_samples.
        return -np.asarray(self._run(inputs), dtype=np.float64).reshape(len(inputs), -1)[:, 0]

    def _run(self, inputs: Any) -> Any:
        [output] = self.session.run([self.spec.output], self._feeds(inputs))
        return output

    def _feeds(self, inputs: Any) -> dict[str, Any]:
        names = self.spec.input_names
        if self.spec.inputs == "text":
            return {names[0]: np.array(inputs, dtype=object).reshape(-1, 1)}
        if self.spec.inputs == "matrix":
            return {names[0]: np.asarray(inputs, dtype=self._input_types[0])}
        return {
            name: np.asarray(inputs.iloc[:, position], dtype=dtype).reshape(-1, 1)
            for position, (name, dtype) in enumerate(zip(names, self._input_types, strict=True))
        }


def load_onnx(manifest: ModelManifest, artifact: bytes, threads: int | None = None) -> OnnxModel:
    """A session on the CPU with the worker's share of threads; refused if it reads files."""
    import onnx
    import onnxruntime as ort

    spec = manifest.onnx
    assert spec is not None  # the manifest's validator insists on it for onnx
    try:
        graph = onnx.load_model_from_string(artifact)
    except Exception as exc:
        raise UntrustedArtifactError(f"not an ONNX model: {exc}") from exc
    if any(_external(tensor) for tensor in _tensors(graph.graph)):
        raise UntrustedArtifactError("the ONNX graph reads tensors from external files")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or intra_op_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 4  # a failure is raised, and logged once, by the caller
    # Spinning threads would take the core the event loop and the other workers need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(artifact, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelLoadError(f"onnxruntime cannot run the graph: {_first_line(exc)}") from exc
    _check_names(session, spec)
    return OnnxModel(session, spec, manifest.labels)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def intra_op_threads() -> int:
    """The worker's CPU share: the CPUs this process may use over the server's workers."""
    from shared.settings import get_settings

    return max(1, len(os.sched_getaffinity(0)) // get_settings().web_concurrency)


def _check_names(session: Any, spec: OnnxSpec) -> None:
    inputs = [i.name for i in session.get_inputs()]
    outputs = [o.name for o in session.get_outputs()]
    if inputs != spec.input_names:
        raise UntrustedArtifactError(
            f"the graph's inputs are {inputs}; the manifest names {spec.input_names}"
        )
    if spec.output not in outputs:
        raise UntrustedArtifactError(f"the graph has no output {spec.output!r} (it has {outputs})")


def _tensors(graph: Any) -> list[Any]:
    """Every tensor a graph holds, in its initializers, its nodes and their subgraphs."""
    found = [*graph.initializer, *(s.values for s in graph.sparse_initializer)]
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                found.append(attribute.t)
            found.extend(attribute.tensors)
            for subgraph in [attribute.g] if attribute.HasField("g") else []:
                found.extend(_tensors(subgraph))
            for subgraph in attribute.graphs:
                found.extend(_tensors(subgraph))
    return found


def _external(tensor: Any) -> bool:
    return bool(tensor.external_data) or tensor.data_location == 1  # TensorProto.EXTERNAL
