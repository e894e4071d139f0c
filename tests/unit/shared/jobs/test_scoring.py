"""One batch and one local job over a local store: the Distributed Map child's code, the runner."""

import json
from pathlib import Path
from typing import Any

import pytest

from handlers import batch_job
from handlers.cli.jobs import runner
from handlers.cli.replay import LocalLambdaContext
from shared.jobs import batch as batch_module
from shared.jobs.layout import SUMMARY_KEY
from shared.jobs.spec import JobSettings
from shared.jobs.start import start_job
from shared.store.local import LocalStore
from tests.support.fragile import raise_on_poison


def _event(job: dict[str, Any], records: list[Any], first: int = 0) -> dict[str, Any]:
    items = [{"position": first + i, "record": r} for i, r in enumerate(records)]
    return {"Items": items, "BatchInput": {"job": job}}


def _lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for p in sorted(out.glob("parts/*.jsonl")) for line in p.open()]


def test_a_batch_answers_every_record_once_and_writes_its_part(
    local_store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a started job and a child batch with good and bad records
    job = start_job(
        local_store,
        job_id="j1",
        input_uri="in.jsonl",
        output_uri=str(tmp_path / "out"),
        model="sentiment",
        settings=JobSettings(keep=["customer"]),
    )
    records = [
        {"id": "a", "text": "I love it", "customer": 1},
        {"text": "Awful, broken, useless", "customer": 2},
        {"id": "c", "text": ""},
        {"id": "d", "text": "ok", "extra": True},
        7,
    ]
    monkeypatch.setattr(batch_job, "model_store", lambda: local_store)
    # WHEN the batch Lambda entry scores it
    outcome = batch_job.handler(_event(job.model_dump(), records, first=40), LocalLambdaContext())
    # THEN the return value has each record's key with its label or error, and the counts
    # (a field the model does not know, "extra", is no error: the model takes what it knows)
    assert [r["key"] for r in outcome["results"]] == ["a", 41, "c", "d", 44]
    assert ["label" in r for r in outcome["results"]] == [True, True, False, True, False]
    assert outcome["records"] == 5 and outcome["errors"] == 2
    assert sum(outcome["labels"].values()) == 3 and outcome["model_version"] == job.model.version
    # AND the part, keyed by the batch's first position, holds the full answers and kept fields
    assert outcome["part"] == "parts/part-000000000040.jsonl"
    lines = _lines(tmp_path / "out")
    assert [line["position"] for line in lines] == [40, 41, 42, 43, 44]
    assert lines[0]["fields"] == {"customer": 1} and lines[2]["fields"] == {"customer": None}
    assert set(lines[0]["prediction"]) == {"label", "confidence", "probabilities"}
    assert [(e["loc"], e["msg"]) for e in lines[2]["error"]] == [
        (["body", "text"], "text must not be empty or whitespace only")
    ]


def test_a_record_that_breaks_the_model_fails_alone(
    local_store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a model that raises on one particular text
    job = start_job(
        local_store, job_id="j", input_uri="i", output_uri=str(tmp_path), model="sentiment"
    )
    from shared.jobs import models

    raise_on_poison(models.load(local_store, job.model), monkeypatch)
    # WHEN a batch holds it among good records
    event = _event(job.model_dump(), [{"text": "fine"}, {"text": "poison"}, {"text": "great"}])
    outcome = batch_module.run_batch(event, local_store, 5000)
    # THEN only that record is an error; its neighbours are predicted
    assert ["label" in r for r in outcome["results"]] == [True, False, True]
    assert "prediction failed: RuntimeError: cannot" in json.dumps(outcome["results"][1])


def _write_input(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    texts = ["Love it", "Hate it", "", "It is a phone"]
    for name, start in (("b.jsonl", count // 2), ("a.jsonl", 0)):  # read in name order
        with (folder / name).open("w") as handle:
            for i in range(start, start + count // 2):
                handle.write(json.dumps({"id": f"r{i}", "text": texts[i % 4]}) + "\n")


def test_the_local_runner_answers_every_record_once_over_a_folder(
    local_store: LocalStore, tmp_path: Path
) -> None:
    # GIVEN a folder of two JSONL files
    _write_input(tmp_path / "in", 200)
    # WHEN run locally in one process with small batches
    summary = runner.run_job(
        local_store,
        input_uri=str(tmp_path / "in"),
        output_uri=str(tmp_path / "out"),
        model="sentiment@production",
        settings=JobSettings(max_items_per_batch=30),
        workers=1,
    )
    # THEN each record appears once, in input order across files, with its key
    lines = _lines(tmp_path / "out")
    assert [line["key"] for line in lines] == [f"r{i}" for i in range(200)]
    assert [line["position"] for line in lines] == list(range(200))
    # AND the summary adds up and is the one written last
    assert summary["status"] == "SUCCEEDED" and summary["records"] == 200
    assert summary["errors"] == 50 and summary["predicted"] + summary["errors"] == 200
    assert sum(summary["labels"].values()) == summary["predicted"]
    assert summary["batches"]["total"] == 7 and summary["batch_model_versions"] == [
        summary["model"]["version"]
    ]
    assert json.loads((tmp_path / "out" / SUMMARY_KEY).read_text()) == summary


@pytest.mark.parametrize(("tolerated", "status"), [(50.0, "SUCCEEDED"), (10.0, "FAILED")])
def test_a_failed_batch_is_answered_with_errors_and_counts_against_the_tolerance(
    local_store: LocalStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tolerated: float,
    status: str,
) -> None:
    # GIVEN a job of 4 batches in which the child of the second one fails
    _write_input(tmp_path / "in", 40)
    real = batch_module.run_batch

    def flaky(event: dict[str, Any], *args: Any) -> dict[str, Any]:
        if event["Items"][0]["position"] == 10:
            raise TimeoutError("Task timed out after 300 seconds")
        return real(event, *args)

    monkeypatch.setattr("handlers.cli.jobs.runner.run_batch", flaky)
    settings = JobSettings(max_items_per_batch=10, tolerated_failure_percent=tolerated)
    # WHEN run
    summary = runner.run_job(
        local_store,
        input_uri=str(tmp_path / "in"),
        output_uri=str(tmp_path / "out"),
        model="sentiment",
        settings=settings,
        workers=1,
    )
    # THEN its records still appear once each, as errors naming the failure
    lines = _lines(tmp_path / "out")
    assert [line["position"] for line in lines] == list(range(40))
    failed = [line for line in lines if 10 <= line["position"] < 20]
    assert all("batch failed: TimeoutError" in line["error"][0]["msg"] for line in failed)
    # AND the job fails only when 1 failed batch in 4 (25 %) is beyond the tolerated share
    assert summary["status"] == status
    assert summary["failed_batch_records"] == 10 and summary["batches"]["failed"] == 1
