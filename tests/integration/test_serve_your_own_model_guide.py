"""model_build/SERVE_YOUR_MODEL.md: short, and its notebook block runs on a model fitted here
(its bash blocks run, with every guide's, in test_guides_run.py)."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import ROOT

GUIDE = ROOT / "model_build" / "SERVE_YOUR_MODEL.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)


def test_the_guide_is_about_ten_lines_from_model_to_prediction() -> None:
    first = [line for line in blocks("bash")[0].splitlines() if not line.startswith("#")]
    commands = " ".join(first).replace("\\ ", "").count(".venv/bin/") + first.count("kill %1")
    assert len(first) <= 16 and commands >= 5


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
