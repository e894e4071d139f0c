"""Replay sample events through the Lambda handler: in-process, or through the real emulator.

An event file holds the raw Lambda event, as `sam local invoke -e`, the Lambda console and the
emulator take it. Beside `NAME.json`, `NAME.expected.json` may hold a `description` and the status
and response fields that must match (see `compare`). `inferno invoke` prints the Lambda response
as JSON on stdout (logs and metrics go to stderr) and exits 1 on a mismatch.
"""

import argparse
import base64
import contextlib
import importlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
RIE_PATH = Path(".tools/rie/aws-lambda-rie")
HANDLER = "handlers.lambda_function.handler"
# Bulk jobs: events named sfn-batch-* are Step Functions inputs for the batch entry point.
BATCH_HANDLER = "handlers.batch_job.handler"
BATCH_EVENT_PREFIX = "sfn-batch-"
FUNCTION_NAME = "inferno-local"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
EXPECTED_SUFFIX = ".expected.json"


@dataclass
class LocalLambdaContext:
    """The attributes Powertools and Mangum read from a Lambda context."""

    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:000000000000:function:{FUNCTION_NAME}"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = f"/aws/lambda/{FUNCTION_NAME}"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


class EventFileError(ValueError):
    """An events folder or file that cannot be paired into events and expectations."""


@dataclass
class EventCase:
    name: str
    event: dict[str, Any]
    expected: dict[str, Any] | None
    description: str = ""


def expectation_path(event_path: Path) -> Path:
    return event_path.with_name(event_path.stem + EXPECTED_SUFFIX)


def load_event(path: Path) -> EventCase:
    """The raw event in `path` and, when its `.expected.json` is there, what it must produce."""
    if path.name.endswith(EXPECTED_SUFFIX):
        raise EventFileError(f"{path} is an expectation; replay its event file instead")
    event = json.loads(path.read_text())
    if isinstance(event, dict) and {"event", "expected"} <= event.keys():
        # The old wrapped format would reach the handler as an event no source recognises.
        raise EventFileError(f"{path} wraps its event: keep it raw, its expectation beside it")
    expected_file = expectation_path(path)
    if not expected_file.exists():
        return EventCase(path.stem, event, None)
    expected = json.loads(expected_file.read_text())
    description = str(expected.pop("description", ""))
    return EventCase(path.stem, event, expected, description)


def handler_for(case_name: str) -> str:
    """The entry point an event file is replayed through, by its name."""
    return BATCH_HANDLER if case_name.startswith(BATCH_EVENT_PREFIX) else HANDLER


def invoke_in_process(event: dict[str, Any], handler_path: str = HANDLER) -> dict[str, Any]:
    # Imported on use: importing the entry point loads the model (once per process).
    module, _, name = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module), name)
    response: dict[str, Any] = handler(event, LocalLambdaContext())
    return response


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Emulator:
    """The AWS Lambda Runtime Interface Emulator running `awslambdaric` with our handler."""

    def __init__(
        self,
        rie: Path = RIE_PATH,
        env: Mapping[str, str] | None = None,
        output: IO[str] | None = None,
        handler: str = HANDLER,
    ) -> None:
        # Relative to the working directory when it is there, else to the project; made absolute
        # because the emulator runs with the project as its working directory.
        self.rie = (rie if rie.exists() else ROOT / rie).resolve()
        self.env = {**os.environ, **(env or {})}
        self.output = output if output is not None else sys.stderr
        self.handler = handler
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> "Emulator":
        if not self.rie.exists():
            raise FileNotFoundError(f"{self.rie} is missing; run `make rie` to fetch the emulator")
        port = _free_port()
        # The runtime API gets its own free port too: the default (9001) may be taken.
        argv = [
            str(self.rie),
            "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
            "--runtime-api-address", f"127.0.0.1:{_free_port()}",
            sys.executable, "-m", "awslambdaric", self.handler,
        ]  # fmt: skip
        env = {"AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME, "PYTHONUNBUFFERED": "1", **self.env}
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{port}{INVOKE_PATH}"
        self._wait_listening(port)
        return self

    def _wait_listening(self, port: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"emulator exited with {self.process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                return
            time.sleep(0.05)
        raise TimeoutError(f"emulator did not listen on port {port} within {timeout} s")

    def invoke(self, event: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        """One invocation; the first one also runs the function's init (the model load)."""
        answer = httpx.post(self.url, json=event, timeout=timeout)
        answer.raise_for_status()
        response: dict[str, Any] = answer.json()
        return response

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def response_body(response: Mapping[str, Any]) -> Any:
    """The response body decoded (base64) and parsed when it is JSON."""
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    try:
        return json.loads(body)
    except ValueError:
        return body


def response_headers(response: Mapping[str, Any]) -> dict[str, str]:
    """Headers from either shape (ALB multi-value responses carry only multiValueHeaders)."""
    headers = {str(k).lower(): str(v) for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[str(name).lower()] = ",".join(str(value) for value in values)
    return headers


def matches(actual: Any, expected: Any, where: str = "body") -> list[str]:
    """What differs, as readable lines. Dicts match partially (only the keys named); lists match
    element by element; `{"$oneOf": [...]}`, `{"$contains": "..."}` and `{"$type": "..."}` match
    by membership, substring and JSON type."""
    if isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)).startswith("$"):
        ((op, arg),) = expected.items()
        return [] if _satisfies(actual, op, arg) else [f"{where}: {actual!r} fails {op} {arg!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        return [
            line
            for key, value in expected.items()
            for line in (
                matches(actual[key], value, f"{where}.{key}")
                if key in actual
                else [f"{where}.{key}: missing"]
            )
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r}"]
        return [
            line
            for i, pair in enumerate(zip(actual, expected, strict=True))
            for line in matches(*pair, f"{where}[{i}]")
        ]
    return [] if actual == expected else [f"{where}: expected {expected!r}, got {actual!r}"]


def _satisfies(actual: Any, op: str, arg: Any) -> bool:
    if op == "$oneOf":
        return actual in arg
    if op == "$contains":
        return isinstance(actual, str) and arg in actual
    if op == "$type":
        # bool first: in Python a bool is an int, in JSON it is not a number.
        kinds = {
            "boolean": bool,
            "number": int | float,
            "string": str,
            "array": list,
            "object": dict,
        }
        found = next((name for name, kind in kinds.items() if isinstance(actual, kind)), "null")
        return bool(found == arg)
    raise ValueError(f"unknown matcher {op}")


def compare(response: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """Mismatches between a Lambda response and an event's expectation."""
    problems = []
    if "statusCode" in expected and response.get("statusCode") != expected["statusCode"]:
        problems.append(
            f"statusCode: expected {expected['statusCode']}, got {response.get('statusCode')}"
        )
    if "body" in expected:
        problems += matches(response_body(response), expected["body"])
    if "headers" in expected:
        problems += matches(response_headers(response), expected["headers"], "headers")
    if "response" in expected:  # a non-HTTP entry point (bulk jobs): the whole return value
        problems += matches(dict(response), expected["response"], "response")
    return problems


def load_events(path: Path) -> list[EventCase]:
    """One event file, or every event file in a directory (sorted by name, expectations paired)."""
    if not path.is_dir():
        return [load_event(path)]
    files = sorted(path.glob("*.json"))
    events = [p for p in files if not p.name.endswith(EXPECTED_SUFFIX)]
    orphans = sorted(set(files) - set(events) - {expectation_path(p) for p in events})
    if orphans:
        raise EventFileError(f"expectations without an event file: {', '.join(map(str, orphans))}")
    return [load_event(p) for p in events]


def replay(cases: list[EventCase], rie: bool) -> dict[str, dict[str, Any]]:
    """Each case's Lambda response, in order; one emulator (one cold start) for all of them."""
    if rie:
        responses: dict[str, dict[str, Any]] = {}
        for handler in dict.fromkeys(handler_for(case.name) for case in cases):
            with Emulator(handler=handler) as emulator:
                for case in cases:
                    if handler_for(case.name) == handler:
                        responses[case.name] = emulator.invoke(case.event)
        return {case.name: responses[case.name] for case in cases}
    # Logs and EMF go to stderr, so stdout holds only responses (pipe it to jq).
    from shared.observability import logger

    log_handler = logger.registered_handler
    if isinstance(log_handler, logging.StreamHandler):
        log_handler.setStream(sys.stderr)
    with contextlib.redirect_stdout(sys.stderr):
        return {case.name: invoke_in_process(case.event, handler_for(case.name)) for case in cases}


def invoke_command(args: argparse.Namespace) -> int:
    """`inferno invoke EVENT|DIR [--rie]`: print the response (for a directory, an object of
    responses by event name); exit 1 when any differs from its event's expectation."""
    try:
        cases = load_events(args.event)
    except EventFileError as exc:
        print(f"inferno invoke: {exc}", file=sys.stderr)
        return 1
    if not cases:
        raise FileNotFoundError(f"no event files in {args.event}")
    responses = replay(cases, args.rie)
    single = len(cases) == 1 and not args.event.is_dir()
    print(json.dumps(next(iter(responses.values())) if single else responses, indent=2))
    failed = 0
    for case in cases:
        problems = compare(responses[case.name], case.expected) if case.expected else []
        for problem in problems:
            print(f"inferno invoke {case.name}: {problem}", file=sys.stderr)
        failed += bool(problems)
    if not single:
        print(
            f"inferno invoke: {len(cases) - failed} of {len(cases)} events as expected",
            file=sys.stderr,
        )
    return 1 if failed else 0
