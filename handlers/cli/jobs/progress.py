"""A progress line on stderr: records done, share of input read, rate. No dependency."""

import sys
import time
from typing import IO


class Progress:
    """Redrawn in place on a terminal; a plain line every `every` seconds elsewhere (CI logs)."""

    def __init__(self, total_bytes: int, stream: IO[str] | None = None, every: float = 5.0) -> None:
        self.total_bytes = max(total_bytes, 1)
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = 0.2 if self.tty else every
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, records: int, errors: int, read_bytes: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < self.every:
            return
        self.last = now
        share = 1.0 if final else min(read_bytes / self.total_bytes, 0.999)
        filled = int(share * 30)
        rate = records / max(now - self.started, 1e-9)
        line = (
            f"[{'#' * filled}{'.' * (30 - filled)}] {share:6.1%}  {records:,} records "
            f"({errors:,} errors)  {rate:,.0f} records/s"
        )
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()
