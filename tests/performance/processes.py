"""The servers under test: started on free loopback ports, timed to ready, measured for memory."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.iac.infra import load_dockerfile
from tests.performance.loadgen import BenchError
from tests.support.servers import ROOT, free_port, stop_process

# Finer than the integration tests' 0.2 s poll: this interval bounds the cold-start error.
POLL_SECONDS = 0.02
READY_TIMEOUT_SECONDS = 120.0
PORT = "{port}"  # placeholder in a command, replaced by the free port picked at start
LOADED_LINE = '"message":"Model loaded"'


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[str]
    log_path: Path
    cold_start_s: float = 0.0
    alive_s: float | None = None  # spawn to the first 200 on the liveness route, when asked

    def peak_rss_mb(self) -> float:
        """VmHWM (the kernel's peak resident set) summed over the server and its workers."""
        return self._memory_mb("VmHWM:")

    def rss_mb(self) -> float:
        """The resident set now, summed over the server and its workers."""
        return self._memory_mb("VmRSS:")

    def log_bytes(self) -> int:
        """What the server has written to stdout and stderr so far."""
        return self.log_path.stat().st_size

    def _memory_mb(self, field: str) -> float:
        total_kb = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue  # a worker that just exited
            total_kb += next(
                int(ln.split()[1]) for ln in status.splitlines() if ln.startswith(field)
            )
        return round(total_kb / 1024, 1)


def uvicorn_command(app: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        PORT,
        "--no-access-log",
        "--workers",
        str(workers),
    ]


def image_command() -> list[str]:
    """The Dockerfile's CMD as the image runs it, on loopback and a free port."""
    command = list(load_dockerfile().cmd)
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = PORT
    return [sys.executable if part == "python" else part for part in command]


def start_server(
    name: str,
    command: list[str],
    env: dict[str, str],
    log_dir: Path,
    ready: tuple[str, str, bytes | None],
    alive: str | None = None,
    workers: int = 1,
    cwd: Path = ROOT,
) -> Server:
    """Start a server; time spawn to the first 200 on `alive` (GET) and on `ready`.

    `ready` is (method, path, body). With several workers, one worker's 200 says nothing of the
    others: this also waits until each has logged its model load (not counted in the time).
    """
    port = free_port()
    argv = [part.replace(PORT, str(port)) for part in command]
    log_path = log_dir / f"{name}.log"
    # A minimal environment: the servers see only what the bench means them to see.
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    with log_path.open("w") as log:
        started = time.perf_counter()
        # Its own process group, so stop_server can reach every process it left behind.
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**base, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
    try:
        if alive is not None:
            server.alive_s = round(_first_200(server, "GET", alive, None) - started, 3)
        server.cold_start_s = round(_first_200(server, *ready) - started, 3)
        if workers > 1:
            _wait_for_workers(server, workers)
    except BaseException:
        stop_process(process)
        raise
    return server


def stop_server(server: Server) -> None:
    """Stop it gracefully, then kill whatever of its group outlived it: LitServe's API servers
    and inference workers can outlive their parent and would load the next measurements."""
    stop_process(server.process)
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone, as it should be
        os.killpg(server.process.pid, signal.SIGKILL)


def _first_200(server: Server, method: str, path: str, body: bytes | None) -> float:
    deadline = time.perf_counter() + READY_TIMEOUT_SECONDS
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=server.url, timeout=2) as client:
        while time.perf_counter() < deadline:
            if server.process.poll() is not None:
                raise BenchError(
                    f"{server.name} exited with {server.process.returncode}:\n{_tail(server)}"
                )
            try:
                if client.request(method, path, content=body, headers=headers).status_code == 200:
                    return time.perf_counter()
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(POLL_SECONDS)
    raise BenchError(
        f"{server.name}: no 200 on {path} within {READY_TIMEOUT_SECONDS} s:\n{_tail(server)}"
    )


def _wait_for_workers(server: Server, workers: int) -> None:
    deadline = time.perf_counter() + READY_TIMEOUT_SECONDS
    while server.log_path.read_text(errors="replace").count(LOADED_LINE) < workers:
        if time.perf_counter() > deadline:
            raise BenchError(f"{server.name}: not all {workers} workers loaded:\n{_tail(server)}")
        time.sleep(POLL_SECONDS)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_children(int(child))]
    return found


def _tail(server: Server, lines: int = 15, width: int = 400) -> str:
    # Lines cut short: a metrics flush at shutdown writes EMF documents of many kilobytes.
    tail = server.log_path.read_text(errors="replace").splitlines()[-lines:]
    return "\n".join(line[:width] for line in tail)
