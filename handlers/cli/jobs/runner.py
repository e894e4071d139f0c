"""`inferno jobs run`: the whole job on this machine, batches fanned out over every core.

The same steps as on AWS: start (pin the model version), batch the records as ItemBatcher
does, run each batch through `run_batch` (the Distributed Map child's code) in a worker
process, answer failed batches and write the summary. Workers are spawned, not forked: the
parent may hold threads (boto3, a test's moto server) that a fork would copy mid-lock.
"""

import multiprocessing
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handlers.cli.jobs.batches import batches, item_bytes
from handlers.cli.jobs.progress import Progress
from shared.jobs.batch import run_batch
from shared.jobs.layout import JOB_KEY, PARTS_DIR, SUMMARY_KEY
from shared.jobs.locations import Location, input_objects, open_text, output_store
from shared.jobs.records import Item, as_items, records
from shared.jobs.spec import JobSettings, JobSpec, JobSpecError
from shared.jobs.start import start_job
from shared.jobs.summary import FailedBatch, finish
from shared.settings import get_settings
from shared.store import ModelStore, store_from_uri

OnBatch = Callable[[int], None]
_worker_store: ModelStore | None = None


@dataclass
class _Tally:
    """What the parent knows while batches run."""

    outcomes: list[dict[str, Any]] = field(default_factory=list)
    failed: list[FailedBatch] = field(default_factory=list)
    records: int = 0
    errors: int = 0
    read_bytes: int = 0


def run_job(
    store: ModelStore,
    *,
    input_uri: str,
    output_uri: str,
    model: str,
    fmt: str | None = None,
    settings: JobSettings | None = None,
    workers: int | None = None,
    show_progress: bool = False,
    on_batch: OnBatch | None = None,
) -> dict[str, Any]:
    """Run the job to its end and return its summary (also written to the output); a job
    that cannot start as asked (JobSpecError) writes nothing."""
    refuse_unsound_output(input_uri, output_uri)
    job = start_job(
        store,
        job_id=f"local-{uuid.uuid4().hex[:12]}",
        input_uri=input_uri,
        output_uri=output_uri,
        model=model,
        fmt=fmt,
        settings=settings,
    )
    objects = input_objects(job.input)
    if not objects:
        missing = {"Error": "InputNotFound", "Cause": f"no input object at {job.input}"}
        return finish(job, output_store(job.output), [], [], error=missing)
    progress = Progress(sum(size for _, size in objects)) if show_progress else None
    tally = _Tally()
    events = _events(job, [uri for uri, _ in objects], tally)
    count = workers or os.cpu_count() or 1

    def done(event: dict[str, Any], outcome: dict[str, Any] | BaseException) -> None:
        _record(tally, event, outcome)
        if progress:
            progress.update(tally.records, tally.errors, tally.read_bytes)
        if on_batch:
            on_batch(len(tally.outcomes) + len(tally.failed))

    if count == 1:
        _run_inline(store, events, done)
    else:
        _run_pool(store, events, done, count)
    if progress:
        progress.update(tally.records, tally.errors, tally.read_bytes, final=True)
    return finish(job, output_store(job.output), tally.outcomes, tally.failed)


def refuse_unsound_output(input_uri: str, output_uri: str) -> None:
    """A local output folder must not hold a previous job's results (its parts would be mixed
    into the new summary), nor be, or be inside, the input folder (the job would score its own
    output)."""
    if Location.parse(input_uri).bucket or Location.parse(output_uri).bucket:
        return  # S3: StartJob's business on AWS
    source, target = Path(input_uri).resolve(), Path(output_uri).resolve()
    if source.is_dir() and target.is_relative_to(source):
        raise JobSpecError(f"output {output_uri} is inside the input folder {input_uri}")
    if any((target / name).exists() for name in (SUMMARY_KEY, JOB_KEY, PARTS_DIR)):
        raise JobSpecError(
            f"output {output_uri} already holds a job's results: choose a new folder"
        )


def _events(job: JobSpec, uris: list[str], tally: _Tally) -> Iterator[dict[str, Any]]:
    """Distributed Map child inputs, read lazily: memory holds only the batches in flight."""
    batch_input = {"job": job.model_dump()}

    def items() -> Iterator[Item]:
        position = 0
        for uri in uris:
            with open_text(uri) as handle:
                for item in as_items(records(handle, job.format), position):
                    position += 1
                    tally.read_bytes += item_bytes(item)
                    yield item

    for batch in batches(items(), job.max_items_per_batch, job.max_bytes_per_batch):
        yield {"Items": batch, "BatchInput": batch_input}


def _record(tally: _Tally, event: dict[str, Any], outcome: dict[str, Any] | BaseException) -> None:
    if isinstance(outcome, BaseException):
        error = type(outcome).__name__
        tally.failed.append(FailedBatch(event["Items"], error, str(outcome)))
        tally.records += len(event["Items"])
        tally.errors += len(event["Items"])
        return
    # The per-record results are for Step Functions' ResultWriter: the summary needs only counts.
    tally.outcomes.append({k: v for k, v in outcome.items() if k != "results"})
    tally.records += int(outcome["records"])
    tally.errors += int(outcome["errors"])


def _run_inline(
    store: ModelStore,
    events: Iterator[dict[str, Any]],
    done: Callable[[dict[str, Any], dict[str, Any] | BaseException], None],
) -> None:
    limit = get_settings().max_text_length
    for event in events:
        try:
            done(event, run_batch(event, store, limit))
        except Exception as exc:  # the batch fails, the job goes on (as a failed child would)
            done(event, exc)


def _run_pool(
    store: ModelStore,
    events: Iterator[dict[str, Any]],
    done: Callable[[dict[str, Any], dict[str, Any] | BaseException], None],
    count: int,
) -> None:
    context = multiprocessing.get_context("spawn")
    pending: dict[Future[dict[str, Any]], dict[str, Any]] = {}
    with ProcessPoolExecutor(count, context, _init_worker, (store.describe(),)) as pool:
        for event in events:
            pending[pool.submit(_work, event)] = event
            if len(pending) >= 2 * count:  # bounded: the input is never read far ahead
                _collect(pending, done)
        while pending:
            _collect(pending, done)


def _collect(
    pending: dict[Future[dict[str, Any]], dict[str, Any]],
    done: Callable[[dict[str, Any], dict[str, Any] | BaseException], None],
) -> None:
    finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
    for future in finished:
        event = pending.pop(future)
        error = future.exception()
        done(event, error if error is not None else future.result())


def _init_worker(store_uri: str) -> None:
    global _worker_store
    _worker_store = store_from_uri(store_uri)


def _work(event: dict[str, Any]) -> dict[str, Any]:
    assert _worker_store is not None
    return run_batch(event, _worker_store, get_settings().max_text_length)
