"""The peers' own virtualenvs, under a git-ignored cache folder in the checkout, made once and
reused: a peer never shares (or changes) the project's environment.

The model libraries are pinned to the versions the project locks, so each peer unpickles the
same joblib pipeline the baseline serves."""

import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.servers import ROOT

CACHE = ROOT / ".cache" / "bench-peers"
# What the joblib pipeline needs to load, at the project's locked versions.
MODEL_LIBRARIES = ("scikit-learn", "joblib", "numpy", "scipy", "threadpoolctl")
READY_STAMP = ".installed"


def ensure_venv(name: str, packages: list[str]) -> Path:
    """The python of the cached venv `name` holding `packages` and the model libraries."""
    venv = CACHE / name
    python = venv / "bin" / "python"
    wanted = "\n".join([*packages, *locked(MODEL_LIBRARIES)])
    stamp = venv / READY_STAMP
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"peers: installing {' '.join(packages)} into {venv} (once)", flush=True)
    # The project's interpreter makes the venv; pip fetches from PyPI (or the configured index).
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *wanted.split("\n")], check=True
    )
    stamp.write_text(wanted)  # last: an interrupted install is redone, not reused
    return python


def locked(names: tuple[str, ...]) -> list[str]:
    """`name==version` for each package, as poetry.lock pins it."""
    lock = tomllib.loads((ROOT / "poetry.lock").read_text())
    versions = {package["name"]: package["version"] for package in lock["package"]}
    return [f"{name}=={versions[name]}" for name in names]
