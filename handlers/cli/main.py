"""`inferno`: the one command line for people. Make targets call it."""

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from model_build.trainers import DEFAULT_MODEL, TRAINERS
from shared.settings import get_settings
from shared.store import store_from_option

Command = Callable[[argparse.Namespace], int]


def cmd_train(args: argparse.Namespace) -> int:
    # Training lives in model_build; imported here only so serving never loads training code.
    from model_build.trainers import compare_sentiment, train_model

    if args.compare:
        table = compare_sentiment(args.output, max_rows=args.max_rows)
        print(json.dumps({"chosen": table["chosen"], "table": str(args.output / "compare.md")}))
        return 0
    manifest = train_model(
        args.model,
        args.output,
        max_rows=args.max_rows,
        candidate=args.candidate,
        leave_one_out=args.leave_one_out,
    )
    print(
        json.dumps(
            {
                "name": manifest.name,
                "version": manifest.version,
                "output": str(args.output),
                "metrics": {k: manifest.metrics.get(k) for k in ("macro_f1", "accuracy")},
            }
        )
    )
    if args.publish:
        from model_build.release.publish import publish

        store = store_from_option(args.store)
        publish(args.output, store, alias=args.alias)
        where = f"{store.describe()} as {args.alias}"
        print(f"published {manifest.name}/{manifest.version} to {where}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from model_build.release.publish import publish

    store = store_from_option(args.store)
    manifest = publish(args.directory, store, alias=None if args.no_alias else args.alias)
    moved = "" if args.no_alias else f", alias {args.alias} -> {manifest.version}"
    print(f"published {manifest.name}/{manifest.version} to {store.describe()}{moved}")
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    from model_build.release.artifacts import read_manifest
    from model_build.release.gate import check_against_alias

    lines = check_against_alias(
        read_manifest(args.directory), store_from_option(args.store), args.alias, args.tolerance
    )
    print("\n".join(lines))
    return 0


def cmd_alias(args: argparse.Namespace) -> int:
    if args.url and not args.wait:
        print("inferno alias: --url is where --wait looks; add --wait", file=sys.stderr)
        return 2
    store = store_from_option(args.store)
    store.set_alias(args.name, args.alias, args.version)
    print(f"{args.name}: alias {args.alias} -> {args.version} in {store.describe()}")
    if not args.wait:
        return 0
    from handlers.cli.alias_wait import KEY_ENV, wait_for_version

    url = args.url or f"http://{get_settings().host}:{get_settings().port}"
    print(f"waiting up to {args.timeout:g} s for {url} to serve it", file=sys.stderr)
    problem = wait_for_version(
        url, args.name, args.version, args.timeout, os.environ.get(KEY_ENV) or None
    )
    if problem:
        print(f"inferno alias: {problem}", file=sys.stderr)
        return 1
    print(f"{args.name}: {url} serves {args.version}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    store = store_from_option(args.store)
    listing = {
        name: {"versions": store.versions(name), "aliases": store.aliases(name)}
        for name in store.model_names()
    }
    # Where it looked, on stderr: stdout stays the JSON listing.
    print(f"store: {store.describe()}", file=sys.stderr)
    if not listing:
        print("no models there yet: `inferno train --publish` makes one", file=sys.stderr)
    print(json.dumps(listing, indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from handlers.server.launcher import main as launch

    settings = get_settings()
    if not settings.model_bucket_name and not args.no_train:
        from model_build.bootstrap import ensure_default_model

        ensure_default_model(settings)
    # On a laptop the server opens once the models are loaded: the first request is answered.
    os.environ.setdefault("LOAD_MODELS_BEFORE_SERVING", "true")
    get_settings.cache_clear()
    # The image's launcher with laptop defaults. One worker unless asked: a model copy per CPU
    # there would only cost memory and start-up time, and one process keeps logs and debugging
    # simple. The image scales. The launcher tells the health port (HEALTH_PORT) the host.
    launch(serve_argv(args.host or settings.host, args.port or settings.port))
    return 0


def serve_argv(host: str, port: int) -> list[str]:
    """The launcher's command line for `inferno serve` (uvicorn's options, as in the image)."""
    from handlers.server.cpu_budget import requested_workers

    workers = requested_workers(os.environ) or 1
    app = ["handlers.http.app:app", "--host", host, "--port", str(port), "--no-access-log"]
    return [*app, "--workers", str(workers)]


def cmd_smoke(args: argparse.Namespace) -> int:
    from handlers.cli.smoke import main as smoke

    return smoke([args.url, "--wait", str(args.wait)])


def cmd_invoke(args: argparse.Namespace) -> int:
    from handlers.cli.replay import invoke_command

    return invoke_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inferno", description="Inferno MLaaS: train, publish and serve models."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    store_help = "store to use: a directory or s3://bucket/prefix (default: from settings)"

    train = sub.add_parser(
        "train", help="train a model and write its directory with an evaluation report"
    )
    train.add_argument("--model", default=DEFAULT_MODEL, choices=list(TRAINERS))
    train.add_argument("--output", type=Path, default=Path("build/model"))
    train.add_argument(
        "--max-rows", type=int, default=None, help="train on a stratified subset (quick runs)"
    )
    train.add_argument(
        "--candidate", help="sentiment: train this candidate pipeline instead of the default"
    )
    train.add_argument(
        "--leave-one-out",
        action="store_true",
        help="sentiment: also refit without each domain and score it (about 6 more fits)",
    )
    train.add_argument(
        "--compare",
        action="store_true",
        help="sentiment: train and measure every candidate into --output (slow)",
    )
    train.add_argument("--publish", action="store_true", help="publish to the store when done")
    train.add_argument("--alias", default="production")
    train.add_argument("--store", help=store_help)
    train.set_defaults(func=cmd_train)

    publish = sub.add_parser(
        "publish", help="copy a model directory into a store and move an alias"
    )
    publish.add_argument("directory", type=Path)
    publish.add_argument("--alias", default="production")
    publish.add_argument("--no-alias", action="store_true", help="publish without moving any alias")
    publish.add_argument("--store", help=store_help)
    publish.set_defaults(func=cmd_publish)

    gate = sub.add_parser(
        "gate",
        help="refuse (exit 1) a model directory that loses more than --tolerance on any "
        "domain's metric against the version an alias serves",
    )
    gate.add_argument("directory", type=Path)
    gate.add_argument("--alias", default="production")
    gate.add_argument("--tolerance", type=float, default=0.01)
    gate.add_argument("--store", help=store_help)
    gate.set_defaults(func=cmd_gate)

    alias = sub.add_parser("alias", help="point an alias at a version (e.g. roll back)")
    alias.add_argument("name")
    alias.add_argument("alias")
    alias.add_argument("version")
    alias.add_argument("--store", help=store_help)
    alias.add_argument(
        "--wait",
        action="store_true",
        help="then wait until the service at --url serves VERSION (GET /models/NAME); "
        "a key for it comes from INFERNO_API_KEY",
    )
    alias.add_argument(
        "--url", help="the running service (default http://$HOST:$PORT, 127.0.0.1:8000)"
    )
    alias.add_argument(
        "--timeout", type=float, default=120, help="seconds --wait waits (default 120)"
    )
    alias.set_defaults(func=cmd_alias)

    models = sub.add_parser("models", help="list models, versions and aliases in a store")
    models.add_argument("--store", help=store_help)
    models.set_defaults(func=cmd_models)

    serve = sub.add_parser(
        "serve", help="serve the API with uvicorn (trains the default model on first use)"
    )
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-train", action="store_true")
    serve.set_defaults(func=cmd_serve)

    invoke = sub.add_parser("invoke", help="replay a sample event through the Lambda handler")
    invoke.add_argument("event", type=Path)
    invoke.add_argument(
        "--rie", action="store_true", help="through the AWS Lambda Runtime Interface Emulator"
    )
    invoke.set_defaults(func=cmd_invoke)

    smoke = sub.add_parser("smoke", help="smoke-test a running service (what CI and CD run)")
    smoke.add_argument("url", help="base URL, e.g. http://127.0.0.1:8000")
    smoke.add_argument("--wait", type=float, default=120, help="seconds to wait for /ready")
    smoke.set_defaults(func=cmd_smoke)
    from handlers.cli.jobs import register as register_jobs  # bulk jobs: their own module

    register_jobs(sub)
    from handlers.cli.keys import register as register_keys  # client keys: their own module

    register_keys(sub)
    from handlers.cli.package import register as register_package  # bring your own model

    register_package(sub)
    from handlers.cli.events import register as register_events  # escalation events

    register_events(sub)
    from handlers.cli.drift import register as register_drift  # drift reports

    register_drift(sub)
    from handlers.cli.rollout import register as register_rollout  # rollouts and their judge

    register_rollout(sub)
    from handlers.cli.retrain import register as register_retrain  # the daily pipeline

    register_retrain(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except Exception as exc:  # a CLI prints one line, not a traceback, for expected failures
        from shared.errors import InfernoError

        if not isinstance(exc, InfernoError | FileNotFoundError):
            raise
        print(f"inferno {args.command}: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
