"""`inferno retrain MODEL --data FEED`: the daily pipeline (model_build/retrain.py) from
a folder or s3://bucket/prefix of day=NNN/transactions.csv: train, gate against production on
the newest day, publish without moving production, start a shadow rollout."""

import argparse

from shared.settings import get_settings
from shared.store import store_from_option, store_from_uri


def cmd_retrain(args: argparse.Namespace) -> int:
    from model_build.retrain import retrain
    from model_build.trainers import retrainer

    settings = get_settings()
    store = store_from_option(args.store, settings)
    result = retrain(
        store,
        store_from_uri(args.data),
        args.name,
        retrainer(args.name),
        settings,
        window_days=args.window_days,
    )
    print("\n".join(result.gate))
    print(
        f"{args.name}: published {result.candidate.version} (trained on {', '.join(result.days)})"
    )
    if result.rollout is not None:
        rollout = result.rollout
        print(
            f"{args.name}: {rollout.mode} rollout of {rollout.candidate} on {rollout.share:.0%} "
            f"of requests against production {rollout.production}"
        )
    elif args.production_if_none:
        store.set_alias(args.name, "production", result.candidate.version)
        print(f"{args.name}: no production version yet: {result.candidate.version} is production")
    else:
        print(f"{args.name}: no production version yet; serve this one with `inferno alias`")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from model_build.trainers import RETRAINERS

    retrain = sub.add_parser(
        "retrain",
        help="train on a feed's latest days, gate, publish and start a shadow rollout",
    )
    retrain.add_argument("name", choices=sorted(RETRAINERS))
    retrain.add_argument("--data", required=True, help="feed: a folder or s3://bucket/prefix")
    retrain.add_argument("--window-days", type=int, default=2, help="days trained on (2)")
    retrain.add_argument(
        "--production-if-none",
        action="store_true",
        help="a model's first version (nothing to shadow against) becomes production",
    )
    retrain.add_argument(
        "--store", help="store to use: a directory or s3://bucket/prefix (default: from settings)"
    )
    retrain.set_defaults(func=cmd_retrain)
