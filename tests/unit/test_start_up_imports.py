"""What a server process imports before it can answer /health: nothing only the model needs.

Each check runs in a fresh process; a regression here shows as seconds before /health answers.
"""

import json
import os
import subprocess
import sys

from tests.support.servers import ROOT

# Loaded by the background model load, or only where they are used (S3, X-Ray in Lambda).
# (Powertools imports the bare `botocore` package for its user agent: a millisecond.)
HEAVY = ("numpy", "sklearn", "skops", "scipy", "boto3", "botocore.session", "aws_xray_sdk.core")

REPORT = """
import json, sys
from handlers.http.app import app
from shared.observability import tracer
print(json.dumps({
    "heavy": [m for m in sys.argv[1:] if m in sys.modules],
    "provider": type(tracer.provider).__module__,
}))
"""


def app_import(**env: str) -> dict[str, object]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"LAMBDA_TASK_ROOT", "MODEL_BUCKET_NAME"}
    }
    done = subprocess.run(
        [sys.executable, "-c", REPORT, *HEAVY],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_app_imports_nothing_heavy_in_the_container() -> None:
    # GIVEN the app imported as uvicorn does, outside Lambda, with a local store
    found = app_import()
    # THEN the model's libraries, boto3 and the X-Ray SDK wait for the background load
    assert found["heavy"] == []
    assert found["provider"] == "shared.observability.notrace"


def test_lambda_keeps_the_x_ray_provider() -> None:
    # GIVEN the Lambda environment
    found = app_import(LAMBDA_TASK_ROOT=str(ROOT))
    # THEN Powertools' own X-Ray provider records the traces
    assert str(found["provider"]).startswith("aws_xray_sdk")


PRELOAD = """
import gc, json, sys
from handlers.server.launcher import preload
preload(["handlers.http.app:app", "--host", "127.0.0.1"])
names = list(sys.modules)
print(json.dumps({
    "order": [names.index(m) for m in ("scipy.special", "fastapi", "handlers.http.app")],
    "gc": gc.isenabled(),
}))
"""


def test_the_server_loads_the_numeric_core_before_the_app() -> None:
    # GIVEN the launcher's preload in a fresh process
    done = subprocess.run(
        [sys.executable, "-c", PRELOAD], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # THEN scipy.special precedes the app's modules (skops' ufunc lookup walks them in order)
    special, fastapi, app = found["order"]
    assert special < fastapi < app
    # AND the cyclic collector runs again afterwards
    assert found["gc"] is True
