"""`inferno serve` starts the image's launcher, with a laptop's defaults."""

import os

import pytest

from handlers.cli.main import build_parser
from handlers.server import launcher


def served_with(monkeypatch: pytest.MonkeyPatch, *argv: str) -> list[str]:
    launched: list[list[str]] = []
    monkeypatch.setattr(launcher, "main", launched.append)
    # serve sets variables for the launcher's workers: they stay in this test's copy
    monkeypatch.setattr(os, "environ", dict(os.environ))
    args = build_parser().parse_args(["serve", "--no-train", *argv])
    assert args.func(args) == 0
    [command] = launched
    return command


def test_serve_runs_the_launcher_with_one_worker_on_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a laptop: no host, port or worker count asked for
    for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    # WHEN `inferno serve` starts THEN the launcher serves the app on 127.0.0.1:8000, one worker
    assert served_with(monkeypatch) == [
        "handlers.http.app:app",
        *("--host", "127.0.0.1", "--port", "8000", "--no-access-log", "--workers", "1"),
    ]


def test_serve_passes_the_host_port_and_worker_count_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    command = served_with(monkeypatch, "--host", "127.0.0.2", "--port", "8123")
    assert command[1:] == [
        *("--host", "127.0.0.2", "--port", "8123", "--no-access-log", "--workers", "2"),
    ]
