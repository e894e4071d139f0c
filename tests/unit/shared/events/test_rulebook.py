"""Rules are re-read like aliases: a change applies without a restart, a bad file is refused
once and the rules held stay, a deleted file removes them."""

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from shared.events.rulebook import RuleBook
from shared.events.rules import rules_key
from shared.store.local import LocalStore

ANGRY = {"name": "angry", "when": {"kind": "classification", "label": "negative"}}
HAPPY = {"name": "happy", "when": {"kind": "classification", "label": "positive"}}


def write(store: LocalStore, document: Any) -> None:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    store.write(rules_key("sentiment"), raw)
    path = store.root / rules_key("sentiment")
    stamp = time.time_ns() + 10**9  # a new mtime even within the file system's granularity
    import os

    os.utime(path, ns=(stamp, stamp))


def names(book: RuleBook) -> list[str]:
    return [rule.name for rule in book.rules_for("sentiment")]


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def test_rules_change_and_go_without_a_restart(store: LocalStore) -> None:
    book = RuleBook(store, lambda: ["sentiment", "risk"], refresh_seconds=0.0)
    book.refresh_if_due()
    assert names(book) == [] and book.rules_for("risk") == ()
    write(store, {"rules": [ANGRY]})
    book.refresh_if_due()
    assert names(book) == ["angry"]
    write(store, {"rules": [ANGRY, HAPPY]})
    book.refresh_if_due()
    assert names(book) == ["angry", "happy"]
    (store.root / rules_key("sentiment")).unlink()
    book.refresh_if_due()
    assert names(book) == []


def test_a_bad_file_is_refused_once_and_the_rules_held_stay(
    store: LocalStore, caplog: pytest.LogCaptureFixture
) -> None:
    write(store, {"rules": [ANGRY]})
    book = RuleBook(store, lambda: ["sentiment"], refresh_seconds=0.0)
    book.refresh_if_due()
    for bad in (b"{not json", {"rules": [{"name": "x", "when": {"kind": "classification"}}]}):
        write(store, bad)
        with caplog.at_level(logging.ERROR):
            caplog.clear()
            for _ in range(3):
                book.refresh_if_due()
        refusals = [r for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == 1  # logged once, not at every refresh
        assert names(book) == ["angry"]
    write(store, {"rules": [HAPPY]})
    book.refresh_if_due()
    assert names(book) == ["happy"]


def test_a_model_seen_for_the_first_time_is_read_before_the_interval(store: LocalStore) -> None:
    write(store, {"rules": [ANGRY]})
    served: list[str] = []
    book = RuleBook(store, lambda: served, refresh_seconds=3600)
    book.refresh_if_due()  # nothing served yet: nothing read, the long interval starts
    served.append("sentiment")  # the model loads
    book.refresh_if_due()
    assert names(book) == ["angry"]


def test_the_thread_picks_up_a_change(store: LocalStore) -> None:
    book = RuleBook(store, lambda: ["sentiment"], refresh_seconds=0.2)
    book.start()
    try:
        write(store, {"rules": [ANGRY]})
        deadline = time.monotonic() + 5
        while names(book) != ["angry"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert names(book) == ["angry"]
    finally:
        book.stop()
