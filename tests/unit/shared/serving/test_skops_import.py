"""Pins shared/skops_import.py to the skops it runs against; each check runs in a fresh process.

If skops stops taking its default estimator list from `sklearn.utils.all_estimators` at import,
the scan comes back (a second of start-up): these tests fail and say so, rather than the
service quietly starting slower.
"""

import json
import subprocess
import sys
from pathlib import Path

from tests.support.servers import ROOT

LOAD_WITHOUT_THE_SCAN = """
import json, sys
from pathlib import Path
import sklearn.utils
from shared.serving.skops_import import skops_io
from shared.manifest import ModelManifest
from shared.serving.loaded_model import load_verified

SCAN_ONLY = ("sklearn.naive_bayes", "sklearn.gaussian_process", "sklearn.kernel_ridge", "pytest")
sio = skops_io()
from skops.io import _trusted_types

directory = Path(sys.argv[1])
manifest = ModelManifest.model_validate_json((directory / "manifest.json").read_text())
model = load_verified(manifest, (directory / manifest.artifact).read_bytes())
print(json.dumps({
    "default_estimators": len(_trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES),
    "scan_restored": sklearn.utils.all_estimators.__name__,
    "walked": sorted(m for m in SCAN_ONLY if m in sys.modules),
    "loaded": model.version,
}))
"""

REFUSES_WHAT_WE_DID_NOT_NAME = """
import sys
from pathlib import Path
from shared.serving.skops_import import skops_io
from shared.serving.loaded_model import artifact_types

sio = skops_io()
artifact = (Path(sys.argv[1]) / "model.skops").read_bytes()
named = [t for t in artifact_types(artifact) if t != "sklearn.pipeline.Pipeline"]
try:
    sio.loads(artifact, trusted=named)
except Exception as exc:
    print(type(exc).__name__, exc)
else:
    print("loaded")
"""


def run_fresh(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_skops_loads_our_model_without_scanning_scikit_learn(sentiment_model_dir: Path) -> None:
    # GIVEN a fresh process that imports skops only through shared.serving.skops_import
    found = json.loads(run_fresh(LOAD_WITHOUT_THE_SCAN, str(sentiment_model_dir)))
    # THEN skops built its default list from the empty one we lent it: the scan did not run
    assert found["default_estimators"] == 0, (
        "skops no longer reads sklearn.utils.all_estimators at import: update "
        "shared/skops_import.py (the scan costs ~1 s of start-up)"
    )
    assert found["walked"] == [], "modules only the scan imports were imported"
    # AND the real function is back, and the model loaded through every check of load_verified
    assert found["scan_restored"] == "all_estimators"
    assert found["loaded"]


def test_without_defaults_skops_refuses_a_type_we_did_not_name(sentiment_model_dir: Path) -> None:
    # GIVEN the artifact's own types minus its Pipeline (which skops' defaults used to trust)
    outcome = run_fresh(REFUSES_WHAT_WE_DID_NOT_NAME, str(sentiment_model_dir))
    # THEN skops refuses it: emptying its defaults only tightened what it loads
    assert outcome.startswith("UntrustedTypesFoundException"), outcome
    assert "sklearn.pipeline.Pipeline" in outcome


def test_an_earlier_import_is_reused() -> None:
    from shared.serving.skops_import import skops_io

    assert skops_io() is skops_io() is sys.modules["skops.io"]
