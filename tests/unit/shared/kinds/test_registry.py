"""The one list of kinds: a new kind is its module and one line in KINDS (README.md, "Add a
model kind"), and the manifest, the answer types, the metrics contract and the CLI follow."""

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path
from typing import get_args

from handlers.cli.main import build_parser
from shared.kinds import BY_NAME, KIND_METRICS, KINDS, AnyPrediction, AnyResponse
from shared.manifest import ModelKindName
from shared.metrics_contract import ALL_METRICS

ROOT = Path(__file__).resolve().parents[4]
PACKAGES = ("shared", "handlers")

# Run in a copy holding the new kind: every place that knows the kinds, asked about the new one.
CHECKS = """
import argparse
from typing import get_args
from handlers.cli.package import register
from shared.kinds import AnyPrediction
from shared.manifest import ModelKindName, ModelManifest
from shared.metrics_contract import ALL_METRICS

assert "multilabel" in get_args(ModelKindName)
manifest = ModelManifest.model_validate({
    "name": "tags", "version": "1", "task": "tabular-multilabel", "created_at": "now",
    "input_schema": {"kind": "tabular", "features": [{"name": "x"}]},
    "sha256": "0" * 64, "sample": {"input": {"x": 1.0}, "expected": {"value": 1.0}},
})
assert manifest.kind == "multilabel"
assert "MultilabelPrediction" in [answer.__name__ for answer in get_args(AnyPrediction)]
assert "MultilabelValue" in [spec.name for spec in ALL_METRICS]
parser = argparse.ArgumentParser()
register(parser.add_subparsers())
assert parser.parse_args(["package", "m", "--name", "t", "--kind", "multilabel"]).kind
import shared
print("ok", shared.__file__)
"""


def copy_of_the_code(destination: Path) -> None:
    for package in PACKAGES:
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / package, destination / package, ignore=ignore)


def add_multilabel_kind(root: Path) -> None:
    """The README's steps: copy regression.py, rename, one line (and its import) in KINDS."""
    kinds = root / "shared" / "kinds"
    module = (kinds / "regression.py").read_text()
    for old, new in (
        ("Regression", "Multilabel"),
        ('"regression"', '"multilabel"'),
        ("PREDICTED_VALUE", "MULTILABEL_VALUE"),
        ('"PredictedValue"', '"MultilabelValue"'),
    ):
        module = module.replace(old, new)
    (kinds / "multilabel.py").write_text(module)
    registry = (kinds / "__init__.py").read_text()
    ranking = "from shared.kinds.ranking import Ranking\n"
    registry = registry.replace(
        ranking, f"from shared.kinds.multilabel import Multilabel\n{ranking}"
    )
    registry = registry.replace("Ranking(), Anomaly())", "Ranking(), Anomaly(), Multilabel())")
    (kinds / "__init__.py").write_text(registry)


def changed_files(before: Path, after: Path) -> list[str]:
    changed: list[str] = []
    for package in PACKAGES:
        pending = [filecmp.dircmp(before / package, after / package, ignore=["__pycache__"])]
        while pending:
            compared = pending.pop()
            changed += [
                str(Path(compared.right, name).relative_to(after))
                for name in (*compared.diff_files, *compared.right_only, *compared.left_only)
            ]
            pending += compared.subdirs.values()
    return sorted(changed)


def test_every_kind_is_named_answered_and_measured_from_the_one_list() -> None:
    names = [kind.name for kind in KINDS]
    assert list(get_args(ModelKindName)) == names
    assert list(get_args(AnyPrediction)) == [kind.output for kind in KINDS]
    assert list(get_args(AnyResponse)) == [kind.response for kind in KINDS]
    assert set(KIND_METRICS) <= set(ALL_METRICS)
    for name in names:
        package = ["package", "model.skops", "--name", "m", "--kind", name]
        assert build_parser().parse_args(package).kind == name


def test_adding_a_kind_is_two_files(tmp_path: Path) -> None:
    # GIVEN two copies of the code, and a new kind added to one as the README says
    before, after = tmp_path / "before", tmp_path / "after"
    copy_of_the_code(before)
    copy_of_the_code(after)
    add_multilabel_kind(after)
    # WHEN the copies are compared THEN the kind's module and the list are all that changed
    assert changed_files(before, after) == [
        "shared/kinds/__init__.py",
        "shared/kinds/multilabel.py",
    ]
    # AND the manifest, the batch answers, the metrics contract and the CLI know the new kind
    done = subprocess.run(
        [sys.executable, "-c", CHECKS], cwd=after, capture_output=True, text=True, check=False
    )
    assert done.stdout.split() == ["ok", str(after / "shared" / "__init__.py")], done.stderr


def test_every_kind_the_manifest_names_has_a_module() -> None:
    assert set(get_args(ModelKindName)) == set(BY_NAME)
