"""The progress line in a log (not a terminal): plain lines at most every `every` seconds, the
share of input read never 100% before the end, the final line always written."""

import io

from handlers.cli.jobs.progress import Progress


def test_a_log_gets_plain_lines_and_the_final_one_says_done() -> None:
    log = io.StringIO()
    progress = Progress(total_bytes=1000, stream=log, every=0.0)
    progress.update(records=10, errors=1, read_bytes=250)
    progress.update(records=40, errors=2, read_bytes=1000)
    progress.update(records=40, errors=2, read_bytes=1000, final=True)
    lines = log.getvalue().split("\n")
    assert lines[-1] == "" and "\r" not in log.getvalue()
    first, before_end, final = lines[:3]
    assert first.startswith("[" + "#" * 7 + "." * 23 + "]") and " 25.0%" in first
    assert "10 records (1 errors)" in first
    assert " 99.9%" in before_end and "100.0%" in final and "40 records (2 errors)" in final


def test_updates_within_the_interval_are_skipped_but_not_the_final_one() -> None:
    log = io.StringIO()
    progress = Progress(total_bytes=0, stream=log, every=3600.0)
    progress.update(records=1, errors=0, read_bytes=0)  # the first is due: nothing shown yet
    progress.update(records=2, errors=0, read_bytes=0)
    progress.update(records=3, errors=0, read_bytes=0, final=True)
    shown = [line.split("%  ")[1] for line in log.getvalue().splitlines()]
    assert [s.split("  ")[0] for s in shown] == ["1 records (0 errors)", "3 records (0 errors)"]
