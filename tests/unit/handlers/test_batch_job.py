"""The batch Lambda's init imports nothing heavy: Lambda caps init at 10 s, and the model's
libraries and boto3 load on the first invocation that needs them."""

import json
import subprocess
import sys

from tests.support.servers import ROOT

HEAVY = ("numpy", "sklearn", "skops", "scipy", "boto3", "handlers.cli.jobs.runner")
REPORT = (
    "import json, sys; import handlers.batch_job; "
    "print(json.dumps([m for m in sys.argv[1:] if m in sys.modules]))"
)


def test_importing_the_batch_entry_loads_no_model_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", REPORT, *HEAVY], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
