"""Cost per row of each bring-your-own-model example, skops against ONNX, in one run.

Each example is built as a user builds it, then packaged in each format it converts to; both are
loaded as the server loads them (`load_verified`) and timed through `LoadedModel.predict`, the
call the inference thread makes, at batch 1 and batch 64. The agreement column is packaging's
own check: the largest difference from the estimator's answers on the sample.
"""

import time
from pathlib import Path
from typing import Any, Literal

from model_build.packaging import PackagingError, package_model
from model_build.packaging.samples import read_sample
from model_build.packaging.sources import load_source
from shared.manifest import ModelManifest
from shared.serving.loaded_model import LoadedModel, load_verified
from tests.support.byom import EXAMPLES, Example

BATCHES = (1, 64)
FORMATS: tuple[Literal["skops", "onnx"], ...] = ("skops", "onnx")


def run(scratch: Path, seconds: float) -> dict[str, Any]:
    rows = []
    for example in EXAMPLES:
        folder = example.build(scratch)
        for fmt in FORMATS:
            print(f"formats: {example.name} as {fmt}", flush=True)
            rows.append(_measure(example, folder, fmt, scratch / f"{example.name}-{fmt}", seconds))
    return {"rows": rows, "chosen_by_auto": _auto_choices(rows)}


def _measure(
    example: Example, folder: Path, fmt: Literal["skops", "onnx"], output: Path, seconds: float
) -> dict[str, Any]:
    source = load_source(folder / example.model_file, trust_pickle=True)  # the examples' own files
    sample = read_sample(folder / "sample.csv")
    row: dict[str, Any] = {"example": example.name, "format": fmt}
    try:
        manifest = package_model(
            source.model, sample, output, name=example.name, label="label", format=fmt,
            **_graph_options(example),
        )  # fmt: skip
    except PackagingError as exc:
        return {**row, "available": False, "why": str(exc)[:160]}
    model = load_verified(manifest, (output / manifest.artifact).read_bytes())
    inputs = _inputs(model, manifest)
    for batch in BATCHES:
        row[f"rows_per_s_batch_{batch}"] = round(_rows_per_second(model, inputs, batch, seconds), 1)
    packaging = manifest.metrics["packaging"]
    return {**row, "available": True, "max_difference": packaging.get("max_difference")}


def _graph_options(example: Example) -> dict[str, Any]:
    if example.module != "churn_graph":
        return {}
    return {"kind": "classification", "labels": ["stays", "churns"]}


def _inputs(model: LoadedModel, manifest: ModelManifest) -> list[Any]:
    checks = [manifest.sample, *manifest.checks]
    return [model.kind.validate(manifest, check.input, 10**6) for check in checks]


def _rows_per_second(model: LoadedModel, inputs: list[Any], batch: int, seconds: float) -> float:
    items = (inputs * (batch // len(inputs) + 1))[:batch]
    model.predict(items)  # warm
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        model.predict(items)
        done += batch
    return done / (time.perf_counter() - started)


def _auto_choices(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Which format `--format auto` keeps: ONNX where it is available (it agreed)."""
    onnx = {r["example"] for r in rows if r["format"] == "onnx" and r["available"]}
    return {r["example"]: "onnx" if r["example"] in onnx else "skops" for r in rows}


def markdown(section: dict[str, Any]) -> list[str]:
    lines = [
        "## Bring your own model: cost per row by format (in-process, one thread)",
        "",
        "| example | format | rows/s, batch 1 | rows/s, batch 64 | largest gap to the estimator |",
        "|---|---|---|---|---|",
    ]
    for row in section["rows"]:
        if not row["available"]:
            lines.append(
                f"| {row['example']} | {row['format']} | - | - | not written: {row['why']} |"
            )
            continue
        lines.append(
            f"| {row['example']} | {row['format']} | {row['rows_per_s_batch_1']:,} | "
            f"{row['rows_per_s_batch_64']:,} | {_gap(row['max_difference'])} |"
        )
    return [*lines, ""]


def _gap(value: float | None) -> str:
    return "- (no estimator: the graph as given)" if value is None else f"{value:.1e}"
