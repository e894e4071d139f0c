"""A worker's heartbeat file: what a responder reads, and which files it leaves out."""

import os
import subprocess
import sys
from pathlib import Path

from handlers.server.heartbeat import HealthState, HealthStateFile, read_live_states, state_path


def test_a_state_file_carries_what_its_worker_wrote(tmp_path: Path) -> None:
    # GIVEN this process's state file, as a worker makes it
    writer = HealthStateFile(state_path(tmp_path, os.getpid()), HealthState(12.5, False))
    try:
        # THEN a reader sees its first state, and each later write, with nothing reopened
        assert read_live_states(tmp_path) == {os.getpid(): HealthState(12.5, False)}
        writer.write(HealthState(13.0, True))
        assert read_live_states(tmp_path) == {os.getpid(): HealthState(13.0, True)}
    finally:
        writer.close()


def test_a_dead_workers_file_and_strangers_are_left_out(tmp_path: Path) -> None:
    # GIVEN a state file whose worker has exited, a file being written, and one that is no
    # worker's
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    HealthStateFile(state_path(tmp_path, int(gone.stdout)), HealthState(1.0, True)).close()
    (tmp_path / f"worker-{os.getpid()}.state").write_bytes(b"\0")  # shorter than a state
    (tmp_path / "worker-notes.state").write_bytes(b"x" * 9)
    # THEN none of them counts as a live worker
    assert read_live_states(tmp_path) == {}
