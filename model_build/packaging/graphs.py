"""How an ONNX graph made elsewhere (PyTorch, TensorFlow, anything) is fed and read, from its
declared inputs and outputs and the sample's columns."""

from typing import Any

from model_build.packaging.errors import PackagingError
from model_build.packaging.schema import input_schema
from shared.manifest import InputSchema, OnnxSpec, TabularInputSchema


def graph_spec(
    graph: bytes, frame: Any, kind: str, labels: list[str]
) -> tuple[OnnxSpec, InputSchema]:
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise PackagingError(f"not an ONNX graph onnxruntime can run: {exc}") from exc
    inputs = session.get_inputs()
    output = _output(session.get_outputs(), kind, labels)
    columns = [str(name) for name in frame.columns]
    if len(inputs) == 1 and inputs[0].type == "tensor(string)":
        schema = input_schema(frame, text=True)
        return OnnxSpec(inputs="text", input_names=[inputs[0].name], output=output), schema
    if len(inputs) == 1:
        width = inputs[0].shape[-1] if len(inputs[0].shape) == 2 else None
        if isinstance(width, int) and width != len(columns):
            raise PackagingError(
                f"the graph's input {inputs[0].name!r} takes {width} features; the sample has "
                f"{len(columns)} columns {columns} (pass the target column as --label)"
            )
        schema = input_schema(frame)
        return OnnxSpec(inputs="matrix", input_names=[inputs[0].name], output=output), schema
    names = [i.name for i in inputs]
    if sorted(names) != sorted(columns):
        raise PackagingError(f"the graph's inputs {names} are not the sample's columns {columns}")
    schema = input_schema(frame[names])
    assert isinstance(schema, TabularInputSchema)
    schema = schema.model_copy(update={"layout": "frame"})
    return OnnxSpec(inputs="columns", input_names=names, output=output), schema


def _output(outputs: list[Any], kind: str, labels: list[str]) -> str:
    floats = [o for o in outputs if o.type in ("tensor(float)", "tensor(double)")]
    if kind in ("classification", "ranking"):
        for candidate in floats:
            if (len(candidate.shape) == 2 and candidate.shape[-1] in (len(labels), None)) or (
                len(candidate.shape) == 2 and not isinstance(candidate.shape[-1], int)
            ):
                return str(candidate.name)
        raise PackagingError(
            f"no output of the graph is a [rows, {len(labels)}] float tensor of class "
            f"probabilities (outputs: {[(o.name, o.shape) for o in outputs]})"
        )
    if not floats:
        raise PackagingError(f"the graph has no float output ({[o.name for o in outputs]})")
    return str(floats[0].name)
