"""`inferno drift MODEL|--all`: the drift report of a served model over a window of captured
traffic (the modules beside this; the reference profile is shared/drift's). Exit codes: 0 report
written (drift or not), 3 drift detected and --fail-on-drift asked, 2 bad input (no reference
profile, no captured data in the window)."""

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from shared.settings import Settings, get_settings

EXIT_BAD_INPUT = 2
EXIT_DRIFT = 3


def cmd_drift(args: argparse.Namespace) -> int:
    from shared.drift.errors import DriftInputError

    settings = get_settings()
    if bool(args.model) == bool(args.all):
        print("inferno drift: name a MODEL or give --all", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        store, names, request = _plan(args, settings)
    except DriftInputError as exc:
        print(f"inferno drift: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    outcomes = [_one(store, name, request, args, settings) for name in names]
    if args.emit_metrics:
        from shared.observability import metrics

        metrics.flush()
    done = [outcome for outcome in outcomes if outcome is not None]
    if not done:
        return EXIT_BAD_INPUT
    drifted = any(outcome["drift"]["detected"] for outcome in done)
    return EXIT_DRIFT if drifted and args.fail_on_drift else 0


def _plan(args: argparse.Namespace, settings: Settings) -> tuple[Any, list[str], Any]:
    from handlers.cli.drift.job import DriftRequest
    from handlers.cli.drift.sources import source_from_uri
    from handlers.cli.drift.window import window
    from shared.store import store_from_option

    store = store_from_option(args.store, settings)
    capture = args.capture or settings.drift_capture_uri or str(settings.capture_dir)
    request = DriftRequest(
        model=args.model or "",
        span=window(args.since, args.until),
        source=source_from_uri(capture),
        version=args.version,
        alias=args.alias,
        all_versions=args.all_versions,
        max_rows=args.max_rows or settings.drift_max_rows,
        drift_share=args.drift_share or settings.drift_share_threshold,
    )
    return store, [args.model] if args.model else store.model_names(), request


def _one(
    store: Any, name: str, request: Any, args: argparse.Namespace, settings: Settings
) -> dict[str, Any] | None:
    """One model's report, written and printed; None (and why, on stderr) when it has none."""
    from dataclasses import replace

    from handlers.cli.drift.job import reference, run_drift
    from handlers.cli.drift.outputs import write_report
    from shared.drift.errors import DriftInputError

    try:
        profile = reference(store, name, args.version, args.alias, settings)
        outcome = run_drift(profile, replace(request, model=name))
    except DriftInputError as exc:
        print(f"inferno drift: {exc}", file=sys.stderr)
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    where = write_report(_destination(args, settings), name, stamp, outcome.html, outcome.summary)
    summary = {**outcome.summary, "files": where}
    print(json.dumps(summary))
    if args.emit_metrics:
        _emit(name, summary)
    return summary


def _destination(args: argparse.Namespace, settings: Settings) -> str:
    from shared.settings import CHECKOUT

    if args.output:
        return str(args.output)
    return settings.drift_reports_uri or str(CHECKOUT / "build" / "drift")


def _emit(model: str, summary: dict[str, Any]) -> None:
    from shared.observability import metric_names, metrics

    metrics.add(metric_names.DRIFT_SCORE, summary["drift"]["share"], model=model)
    metrics.add(metric_names.DRIFT_DETECTED, 1 if summary["drift"]["detected"] else 0, model=model)


def register(sub: Any) -> None:
    drift = sub.add_parser(
        "drift",
        help="compare a window of captured traffic with the model's reference profile "
        "(Evidently HTML report + JSON summary)",
    )
    drift.add_argument("model", nargs="?", help="the model (or --all: every model in the store)")
    drift.add_argument("--all", action="store_true", help="every model in the store")
    drift.add_argument("--since", default="1d", help="window length back from --until (1d, 12h)")
    drift.add_argument("--until", help="window end, ISO 8601 (default: now)")
    drift.add_argument("--capture", help="captured data: DIR or s3://bucket/prefix")
    drift.add_argument("--output", help="reports go to DIR/MODEL/TIME/ or s3://bucket/prefix")
    drift.add_argument("--version", help="the version whose reference to use (default: --alias)")
    drift.add_argument("--alias", default="production")
    drift.add_argument(
        "--all-versions", action="store_true", help="compare every captured version's traffic"
    )
    drift.add_argument("--max-rows", type=int, help="most captured items compared")
    drift.add_argument("--drift-share", type=float, help="drifted share that counts as drift")
    drift.add_argument(
        "--fail-on-drift", action="store_true", help=f"exit {EXIT_DRIFT} when drift is detected"
    )
    drift.add_argument(
        "--emit-metrics", action="store_true", help="write DriftScore/DriftDetected as EMF"
    )
    drift.add_argument("--store", help="store: a directory or s3://bucket/prefix")
    drift.set_defaults(func=cmd_drift)
