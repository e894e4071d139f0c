"""`inferno jobs run|submit|status`: bulk scoring, locally or on the deployed state machine."""

import argparse
import json
import sys
from typing import Any

from shared.settings import get_settings


def _settings(args: argparse.Namespace) -> Any:
    from shared.jobs.spec import JobSettings

    return JobSettings(
        id_field=args.id_field,
        keep=[name for name in (args.keep or "").split(",") if name],
        max_items_per_batch=args.batch_items,
        max_bytes_per_batch=args.batch_bytes,
        tolerated_failure_percent=args.tolerated_failure_percent,
    )


def cmd_run(args: argparse.Namespace) -> int:
    from handlers.cli.jobs.runner import run_job
    from shared.errors import InfernoError
    from shared.store import store_from_option

    store = store_from_option(args.store)
    try:
        summary = run_job(
            store,
            input_uri=args.input,
            output_uri=args.output,
            model=args.model,
            fmt=args.format,
            settings=_settings(args),
            workers=args.workers,
            show_progress=not args.no_progress,
        )
    except InfernoError as exc:  # the job could not start as asked: say why, write nothing
        print(f"inferno jobs run: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    if summary["status"] != "SUCCEEDED":
        print(f"inferno jobs run: {summary['status']}: {summary.get('error')}", file=sys.stderr)
        return 1
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    import boto3

    from handlers.cli.jobs.sfn import job_request, submit

    arn = args.state_machine or get_settings().jobs_state_machine_arn
    if not arn:
        print("inferno jobs submit: set JOBS_STATE_MACHINE_ARN or --state-machine", file=sys.stderr)
        return 2
    request = job_request(
        args.input, args.output, args.model, args.format, _settings(args), boto3.client("s3")
    )
    print(submit(boto3.client("stepfunctions"), arn, request))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    import boto3

    from handlers.cli.jobs.sfn import status

    print(json.dumps(status(boto3.client("stepfunctions"), args.job_id), indent=2))
    return 0


def _job_arguments(parser: argparse.ArgumentParser) -> None:
    from shared.jobs.spec import MAX_BATCH_BYTES

    parser.add_argument("input", help="JSONL or CSV object, or a folder of them (path or s3://)")
    parser.add_argument("output", help="folder for parts/*.jsonl and summary.json")
    parser.add_argument("--model", required=True, help="NAME, NAME@ALIAS or NAME:VERSION")
    parser.add_argument("--format", choices=["jsonl", "csv"], help="default: from the name")
    parser.add_argument("--id-field", default="id", help="record field used as its key")
    parser.add_argument("--keep", help="comma-separated fields copied to each output line")
    parser.add_argument("--batch-items", type=int, default=1000, help="most records per batch")
    parser.add_argument(
        "--batch-bytes", type=int, default=MAX_BATCH_BYTES, help="most input bytes per batch"
    )
    parser.add_argument(
        "--tolerated-failure-percent",
        type=float,
        default=5.0,
        help="the job fails past this share of failed batches",
    )


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    jobs = sub.add_parser("jobs", help="bulk scoring: run locally, or submit to AWS and follow")
    verbs = jobs.add_subparsers(dest="jobs_command", required=True)

    run = verbs.add_parser("run", help="run a job on this machine, on every core")
    _job_arguments(run)
    run.add_argument("--store", help="model store: a directory or s3://bucket/prefix")
    run.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    run.set_defaults(func=cmd_run)

    submit = verbs.add_parser("submit", help="start the job on the deployed state machine")
    _job_arguments(submit)
    submit.add_argument("--state-machine", help="state machine ARN (JOBS_STATE_MACHINE_ARN)")
    submit.set_defaults(func=cmd_submit)

    status = verbs.add_parser("status", help="progress of a submitted job, and its summary")
    status.add_argument("job_id", help="the execution ARN `jobs submit` printed")
    status.set_defaults(func=cmd_status)
