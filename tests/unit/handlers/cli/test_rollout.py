"""`inferno rollout` against a local store: one running rollout per model, defaults set with
`policy --set` and validated, decided rollouts listed by `history` as JSON lines."""

import json
from pathlib import Path

import pytest

from handlers.cli.main import main
from shared.rollouts.records import read_current
from shared.store.local import LocalStore


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    store = LocalStore(tmp_path / "store")
    for version in ("v1", "v2", "v3"):
        store.write(f"fraud/{version}/manifest.json", b"{}")
    store.set_alias("fraud", "production", "v1")
    return store


def rollout(store: LocalStore, *argv: str) -> int:
    return main(["rollout", *argv, "--store", str(store.root)])


def test_a_second_rollout_is_refused_while_the_first_runs(
    store: LocalStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rollout(store, "start", "fraud", "v2", "--canary", "5%") == 0
    assert "canary rollout of v2 on 5% of requests (production v1)" in capsys.readouterr().out
    assert rollout(store, "start", "fraud", "v3") != 0
    assert "the rollout of v2 is still running" in capsys.readouterr().err
    current = read_current(store, "fraud")
    assert current is not None and (current.candidate, current.share) == ("v2", 0.05)


def test_an_unknown_version_is_refused(
    store: LocalStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rollout(store, "start", "fraud", "v9") != 0
    assert "fraud has no version 'v9'" in capsys.readouterr().err
    assert read_current(store, "fraud") is None


def test_policy_set_is_validated_then_used_by_the_next_start(
    store: LocalStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"mode": "shadow", "share": 3}')
    assert rollout(store, "policy", "fraud", "--set", str(bad)) != 0
    assert "not a rollout policy" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text('{"mode": "canary", "share": 0.2, "policy": {"min_compared": 50}}')
    assert rollout(store, "policy", "fraud", "--set", str(good)) == 0
    assert json.loads(capsys.readouterr().out)["policy"]["min_compared"] == 50
    assert rollout(store, "start", "fraud", "v2") == 0
    current = read_current(store, "fraud")
    assert current is not None
    assert (current.mode, current.share, current.policy.min_compared) == ("canary", 0.2, 50)


def test_history_prints_each_decided_rollout_as_a_json_line(
    store: LocalStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rollout(store, "history", "fraud") == 0
    assert capsys.readouterr().out == ""
    for version, verb in (("v2", "abort"), ("v3", "promote")):
        assert rollout(store, "start", "fraud", version, "--shadow", "10%") == 0
        assert rollout(store, verb, "fraud", "--reason", f"{verb} {version}") == 0
    capsys.readouterr()
    assert rollout(store, "history", "fraud") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    decided = {(line["candidate"], line["state"], line["reason"]) for line in lines}
    assert decided == {("v2", "aborted", "abort v2"), ("v3", "promoted", "promote v3")}
    assert all(line["decided_by"].startswith("inferno rollout ") for line in lines)
    assert store.alias_version("fraud", "production") == "v3"
