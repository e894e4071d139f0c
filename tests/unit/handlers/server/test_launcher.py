"""The launcher's uvicorn command line: a worker count and ping timeout unless given."""

import pytest

from handlers.server.launcher import with_workers, workers_named


def test_the_launcher_adds_workers_unless_the_command_names_them() -> None:
    ping = ["--timeout-worker-healthcheck", "20"]
    assert with_workers(["app:app", "--port", "1"], 4) == [
        "app:app",
        "--port",
        "1",
        *ping,
        "--workers",
        "4",
    ]
    assert with_workers(["app:app", "--workers", "2"], 4) == ["app:app", "--workers", "2", *ping]
    assert with_workers(["app:app", "--workers=2"], 4) == ["app:app", "--workers=2", *ping]


def test_the_launcher_gives_workers_time_to_import_before_their_first_ping() -> None:
    # uvicorn's own 5 s kills a worker still importing scikit-learn on a starved CPU, forever
    assert "--timeout-worker-healthcheck" in with_workers(["app:app"], 2)
    given = ["app:app", "--timeout-worker-healthcheck=9"]
    assert with_workers(given, 2) == [*given, "--workers", "2"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["app:app", "--workers", "3"], 3),
        (["app:app", "--workers=3", "--port", "1"], 3),
        (["app:app", "--port", "1"], None),
        (["app:app", "--workers"], None),  # uvicorn says what is missing
        (["app:app", "--workers", "many"], None),
    ],
)
def test_the_launcher_reads_the_count_the_command_names(argv: list[str], named: int | None) -> None:
    assert workers_named(argv) == named
