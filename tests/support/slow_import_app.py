"""The real app behind an import that takes longer than uvicorn's default 5 s worker ping, as
scikit-learn's imports do on a starved 0.5 vCPU task: a worker must live through it."""

import os
import time

time.sleep(float(os.environ.get("SLOW_IMPORT_SECONDS", "8")))

from handlers.http.app import app  # noqa: E402  (the slow part comes first, on purpose)

__all__ = ["app"]
