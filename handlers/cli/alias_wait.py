"""`inferno alias NAME ALIAS VERSION --wait`: move the alias, then wait until a running service
answers `GET /models/NAME` with that version.

A service re-reads aliases every MODEL_REFRESH_SECONDS (30 s by default) and swaps only a version
that passes verification, so moving the pointer is not the same as serving it: this waits for
the second, or says after the timeout what the service still serves and why that may be.
"""

import time

from handlers.cli.smoke import call

KEY_ENV = "INFERNO_API_KEY"
POLL_SECONDS = 0.5


def wait_for_version(
    url: str, name: str, version: str, timeout_seconds: float, key: str | None = None
) -> str | None:
    """None once the service serves `version` of `name`; else why it did not in time."""
    target = f"{url.rstrip('/')}/models/{name}"
    deadline = time.monotonic() + timeout_seconds
    seen = "nothing yet"
    while True:
        try:
            answer = call(target, timeout=5, key=key)
        except OSError as error:
            seen = f"no answer ({error})"
        else:
            served = answer.body.get("version") if isinstance(answer.body, dict) else None
            if answer.status == 200 and served == version:
                return None
            if answer.status in {401, 403}:
                return (
                    f"{target} answered {answer.status}: set {KEY_ENV} to a key that may use "
                    f"{name!r}"
                )
            seen = f"version {served}" if answer.status == 200 else f"HTTP {answer.status}"
        if time.monotonic() >= deadline:
            return (
                f"{target} does not serve {version} after {timeout_seconds:g} s (last answer: "
                f"{seen}). A service re-reads aliases every MODEL_REFRESH_SECONDS and keeps "
                "serving the old version when the new one fails verification: its log says "
                'why ("Model load failed").'
            )
        time.sleep(POLL_SECONDS)
