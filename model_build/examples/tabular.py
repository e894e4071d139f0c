"""The skeleton every shipped example model is trained on: a seed, a held-out quarter, a fit,
scores against a baseline, then the model directory (artifact, manifest, drift reference from
the held-out rows) and its evaluation report. Each trainer keeps only its data, model and scores.
"""

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from model_build.release.artifacts import write_model_dir
from shared.manifest import FeatureSpec, ModelManifest

logger = logging.getLogger(__name__)

SEED = 42
TEST_SHARE = 0.25
RANGE_HEADROOM = 3.0  # accept values up to 3x the widest seen in the data

Scores = dict[str, dict[str, Any]]  # system ("model", then its baseline) -> figures


def write_example(
    output_dir: Path, report: Callable[[Path], None], summary: str, **model_dir: Any
) -> ModelManifest:
    """The model directory (`model_dir` as write_model_dir takes it: artifact, manifest, drift
    reference from `reference_inputs`), then the report; the log line shows `summary`."""
    manifest = write_model_dir(output_dir, **model_dir)
    report(output_dir)
    logger.info("Wrote %s/%s to %s: %s", manifest.name, manifest.version, output_dir, summary)
    return manifest


def against_baseline(scores: Scores, **extra: Any) -> dict[str, Any]:
    """The manifest's figures: the model's, the baseline's (the other system), then `extra`."""
    [baseline] = (figures for system, figures in scores.items() if system != "model")
    return {**scores["model"], "baseline": baseline, **extra}


def in_order(rows: Any) -> tuple[Any, Any]:
    """Train and held-out rows of data generated in random order: the last quarter is held out."""
    cut = int(len(rows) * (1 - TEST_SHARE))
    return rows[:cut], rows[cut:]


def bounded_features(names: Sequence[str], matrix: Any, *, signed: bool) -> list[FeatureSpec]:
    """Float features whose allowed range is RANGE_HEADROOM times the widest value seen, from 0
    (or, `signed`, symmetric about 0)."""
    widest = [round(float(abs(column).max()) * RANGE_HEADROOM, 4) for column in matrix.T]
    return [
        FeatureSpec(name=name, minimum=-bound if signed else 0.0, maximum=bound)
        for name, bound in zip(names, widest, strict=True)
    ]


def feature_rows(features: Sequence[FeatureSpec], matrix: Any) -> list[dict[str, Any]]:
    """Rows of a numeric matrix (columns in feature order) as the request objects a client sends."""
    return [
        {
            f.name: int(value) if f.type == "int" else float(value)
            for f, value in zip(features, line, strict=True)
        }
        for line in matrix
    ]


def write_table(
    directory: Path,
    title: str,
    scores: Scores,
    columns: Mapping[str, str],
    notes: Sequence[str] = (),
) -> None:
    """evaluation.json, and evaluation.md: one row per system, `columns` maps header -> figure."""
    (directory / "evaluation.json").write_text(json.dumps(scores, indent=2) + "\n")
    lines = [f"# {title}", "", f"| system | {' | '.join(columns)} |", "|---" * (len(columns) + 1)]
    lines[-1] += "|"
    lines += [
        f"| {system} | {' | '.join(str(figures[key]) for key in columns.values())} |"
        for system, figures in scores.items()
    ]
    (directory / "evaluation.md").write_text("\n".join([*lines, *notes]) + "\n")
