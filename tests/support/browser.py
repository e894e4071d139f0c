"""Headless Chromium (Debian's package, `make chromium`) driven over the Chrome DevTools
Protocol: open a page, wait for what it draws, click, screenshot. No browser download, no
driver: one process on loopback and a websocket."""

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

# What the workplace's closed network needs: no background calls home, no sandbox as root.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]
_LISTENING = re.compile(r"DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)")


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "no chromium on PATH: `make chromium` installs Debian's package"
    return found


class Page:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket, self._next = socket, 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        self.socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:  # events arrive between answers; only the answer to this call matters
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self._next:
                assert "error" not in message, message["error"]
                result: dict[str, Any] = message.get("result", {})
                return result

    def evaluate(self, expression: str) -> Any:
        found = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in found, found["exceptionDetails"]
        return found["result"].get("value")

    def wait_for(self, expression: str, ready: Callable[[Any], bool], timeout: float) -> Any:
        """Evaluate until `ready(value)`; the last value, or an assertion naming it."""
        deadline, value = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if ready(value):
                return value
            time.sleep(0.25)
        raise AssertionError(f"{expression!r} still {value!r} after {timeout} s")

    def screenshot(self, path: Path) -> bytes:
        metrics = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": metrics["width"], "height": metrics["height"], "scale": 1}
        shot = self.send(
            "Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True
        )
        data = base64.b64decode(shot["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return data


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[Page]:
    """A fresh browser (its own profile folder) with one page, stopped afterwards."""
    # Chromium's helper processes can still be writing the profile as it is removed: a folder
    # left in /tmp is better than a test failed on it.
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        command = [chromium_binary(), *FLAGS, f"--user-data-dir={profile}"]
        command += [f"--window-size={width},{height}", "about:blank"]
        log = Path(profile) / "chromium.log"  # a file, not a pipe: a full pipe would stall it
        with log.open("w") as sink:
            # Its own process group, so its renderer and GPU processes are stopped with it.
            process = subprocess.Popen(command, stdout=sink, stderr=sink, start_new_session=True)
        try:
            port = _devtools_port(process, log)
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
            url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            with connect(url, max_size=64 << 20, open_timeout=10) as socket:
                page = Page(socket)
                page.send("Page.enable")
                yield page
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(ProcessLookupError):  # the group may be gone already
                os.killpg(process.pid, signal.SIGKILL)


def _devtools_port(process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + 60
    said = ""
    while time.monotonic() < deadline:
        said = log.read_text(errors="replace")
        found = _LISTENING.search(said)
        if found:
            return int(found.group(2))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"chromium did not open its DevTools port:\n{said[-3000:]}")


def non_white_share(png: bytes) -> float:
    """Share of the screenshot's pixels that are not (near) white: a blank page is ~0."""
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(png)).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[240:]) / (image.width * image.height)
