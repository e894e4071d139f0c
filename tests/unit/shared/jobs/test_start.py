"""Starting a job: the model version is pinned and the job recorded before any batch runs."""

import json
from pathlib import Path

from shared.jobs.layout import JOB_KEY
from shared.jobs.spec import JobSettings
from shared.jobs.start import start_job
from shared.store.local import LocalStore


def test_the_job_is_recorded_with_its_version_pinned(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    for version in ("v1", "v2"):
        store.write(f"fraud/{version}/manifest.json", b"{}")
    store.set_alias("fraud", "production", "v1")
    job = start_job(
        store,
        job_id="j1",
        input_uri=str(tmp_path / "day.csv"),
        output_uri=f"{tmp_path / 'out'}/",
        model="fraud",
        settings=JobSettings(id_field="txn"),
    )
    store.set_alias("fraud", "production", "v2")  # later moves change nothing
    assert (job.model.version, job.requested_model) == ("v1", "fraud@production")
    assert (job.format, job.output, job.id_field) == ("csv", str(tmp_path / "out"), "txn")
    recorded = json.loads((tmp_path / "out" / JOB_KEY).read_text())
    assert recorded == job.model_dump() and recorded["model"]["version"] == "v1"
