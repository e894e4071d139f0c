"""A worker's side of the health port: it starts a responder process and keeps its heartbeat.

On the traffic port a probe waits its turn behind every connection the event loop has ready, and
a thread in the worker waits for the GIL the inference threads hold; a process of its own
(health_responder.py) does not. The worker leaves it its readings (heartbeat.py) in the
directory the launcher gives all the workers of a server. Why, and what a wedged or dead worker
does to the answer: README.md beside this module.
"""

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from handlers.server.heartbeat import HealthState, HealthStateFile, state_path
from shared.observability import logger
from shared.settings import Settings

HEARTBEAT_SECONDS = 0.25
RESPONDER = "handlers.server.health_responder"  # by name: the worker needs none of its imports


@contextlib.asynccontextmanager
async def health_port_served(
    settings: Settings, is_ready: Callable[[], bool]
) -> AsyncIterator[None]:
    """The health port for the life of the app (a no-op when no port is configured)."""
    if settings.health_port is None:
        yield
        return
    health = HealthPort(
        settings.host,
        settings.health_port,
        is_ready,
        settings.health_state_dir,
        settings.web_concurrency,
    )
    health.start()
    beating = asyncio.create_task(health.beat())
    try:
        yield
    finally:
        beating.cancel()
        health.stop()


class HealthPort:
    """A worker's side of the health port: its heartbeat and its responder process."""

    def __init__(
        self,
        host: str,
        port: int,
        is_ready: Callable[[], bool],
        state_dir: Path | None = None,
        workers: int = 1,
    ) -> None:
        """`state_dir` is shared by the server's `workers` workers; None: this one's alone."""
        self.host, self.port, self.workers = host, port, workers
        self._is_ready = is_ready
        self.state_dir = state_dir or Path(tempfile.mkdtemp(prefix="inferno-health-"))
        self._state = HealthStateFile(state_path(self.state_dir, os.getpid()), self._reading())
        self._responder: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Spawns the responder; it listens within ~50 ms, in parallel with the model load."""
        command = [sys.executable, "-m", RESPONDER, self.host, str(self.port)]
        command += [str(self.state_dir), str(self.workers), str(os.getpid())]
        self._responder = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        logger.info("Health port starting", extra={"health_port": self.port})

    async def beat(self) -> None:
        """Runs on the event loop for the life of the app."""
        while True:
            self._state.write(self._reading())
            await asyncio.sleep(HEARTBEAT_SECONDS)

    def stop(self) -> None:
        if self._responder is not None:
            self._responder.terminate()
            self._responder.wait(timeout=5)
        self._state.close()
        self._state.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.state_dir.rmdir()  # the last worker out: uvicorn's SIGTERM skips the launcher's

    def _reading(self) -> HealthState:
        return HealthState.now(self._is_ready())
