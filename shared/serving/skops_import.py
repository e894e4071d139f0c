"""skops.io without the scan of all of scikit-learn it makes on import.

On import, skops builds its default trusted list by calling `sklearn.utils.all_estimators()`,
which imports every scikit-learn module (and pytest): ~1 s before the first model can load. We
never rely on that list: `load_verified` passes the exact types an artifact holds, after checking
each against the manifest and our module allowlist. So the scan is skipped, once, by lending
skops an empty estimator list while it imports. skops still parses, audits and builds the model;
its own defaults just stop trusting sklearn estimators we did not name, which only tightens it.
tests/unit/test_skops_import.py fails loudly if skops stops reading the list this way.
"""

import importlib
import sys
import threading
from types import ModuleType
from typing import Any

from shared.serving.gc_policy import cyclic_gc_paused

_lock = threading.Lock()


def skops_io() -> ModuleType:
    """The `skops.io` module, imported without enumerating scikit-learn's estimators."""
    with _lock:
        loaded = sys.modules.get("skops.io")
        if loaded is not None:
            return loaded
        with cyclic_gc_paused():
            import sklearn.utils

            scan = sklearn.utils.all_estimators
            sklearn.utils.all_estimators = _no_estimators
            try:
                return importlib.import_module("skops.io")
            finally:
                sklearn.utils.all_estimators = scan


def _no_estimators(*args: Any, **kwargs: Any) -> list[tuple[str, type]]:
    return []
