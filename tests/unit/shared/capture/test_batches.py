"""The background writer: never blocks the caller, drops and reports past its bound, keeps
going after a failed write, writes everything queued when stopped; retries with back-off."""

import threading
import time

from shared.capture.batches import BackgroundBatches, with_retries


class Recorder:
    def __init__(self, fail_first: int = 0) -> None:
        self.batches: list[list[int]] = []
        self.dropped: list[tuple[list[int], str]] = []
        self.fail_first = fail_first
        self.written = threading.Event()

    def write(self, batch: list[int]) -> None:
        if self.fail_first:
            self.fail_first -= 1
            raise RuntimeError("store down")
        self.batches.append(batch)
        self.written.set()

    def drop(self, batch: list[int], reason: str) -> None:
        self.dropped.append((batch, reason))


def batches(
    recorder: Recorder, capacity: int = 100, max_batch: int = 100
) -> BackgroundBatches[int]:
    # A long interval: the thread writes only when told to, or when a full batch waits.
    return BackgroundBatches("test", recorder.write, recorder.drop, capacity, max_batch, 60.0)


def test_past_its_bound_an_item_is_dropped_and_reported_not_waited_for() -> None:
    # GIVEN a buffer of three items whose thread is asleep
    recorder = Recorder()
    writer = batches(recorder, capacity=3)
    # WHEN five are offered
    started = time.perf_counter()
    taken = [writer.offer(i) for i in range(5)]
    # THEN the caller never waited, the last two are dropped with the reason
    assert time.perf_counter() - started < 0.05
    assert taken == [True, True, True, False, False]
    assert recorder.dropped == [([3], "buffer_full"), ([4], "buffer_full")]
    # AND stopping writes the three it kept
    writer.stop()
    assert recorder.batches == [[0, 1, 2]]


def test_a_full_batch_is_written_without_waiting_for_the_interval() -> None:
    recorder = Recorder()
    writer = batches(recorder, max_batch=2)
    writer.offer(1)
    writer.offer(2)
    assert recorder.written.wait(5)
    assert recorder.batches == [[1, 2]]
    writer.stop()


def test_a_failed_write_is_reported_and_the_next_one_still_happens() -> None:
    # GIVEN a store that fails once
    recorder = Recorder(fail_first=1)
    writer = batches(recorder)
    writer.offer(1)
    writer.flush()
    writer.offer(2)
    writer.stop()
    # THEN the first batch is reported lost, the second written
    assert recorder.dropped == [([1], "write_failed")]
    assert recorder.batches == [[2]]


def test_batches_are_at_most_max_batch_long() -> None:
    recorder = Recorder()
    writer = batches(recorder, capacity=1000, max_batch=400)
    for i in range(900):
        writer.offer(i)
    writer.stop()
    assert [item for batch in recorder.batches for item in batch] == list(range(900))
    assert max(len(batch) for batch in recorder.batches) <= 400


def test_retries_send_only_what_failed_after_a_growing_back_off() -> None:
    # GIVEN a service that refuses the odd items twice, then takes everything
    sent: list[list[int]] = []
    slept: list[float] = []

    def send(items: list[int]) -> list[int]:
        sent.append(items)
        return [i for i in items if i % 2] if len(sent) <= 2 else []

    # WHEN four items are sent
    left = with_retries(send, [1, 2, 3, 4], attempts=4, base_delay=0.1, sleep=slept.append)
    # THEN only the refused ones went again, after jittered back-offs under a doubling bound
    assert left == []
    assert sent == [[1, 2, 3, 4], [1, 3], [1, 3]]
    assert len(slept) == 2 and 0 <= slept[0] <= 0.2 and 0 <= slept[1] <= 0.4


def test_what_never_goes_through_is_returned() -> None:
    left = with_retries(lambda items: items, [1, 2], attempts=3, sleep=lambda _: None)
    assert left == [1, 2]


def test_a_shutdown_does_not_wait_for_a_writer_that_hangs() -> None:
    # GIVEN a writer stuck on its destination with more queued behind it
    release = threading.Event()
    dropped: list[tuple[list[int], str]] = []

    def stuck(batch: list[int]) -> None:
        release.wait(10)

    writer = BackgroundBatches("test", stuck, lambda b, r: dropped.append((b, r)), 100, 1, 60.0)
    writer.offer(1)  # a full batch: the thread takes it and hangs
    time.sleep(0.2)
    writer.offer(2)
    # WHEN it is stopped with a short timeout THEN it returns in time, counting what was left
    started = time.perf_counter()
    writer.stop(timeout=0.3)
    assert time.perf_counter() - started < 2
    assert dropped == [([2], "shutdown")]
    release.set()
