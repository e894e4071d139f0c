"""`inferno jobs run` as a first-time user meets it: a real export, the command's exit code, and
the output it leaves (issue 19: items 6 and 8)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.store.local import LocalStore
from tests.support.servers import ROOT

pytestmark = pytest.mark.integration


def jobs_run(store: LocalStore, source: Path, output: Path, *extra: str) -> tuple[int, str]:
    command = [sys.executable, "-m", "handlers.cli.main", "jobs", "run", str(source), str(output)]
    command += ["--model", "sentiment", "--store", str(store.root), "--workers", "1"]
    done = subprocess.run(
        [*command, "--no-progress", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def lines_of(output: Path) -> list[dict[str, Any]]:
    parts = sorted((output / "parts").glob("*.jsonl"))
    return [json.loads(line) for part in parts for line in part.read_text().splitlines()]


def test_a_ticket_export_is_scored_whatever_else_its_columns_hold(
    local_store: LocalStore, tmp_path: Path
) -> None:
    # GIVEN a CSV as a spreadsheet saves it: a byte order mark, and columns besides the text
    export = tmp_path / "tickets.csv"
    rows = "ticket_id,customer,date,text\r\nT-1,acme,2026-12-01,I love it\r\n"
    rows += "T-2,globex,2026-12-02,it broke after a day\r\n"
    export.write_bytes("\ufeff".encode() + rows.encode())
    # WHEN it is scored, keeping the customer
    code, said = jobs_run(
        local_store, export, tmp_path / "out", "--id-field", "ticket_id", "--keep", "customer"
    )
    # THEN every row is predicted, at its id, with the customer carried through
    assert code == 0, said
    lines = lines_of(tmp_path / "out")
    assert [(line["key"], line["fields"]) for line in lines] == [
        ("T-1", {"customer": "acme"}),
        ("T-2", {"customer": "globex"}),
    ]
    assert all("prediction" in line for line in lines)


def test_odd_jsonl_lines_are_error_lines_and_the_rest_is_scored(
    local_store: LocalStore, tmp_path: Path
) -> None:
    # GIVEN JSONL with a line nested 5,000 deep, one holding NaN, and good ones without ids
    source = tmp_path / "in.jsonl"
    deep = "[" * 5000 + "]" * 5000
    good = json.dumps({"text": "lovely"})
    source.write_text("\n".join([good, deep, '{"text": "x", "score": NaN}', good]) + "\n")
    # WHEN it is scored
    code, said = jobs_run(local_store, source, tmp_path / "out")
    # THEN the job goes on: the odd lines are errors, keys are positions (0-based, as position)
    assert code == 0, said
    lines = lines_of(tmp_path / "out")
    assert [line["key"] for line in lines] == [line["position"] for line in lines] == [0, 1, 2, 3]
    assert ["prediction" in line for line in lines] == [True, False, False, True]
    # AND no output line holds what is not JSON
    for part in (tmp_path / "out" / "parts").glob("*.jsonl"):
        assert "NaN" not in part.read_text() and "Infinity" not in part.read_text()


def test_a_job_that_scores_nothing_fails(local_store: LocalStore, tmp_path: Path) -> None:
    # GIVEN an input whose every record fails, and an input that does not exist
    source = tmp_path / "bad.jsonl"
    source.write_text('{"comment": "no text"}\n{"text": ""}\n')
    # WHEN each is run THEN the job is FAILED and the command exits 1, saying why
    code, said = jobs_run(local_store, source, tmp_path / "out-bad")
    assert code == 1 and "every record failed" in said
    code, said = jobs_run(local_store, tmp_path / "missing.jsonl", tmp_path / "out-missing")
    assert code == 1 and "no input object" in said
    summary = json.loads((tmp_path / "out-missing" / "summary.json").read_text())
    assert summary["status"] == "FAILED"


def test_an_output_folder_is_never_mixed_with_another_jobs_or_the_input(
    local_store: LocalStore, tmp_path: Path
) -> None:
    # GIVEN a folder of input and a job already run into an output folder
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "day.jsonl").write_text(json.dumps({"text": "fine"}) + "\n")
    assert jobs_run(local_store, folder, tmp_path / "out")[0] == 0
    # WHEN the output is reused, or put inside the input folder
    reused = jobs_run(local_store, folder, tmp_path / "out")
    inside = jobs_run(local_store, folder, folder / "scored")
    # THEN both are refused (exit 2) before anything is written, saying why
    assert reused[0] == 2 and "already holds a job's results" in reused[1]
    assert inside[0] == 2 and "inside the input folder" in inside[1]
    assert not (folder / "scored").exists()
