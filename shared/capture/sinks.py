"""Where captured records are written: a local directory, or Firehose (shared/capture/firehose.py).

A sink writes a batch of one stream's records and returns those it could not write; the writer
counts both. Sinks run on the writer's thread only.
"""

import os
import socket
from collections import defaultdict
from pathlib import Path
from typing import Any, Protocol

from shared.capture.records import Stream, encode, folder
from shared.observability import logger

Record = dict[str, Any]


class Sink(Protocol):
    def write(self, stream: Stream, records: list[Record]) -> list[Record]:
        """Write `records`; return those that were not written."""


class LocalDirSink:
    """CAPTURE_DIR: one file per process in each hour's folder, appended to, so the workers of
    one server never write the same file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.part = f"part-{socket.gethostname()}-{os.getpid()}.jsonl"

    def write(self, stream: Stream, records: list[Record]) -> list[Record]:
        by_folder: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            by_folder[folder(stream, record)].append(record)
        failed: list[Record] = []
        for relative, group in by_folder.items():
            target = self.root / relative / self.part
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("ab") as out:  # one write per folder and batch
                    out.write(b"".join(encode(record) for record in group))
            except OSError as exc:
                logger.warning("Capture not written", extra={"path": str(target), "error": exc})
                failed += group
        return failed
