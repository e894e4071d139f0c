"""What a worker tells its health responder: when its event loop last ran, and if it is ready.

A few bytes in a memory-mapped file, written by the worker's event loop and read by the responder
process on every probe. Stdlib only: the responder imports this and nothing of the app.
"""

import mmap
import struct
import time
from dataclasses import dataclass
from pathlib import Path

# Monotonic time of the loop's last heartbeat (CLOCK_MONOTONIC: one clock for every process on
# the host), and whether the default model is loaded.
_LAYOUT = struct.Struct("d?")


@dataclass(frozen=True)
class HealthState:
    last_beat: float
    ready: bool

    def silent_for(self) -> float:
        return time.monotonic() - self.last_beat


class HealthStateFile:
    """One worker's state, shared with its responder through a file in the temp directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("r+b" if path.exists() else "w+b") as file:
            file.truncate(_LAYOUT.size)
            self._map = mmap.mmap(file.fileno(), _LAYOUT.size)

    def write(self, state: HealthState) -> None:
        # 9 bytes into shared memory; a reader racing this write sees a torn float at worst
        # once, and the next probe reads it whole.
        _LAYOUT.pack_into(self._map, 0, state.last_beat, state.ready)

    def read(self) -> HealthState:
        last_beat, ready = _LAYOUT.unpack_from(self._map, 0)
        return HealthState(last_beat, ready)

    def close(self) -> None:
        self._map.close()
