"""`inferno events rules` validates before it stores; `inferno events tail` prints the local
file's events (one model's, whole lines only) and, with --follow, what is appended."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handlers.cli.main import main
from shared.events.rules import rules_key
from shared.store.local import LocalStore
from tests.support.servers import ROOT

RULES = {"rules": [{"name": "angry", "when": {"kind": "classification", "label": "negative"}}]}


def test_rules_are_validated_then_stored_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = LocalStore(tmp_path / "store")
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(RULES, indent=1))
    bad.write_text('{"rules": [{"name": "x", "when": {"kind": "regression"}}]}')
    # WHEN a bad file is set THEN it is refused, saying why, and nothing is stored
    assert (
        main(["events", "rules", "sentiment", "--set", str(bad), "--store", str(store.root)]) == 2
    )
    assert "name a min_value" in capsys.readouterr().err
    assert not (store.root / rules_key("sentiment")).exists()
    # WHEN a good one is set THEN it is stored as written and printed back
    assert (
        main(["events", "rules", "sentiment", "--set", str(good), "--store", str(store.root)]) == 0
    )
    assert "escalation rules angry" in capsys.readouterr().out
    assert store.read(rules_key("sentiment")) == good.read_bytes()
    assert main(["events", "rules", "sentiment", "--store", str(store.root)]) == 0
    assert json.loads(capsys.readouterr().out) == RULES
    assert main(["events", "rules", "risk", "--store", str(store.root)]) == 0
    assert "no escalation rules" in capsys.readouterr().err


def test_tail_prints_one_models_whole_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "escalations.jsonl"
    lines = [
        json.dumps({"model": "sentiment", "rule": "angry", "n": 1}),
        json.dumps({"model": "risk", "rule": "high", "n": 2}),
        json.dumps({"model": "sentiment", "rule": "angry", "n": 3}),
    ]
    path.write_text("\n".join(lines) + '\n{"model": "sentiment", "n": 4')  # the last one half
    assert main(["events", "tail", "--file", str(path), "--model", "sentiment"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["n"] for line in printed] == [1, 3]
    assert main(["events", "tail", "--file", str(tmp_path / "none.jsonl")]) == 0
    assert "no events yet" in capsys.readouterr().err


def test_tail_follow_prints_what_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "escalations.jsonl"
    path.write_text(json.dumps({"model": "sentiment", "n": 1}) + "\n")
    command = [sys.executable, "-m", "handlers.cli.main", "events", "tail", "--follow"]
    follower = subprocess.Popen(
        [*command, "--file", str(path)],
        cwd=ROOT,
        env={**os.environ, "EVENTS_QUEUE_URL": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert follower.stdout is not None
        assert json.loads(follower.stdout.readline())["n"] == 1
        time.sleep(0.3)
        with path.open("a") as handle:
            handle.write(json.dumps({"model": "sentiment", "n": 2}) + "\n")
        assert json.loads(follower.stdout.readline())["n"] == 2
    finally:
        follower.terminate()
        follower.wait(10)
        if follower.stdout is not None:
            follower.stdout.close()
