"""An ONNX graph that does not come from scikit-learn: a small neural network for customer
churn, trained with numpy and written with the ONNX helper API, as a PyTorch or TensorFlow
export would be (one float input [rows, 4], softmax probabilities [rows, 2])."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["tenure_months", "monthly_charges", "support_calls", "discount"]
LABELS = ["stays", "churns"]
HIDDEN = 8


def customers(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "tenure_months": rng.integers(1, 72, rows).astype(float),
            "monthly_charges": rng.uniform(10, 120, rows).round(2),
            "support_calls": rng.poisson(1.5, rows).astype(float),
            "discount": rng.choice([0.0, 0.1, 0.2], rows),
        }
    )
    logit = (
        -0.05 * frame.tenure_months
        + 0.02 * frame.monthly_charges
        + 0.6 * frame.support_calls
        - 4 * frame.discount
        - 1
    )
    churns = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame["label"] = np.where(churns, "churns", "stays")
    return frame


def forward(weights: dict[str, np.ndarray], features: np.ndarray) -> np.ndarray:
    """The network: what the graph computes, in numpy."""
    scaled = (features - weights["mean"]) / weights["scale"]
    hidden = np.maximum(scaled @ weights["w1"] + weights["b1"], 0)
    logits = hidden @ weights["w2"] + weights["b2"]
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return probabilities


def train(frame: pd.DataFrame, steps: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = frame[COLUMNS].to_numpy(np.float32)
    y = (frame["label"] == "churns").to_numpy().astype(int)
    w = {
        "mean": x.mean(axis=0), "scale": x.std(axis=0) + 1e-6,
        "w1": rng.normal(0, 0.5, (4, HIDDEN)), "b1": np.zeros(HIDDEN),
        "w2": rng.normal(0, 0.5, (HIDDEN, 2)), "b2": np.zeros(2),
    }  # fmt: skip
    onehot = np.eye(2)[y]
    for _ in range(steps):  # full-batch gradient descent on the cross-entropy
        scaled = (x - w["mean"]) / w["scale"]
        pre = scaled @ w["w1"] + w["b1"]
        hidden = np.maximum(pre, 0)
        grad_logits = (forward(w, x) - onehot) / len(x)
        grad_hidden = (grad_logits @ w["w2"].T) * (pre > 0)
        w["w2"] -= 0.5 * hidden.T @ grad_logits
        w["b2"] -= 0.5 * grad_logits.sum(axis=0)
        w["w1"] -= 0.5 * scaled.T @ grad_hidden
        w["b1"] -= 0.5 * grad_hidden.sum(axis=0)
    return {name: value.astype(np.float32) for name, value in w.items()}


def to_graph(weights: dict[str, np.ndarray]) -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("Sub", ["features", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["scaled"]),
        helper.make_node("MatMul", ["scaled", "w1"], ["h1"]),
        helper.make_node("Add", ["h1", "b1"], ["h2"]),
        helper.make_node("Relu", ["h2"], ["hidden"]),
        helper.make_node("MatMul", ["hidden", "w2"], ["l1"]),
        helper.make_node("Add", ["l1", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "churn",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])],
        [numpy_helper.from_array(value, name) for name, value in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return bytes(model.SerializeToString())


def main(output: Path) -> None:
    weights = train(customers(4000))
    output.mkdir(parents=True, exist_ok=True)
    (output / "churn.onnx").write_bytes(to_graph(weights))
    np.savez(output / "weights.npz", **weights)  # type: ignore[arg-type]  # for checking answers
    customers(300, seed=1).to_csv(output / "sample.csv", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
