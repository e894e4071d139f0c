"""The health responder: a small process answering the health port for every worker of a task.

`python -m handlers.server.health_responder HOST PORT STATE_DIR WORKERS WORKER_PID`, started by
each worker (health_port.py). Its own interpreter and GIL keep a flooded worker from delaying it.
All the task's responders share the port and read every worker's heartbeat in STATE_DIR, so any
of them gives the task's answer (health_answer.py). It exits when its worker does. Stdlib only,
so it starts in ~50 ms. The design: README.md beside it.

Each connection has a thread of its own (at most MAX_CONNECTIONS at once, each held at most
PROBE_TIMEOUT_SECONDS), so a client that connects and says nothing, or trickles its request a
byte at a time, delays no probe. A probe that leaves before its answer costs one JSON line.
"""

import contextlib
import json
import os
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from handlers.server.health_answer import answer
from handlers.server.heartbeat import read_live_states, state_path

PROBE_TIMEOUT_SECONDS = 2.0  # the longest a connection is kept, whatever it sends
MAX_CONNECTIONS = 64  # served at once; past it a connection is closed unanswered
BACKLOG = 128  # connections the kernel holds for us meanwhile (the stdlib's is 5)
PARENT_CHECK_SECONDS = 1.0


class ResponderServer(ThreadingHTTPServer):
    allow_reuse_port = True  # every worker's responder listens on the same port
    request_queue_size = BACKLOG
    daemon_threads = True
    block_on_close = False
    state_dir: Path
    workers: int
    worker_pid: int
    last_status: dict[str, HTTPStatus]
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread per connection, while there are slots; past them the connection is closed
        at once (the prober retries), so a flood of idle connections costs bounded threads."""
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One JSON line, no traceback: a prober that hung up or stalled is no bug of ours."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # BrokenPipe, ConnectionReset, a timeout
            return
        line = {"level": "ERROR", "message": "Health probe failed", "error": repr(error)}
        print(json.dumps(line), file=sys.stderr, flush=True)

    def note(self, path: str, status: HTTPStatus, body: dict[str, Any]) -> None:
        """One JSON log line each time a path's answer changes (a stall begins or ends), so the
        operator sees why the load balancer took the task out, without a line per probe."""
        if self.last_status.get(path, HTTPStatus.OK) == status:
            return
        self.last_status[path] = status
        line = {
            "level": "INFO" if status == HTTPStatus.OK else "WARNING",
            "message": "Health port answer changed",
            "path": path,
            "http_status": int(status),
            "worker_pid": self.worker_pid,
            **body,
        }
        print(json.dumps(line), flush=True)


class ProbeHandler(BaseHTTPRequestHandler):
    server: ResponderServer
    timeout = PROBE_TIMEOUT_SECONDS  # each read; the deadline below bounds the whole request
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # A client trickling bytes resets each read's timeout; this ends it all the same.
        timer = threading.Timer(PROBE_TIMEOUT_SECONDS, self._cut)
        timer.daemon = True
        timer.start()
        self._deadline = timer

    def finish(self) -> None:
        self._deadline.cancel()
        with contextlib.suppress(OSError):
            super().finish()

    def _cut(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        status, body = answer(path, read_live_states(self.server.state_dir), self.server.workers)
        if status != HTTPStatus.NOT_FOUND:
            self.server.note(path, status, body)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Load balancers probe every few seconds from every node: not worth a log line each."""


def exit_with_parent(parent_pid: int, server: ThreadingHTTPServer) -> None:
    """Stop serving once the worker is gone (its pid is no longer our parent)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    server.shutdown()


def main(argv: list[str]) -> int:
    host, port, state_dir, workers, worker_pid = argv
    try:
        server = ResponderServer((host, int(port)), ProbeHandler)
    except OSError as exc:
        # One JSON line like the service's own, so the operator finds it beside them.
        failure = {"level": "ERROR", "message": "Health port could not listen", "port": port}
        print(json.dumps({**failure, "error": str(exc)}), file=sys.stderr, flush=True)
        return 1
    server.state_dir, server.workers = Path(state_dir), int(workers)
    server.worker_pid, server.last_status = int(worker_pid), {}
    threading.Thread(target=exit_with_parent, args=(int(worker_pid), server), daemon=True).start()
    server.serve_forever()
    # Only a dead worker stops us this way (a live one terminates us); its state file is ours.
    state_path(server.state_dir, server.worker_pid).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        server.state_dir.rmdir()  # once empty: the last worker gone (a new one makes it again)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
