"""model_build/SERVE_YOUR_MODEL.md runs as written: every bash block in order (its server on a
free port, its files in a scratch folder), and the notebook block on a model fitted here."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import ROOT, free_port

GUIDE = ROOT / "model_build" / "SERVE_YOUR_MODEL.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)


def test_the_guide_is_about_ten_lines_from_model_to_prediction() -> None:
    first = [line for line in blocks("bash")[0].splitlines() if not line.startswith("#")]
    commands = " ".join(first).replace("\\ ", "").count(".venv/bin/") + first.count("kill %1")
    assert len(first) <= 16 and commands >= 5


def test_every_bash_block_runs_as_written(tmp_path: Path) -> None:
    port = str(free_port())
    outputs = []
    for block in blocks("bash"):
        script = block.replace("build/byom", str(tmp_path)).replace("8000", port)
        done = subprocess.run(
            [
                "bash",
                "-euo",
                "pipefail",
                "-c",
                f"trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n{script}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"{script}\n--- stderr:\n{done.stderr[-3000:]}"
        outputs.append(done.stdout)
    printed = documents(outputs[0])
    single = next(doc for doc in printed if "label" in doc)
    assert single["label"] == "fraud" and single["model"] == "fraud-forest"
    instances = next(doc for doc in printed if "predictions" in doc)
    assert [p["label"] for p in instances["predictions"]] == ["legit", "fraud"]
    assert json.loads(outputs[2])["status"] == "SUCCEEDED"


def documents(text: str) -> list[dict[str, Any]]:
    """Every JSON object printed, curl's included (it ends none with a newline)."""
    found, decoder, at = [], json.JSONDecoder(), text.find("{")
    while at != -1:
        document, end = decoder.raw_decode(text, at)
        found.append(document)
        at = text.find("{", end)
    return found


def test_the_notebook_block_packages_a_fitted_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from model_build.examples.fraud_forest import transactions

    sample = transactions(400)
    model = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(), ["merchant_category", "country"]), remainder="passthrough"
        ),
        RandomForestClassifier(20, random_state=0),
    ).fit(sample.drop(columns=["label"]), sample["label"])
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"model": model, "sample": sample}
    [block] = blocks("python")
    exec(compile(block, str(GUIDE), "exec"), namespace)
    assert namespace["manifest"].name == "mine"
    assert (tmp_path / "build/byom/mine/manifest.json").is_file()
