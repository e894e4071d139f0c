"""What each worker tells the health responders: when its event loop last ran, and if it is ready.

A few bytes per worker in a memory-mapped file, written by the worker's event loop every
HEARTBEAT_SECONDS (health_port.py). The files of one server's workers share a directory, so
whichever responder the kernel hands a probe answers for the whole task. Stdlib only: the
responder imports this and nothing of the app.
"""

import mmap
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

# Monotonic time of the loop's last heartbeat (CLOCK_MONOTONIC: one clock for every process on
# the host), and whether the default model is loaded.
_LAYOUT = struct.Struct("d?")
_PREFIX, _SUFFIX = "worker-", ".state"


@dataclass(frozen=True)
class HealthState:
    last_beat: float
    ready: bool

    @classmethod
    def now(cls, ready: bool) -> "HealthState":
        """A reading taken on the event loop: it is running at this moment."""
        return cls(time.monotonic(), ready)

    def silent_for(self) -> float:
        return time.monotonic() - self.last_beat


def state_path(directory: Path, worker_pid: int) -> Path:
    return directory / f"{_PREFIX}{worker_pid}{_SUFFIX}"


class HealthStateFile:
    """One worker's state, written in place for the life of the worker."""

    def __init__(self, path: Path, initial: HealthState) -> None:
        """Publishes `initial` whole: a responder never sees the file before its first state
        (zeros would read as a loop silent since boot)."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}")
        with draft.open("w+b") as file:
            file.truncate(_LAYOUT.size)
            self._map = mmap.mmap(file.fileno(), _LAYOUT.size)
        self.write(initial)
        draft.replace(path)  # the mapping follows the file

    def write(self, state: HealthState) -> None:
        # 9 bytes into shared memory; a reader racing this write sees a torn float at worst
        # once, and the next probe reads it whole.
        _LAYOUT.pack_into(self._map, 0, state.last_beat, state.ready)

    def close(self) -> None:
        self._map.close()


def read_live_states(directory: Path) -> dict[int, HealthState]:
    """The state of every worker in `directory` that is still running, by pid. A worker that
    died is left out: its responder removes its file within a second."""
    states = {}
    for path in directory.glob(f"{_PREFIX}*{_SUFFIX}"):
        try:
            pid = int(path.name.removeprefix(_PREFIX).removesuffix(_SUFFIX))
            data = path.read_bytes()
        except (ValueError, FileNotFoundError):
            continue  # not a worker's, or removed since the listing
        if len(data) == _LAYOUT.size and _is_running(pid):
            states[pid] = HealthState(*_LAYOUT.unpack(data))
    return states


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    return True
