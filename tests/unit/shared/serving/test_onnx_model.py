"""ONNX artifacts: run by onnxruntime on the worker's share of the CPU; a graph that reads files
from the server's disk, or that does not match its manifest, is refused before it serves."""

from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pytest
from onnx import TensorProto, helper

from model_build.examples.churn_graph import COLUMNS, LABELS, customers, forward, to_graph, train
from model_build.packaging import package_model
from shared.errors import ModelLoadError, UntrustedArtifactError
from shared.manifest import ModelManifest
from shared.serving.loaded_model import load_verified, sha256_hex
from shared.serving.onnx_model import intra_op_threads

SAMPLE = customers(20, seed=3)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelManifest, bytes, dict]:  # type: ignore[type-arg]
    weights = train(customers(500), steps=50)
    graph = to_graph(weights)
    output = tmp_path_factory.mktemp("churn")
    manifest = package_model(
        graph, SAMPLE, output, name="churn", kind="classification", labels=LABELS, label="label"
    )
    return manifest, graph, weights


def with_graph(manifest: ModelManifest, graph: bytes) -> ModelManifest:
    return manifest.model_copy(update={"sha256": sha256_hex(graph)})


def test_a_graph_answers_as_the_network_it_was_written_from(packaged: tuple) -> None:  # type: ignore[type-arg]
    manifest, graph, weights = packaged
    model = load_verified(manifest, graph)
    rows = SAMPLE[COLUMNS].to_dict("records")
    expected = forward(weights, SAMPLE[COLUMNS].to_numpy(np.float32))
    for output, row in zip(model.predict(rows), expected, strict=True):
        assert [output.probabilities[label] for label in LABELS] == pytest.approx(row, abs=1e-6)
    assert model.estimator.session.get_session_options().intra_op_num_threads == (
        intra_op_threads()
    )


def test_a_graph_that_reads_an_external_file_is_refused(packaged: tuple) -> None:  # type: ignore[type-arg]
    manifest, graph, _ = packaged
    model = onnx.load_model_from_string(graph)
    stolen = model.graph.initializer[0]
    stolen.ClearField("raw_data")
    del stolen.float_data[:]
    stolen.data_location = TensorProto.EXTERNAL
    stolen.external_data.add(key="location", value="/etc/passwd")
    hostile = model.SerializeToString()
    with pytest.raises(UntrustedArtifactError, match="external files"):
        load_verified(with_graph(manifest, hostile), hostile)


def test_a_graph_whose_inputs_the_manifest_does_not_name_is_refused(packaged: tuple) -> None:  # type: ignore[type-arg]
    manifest, graph, _ = packaged
    assert manifest.onnx is not None
    renamed = manifest.onnx.model_copy(update={"input_names": ["x"]})
    with pytest.raises(UntrustedArtifactError, match="the manifest names"):
        load_verified(with_graph(manifest, graph).model_copy(update={"onnx": renamed}), graph)


@pytest.mark.parametrize(
    "graph",
    [
        b"not a graph",
        helper.make_model(
            helper.make_graph(
                [helper.make_node("Shell", ["x"], ["y"], domain="evil.ops")],
                "g",
                [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, 4])],
                [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])],
            )
        ).SerializeToString(),
    ],
    ids=["garbage", "unknown-operator"],
)
def test_a_graph_onnxruntime_cannot_run_is_a_load_error(packaged: tuple, graph: bytes) -> None:  # type: ignore[type-arg]
    manifest, _, _ = packaged
    with pytest.raises(ModelLoadError):
        load_verified(with_graph(manifest, graph), graph)


def test_a_frame_with_missing_values_reaches_the_graph_as_nan(tmp_path: Path) -> None:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    frame = pd.DataFrame({"a": [1.0, None, 3.0, 4.0] * 10, "b": [0.5, 1.5, None, 2.0] * 10})
    model = make_pipeline(SimpleImputer(), RandomForestRegressor(5, random_state=0))
    model.fit(frame, np.arange(40.0))
    manifest = package_model(model, frame, tmp_path, name="gaps", format="onnx")
    served = load_verified(manifest, (tmp_path / manifest.artifact).read_bytes())
    [answer] = served.predict([{"a": None, "b": None}])
    assert answer.value == pytest.approx(
        model.predict(pd.DataFrame({"a": [np.nan], "b": [np.nan]}))[0], rel=1e-4
    )
