"""The background refresher: a named daemon thread calling its work every interval, surviving a
failing call, and stopping at once."""

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from shared.refresher import Refresher


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


@pytest.fixture
def calls() -> list[float]:
    return []


@pytest.fixture
def stopped() -> Iterator[list[Refresher]]:
    """Every refresher a test starts is stopped after it, even when an assertion failed."""
    started: list[Refresher] = []
    yield started
    for refresher in started:
        refresher.stop()


def test_the_work_runs_every_interval_on_a_named_daemon_thread(
    calls: list[float], stopped: list[Refresher]
) -> None:
    # GIVEN a refresher with a short interval
    threads: list[threading.Thread] = []

    def work() -> None:
        threads.append(threading.current_thread())
        calls.append(time.monotonic())

    refresher = Refresher("test-refresh", work, 0.02)
    stopped.append(refresher)
    # WHEN started
    refresher.start()
    # THEN the work runs again and again, on a daemon thread named for it
    assert wait_until(lambda: len(calls) >= 3)
    assert {thread.name for thread in threads} == {"test-refresh"}
    assert all(thread.daemon for thread in threads)


def test_the_first_call_waits_an_interval_unless_at_once(
    calls: list[float], stopped: list[Refresher]
) -> None:
    # GIVEN two refreshers with an hour's interval, one of them at once
    later = Refresher("later", lambda: calls.append(1), 3600)
    now = Refresher("now", lambda: calls.append(2), 3600, at_once=True)
    stopped += [later, now]
    # WHEN both start
    later.start()
    now.start()
    # THEN only the one at once has run
    assert wait_until(lambda: calls == [2])
    time.sleep(0.05)
    assert calls == [2]


def test_stop_ends_the_thread_at_once_not_after_the_interval(calls: list[float]) -> None:
    # GIVEN a started refresher with an hour's interval
    refresher = Refresher("slow", lambda: calls.append(1), 3600)
    refresher.start()
    assert refresher.running
    # WHEN stopped
    started = time.monotonic()
    refresher.stop()
    # THEN it returns promptly, and the work never ran
    assert time.monotonic() - started < 1
    assert not refresher.running and calls == []
    assert "slow" not in {thread.name for thread in threading.enumerate()}


def test_a_failing_call_is_logged_and_counted_and_the_calls_go_on(
    calls: list[float], stopped: list[Refresher], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN work that raises on its first two calls
    def work() -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("store unreachable")

    refresher = Refresher("flaky", work, 0.01, failure_message="Flaky refresh failed")
    stopped.append(refresher)
    # WHEN it runs
    with caplog.at_level(logging.ERROR):
        refresher.start()
        assert wait_until(lambda: len(calls) >= 4)
        refresher.stop()
    # THEN both failures are counted and logged with the refresher's message; later calls ran
    assert refresher.failures == 2
    failures = [r for r in caplog.records if r.getMessage() == "Flaky refresh failed"]
    assert len(failures) == 2 and all(r.exc_info for r in failures)


def test_an_interval_function_sets_each_pause_and_none_ends_the_thread(
    calls: list[float], stopped: list[Refresher]
) -> None:
    # GIVEN pauses asked after each call: short twice, then no more calls
    pauses = iter([0.01, 0.01, None])
    refresher = Refresher("finite", lambda: calls.append(1), lambda: next(pauses), at_once=True)
    stopped.append(refresher)
    # WHEN started
    refresher.start()
    # THEN it runs three times and its thread ends by itself
    assert wait_until(lambda: "finite" not in {t.name for t in threading.enumerate()})
    assert len(calls) == 3


def test_start_twice_runs_one_thread(calls: list[float], stopped: list[Refresher]) -> None:
    refresher = Refresher("once", lambda: calls.append(1), 3600)
    stopped.append(refresher)
    refresher.start()
    refresher.start()
    assert [t.name for t in threading.enumerate()].count("once") == 1


def test_a_forked_process_has_no_thread_so_it_starts_its_own(
    calls: list[float], stopped: list[Refresher]
) -> None:
    # GIVEN a refresher started in this process
    refresher = Refresher("forked", lambda: calls.append(1), 3600)
    stopped.append(refresher)
    refresher.start()
    # WHEN the process forks (the thread does not cross the fork)
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through its exit code)
        inherited = refresher.running
        refresher.start()
        os._exit(0 if not inherited and refresher.running else 1)
    # THEN the child saw no running refresher (its owner refreshes inline), and started one
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert refresher.running
