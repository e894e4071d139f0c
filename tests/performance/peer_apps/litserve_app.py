"""LitServe serving the baseline's joblib pipeline with its own batching, as the issue measured it.

Runs in its own virtualenv (tests/performance/peer_venv.py), not the project's:
`python litserve_app.py PORT WORKERS` with INFERNO_BASELINE_MODEL naming the joblib file.
Answers POST /predict {"text": ...} with {"text": ..., "sentiment": ...}, like the baseline.
"""

import os
import sys
from typing import Any

import joblib
import litserve as ls

MODEL_PATH_ENV = "INFERNO_BASELINE_MODEL"
MAX_BATCH_SIZE = 64
BATCH_TIMEOUT_S = 0.005


class SentimentAPI(ls.LitAPI):  # type: ignore[misc]  # litserve is not installed for mypy
    def setup(self, device: str) -> None:
        self.pipeline = joblib.load(os.environ[MODEL_PATH_ENV])

    def decode_request(self, request: dict[str, Any], **kwargs: Any) -> str:
        return str(request["text"])

    # LitServe hands predict the list batch() made of the decoded texts: one model call.
    def predict(self, texts: list[str], **kwargs: Any) -> list[tuple[str, str]]:
        return list(zip(texts, (str(label) for label in self.pipeline.predict(texts)), strict=True))

    def encode_response(self, output: tuple[str, str], **kwargs: Any) -> dict[str, str]:
        text, label = output
        return {"text": text, "sentiment": label}


def main(port: int, workers: int) -> None:
    api = SentimentAPI(max_batch_size=MAX_BATCH_SIZE, batch_timeout=BATCH_TIMEOUT_S)
    server = ls.LitServer(api, accelerator="cpu", devices=1, workers_per_device=workers)
    # No client.py written into the checkout; access lines off, as for the other servers.
    server.run(host="127.0.0.1", port=port, generate_client_file=False, log_level="warning")


if __name__ == "__main__":  # LitServe spawns its workers: the guard keeps them from re-running
    main(int(sys.argv[1]), int(sys.argv[2]))
