"""Start real processes on loopback ports for integration tests: uvicorn and the moto server."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_for(
    url: str, timeout: float, process: subprocess.Popen[str] | None = None
) -> httpx.Response:
    """Poll `url` until it answers 200; fail with the reason when it never does."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s (last: {last})")


@contextmanager
def uvicorn_server(
    env: Mapping[str, str],
    log_path: Path,
    wait_path: str = "/ready",
    timeout: float = 90,
    command: list[str] | None = None,
) -> Iterator[RunningServer]:
    """The real app under uvicorn in its own process, configured only by environment."""
    port = free_port()
    argv = command or [
        sys.executable,
        "-m",
        "uvicorn",
        "handlers.http.app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    argv = [part.replace("{port}", str(port)) for part in argv]
    full_env = {**os.environ, "METRICS_FLUSH_SECONDS": "3600", **env, "PORT": str(port)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + wait_path, timeout, process)
        yield RunningServer(url, process, log_path)
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[str], timeout: float = 15) -> None:
    """SIGTERM (a graceful shutdown, which flushes metrics), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def moto_server(port: int | None = None) -> Iterator[str]:
    """moto's S3 as a real HTTP server on loopback; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port or free_port(), verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.stop()
