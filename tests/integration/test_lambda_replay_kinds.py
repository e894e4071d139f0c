"""Every model kind through the Lambda entry: the events in events/kinds/ replayed in-process and
in the real emulator against a store serving a regressor, a recommender and an anomaly scorer."""

from pathlib import Path

import pytest

from handlers.cli.replay import RIE_PATH, compare, load_events
from model_build.release.publish import publish
from shared.store.local import LocalStore
from tests.integration.test_lambda_replay import ROOT, run_invoke
from tests.integration.test_model_kinds import TRAINERS

pytestmark = pytest.mark.integration

EVENTS = ROOT / "events" / "kinds"


@pytest.fixture(scope="module")
def kinds_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kinds-lambda")
    for name, train in TRAINERS.items():
        train(root / name)
        publish(root / name, LocalStore(root / "store"), alias="production")
    return root / "store"


@pytest.mark.parametrize("mode", ["in-process", "rie"])
def test_every_kind_answers_its_events(kinds_store: Path, mode: str) -> None:
    if mode == "rie" and not (ROOT / RIE_PATH).exists():
        pytest.fail(f"{RIE_PATH} is missing: run `make rie` (the integration target does)")
    cases = load_events(EVENTS)
    replay = run_invoke(kinds_store, EVENTS, *(["--rie"] if mode == "rie" else []))
    responses = replay.responses()
    problems = {case.name: compare(responses[case.name], case.expected or {}) for case in cases}
    assert {name: found for name, found in problems.items() if found} == {}
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert {"regression", "ranking", "anomaly"} <= {name.split("-")[2] for name in responses}
