"""The model's own speed, in-process on one core: texts/s at batch 1 and at batch 64 (the
"batched floor"), timed on the verified, loaded model the way the service calls it
(LoadedModel.predict on validated inputs), with no HTTP in the way. Twice: as served (on its
linear plan, shared/serving/linear_plan.py, when it has one) and as fitted (scikit-learn's own
predict_proba, the floor issue 24 measured).

`python -m tests.performance.model_speed MODEL_DIR --seconds N` prints one JSON line; the bench
runs it under `taskset` with one BLAS thread, so "one core" holds whatever the machine has."""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.servers import ROOT

MODULE = "tests.performance.model_speed"
BATCH_SIZES = (1, 64)
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def measure_on_core(model_dir: Path, texts: list[str], seconds: float, core: int) -> dict[str, Any]:
    """texts/s per batch size, measured in a child pinned to `core`."""
    done = subprocess.run(
        ["taskset", "-c", str(core), sys.executable, "-m", MODULE, str(model_dir),
         "--seconds", str(seconds), "--texts", json.dumps(texts)],
        cwd=ROOT, env={**os.environ, **ONE_THREAD}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {**json.loads(done.stdout.splitlines()[-1]), "core": core}


def texts_per_second(
    model_dir: Path, texts: list[str], seconds: float
) -> dict[str, dict[str, float]]:
    """{"served": {batch size: texts/s}, "fitted": {...}}."""
    from shared.manifest import ModelManifest
    from shared.serving.linear_plan import LinearPlan
    from shared.serving.loaded_model import LoadedModel, load_verified, serving_config

    serving_config()  # scikit-learn as the service's inference threads run it

    manifest = ModelManifest.model_validate_json((model_dir / "manifest.json").read_text())
    served = load_verified(manifest, (model_dir / manifest.artifact).read_bytes())
    plan = served.estimator
    fitted = LoadedModel(manifest, plan.estimator) if isinstance(plan, LinearPlan) else served
    inputs = [served.kind.validate(manifest, {"text": text}, sys.maxsize) for text in texts]
    return {
        way: {str(size): _rate(model.predict, inputs, size, seconds) for size in BATCH_SIZES}
        for way, model in (("served", served), ("fitted", fitted))
    }


def _rate(predict: Any, inputs: list[Any], size: int, seconds: float) -> float:
    batches = [[inputs[(start + i) % len(inputs)] for i in range(size)] for start in range(8)]
    predict(batches[0])  # the first call pays for lazy set-up, not the model
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        predict(batches[done % len(batches)])
        done += 1
    return round(done * size / elapsed, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--seconds", type=float, default=3.0, help="timed per batch size")
    parser.add_argument("--texts", required=True, help="a JSON list of texts to rotate through")
    args = parser.parse_args(argv)
    print(json.dumps(texts_per_second(args.model_dir, json.loads(args.texts), args.seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
