"""The real `inferno` command in a subprocess, as an operator or a workflow runs it."""

import os
import subprocess
import sys
from collections.abc import Mapping

from tests.support.servers import ROOT


def inferno(*args: str, env: Mapping[str, str], code: int = 0, timeout: float = 300) -> str:
    """Its stdout, after checking its exit code; its error line too when a failure is expected."""
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == code, result.stdout + result.stderr
    return result.stdout if code == 0 else result.stdout + result.stderr


def judged(name: str, env: Mapping[str, str], code: int) -> str:
    """`inferno rollout judge --watch`: the policy applied every half second until it acts
    (exit 0 on a promotion, 3 on an abort)."""
    return inferno("rollout", "judge", name, "--watch", "--interval", "0.5", env=env, code=code)
