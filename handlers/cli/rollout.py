"""`inferno rollout start|status|judge|promote|abort|history|policy`: release a version on live
traffic before it replaces production (shared/rollouts, guide model_build/RELEASE_DAILY.md).

`judge` applies the policy as the scheduled function does on AWS; on a laptop it reads the
running service's own counts (each worker writes them to the store), with --cloudwatch it reads
CloudWatch's.
"""

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from shared.errors import InfernoError
from shared.rollouts.decision import Decision, decide
from shared.rollouts.defaults import RolloutDefaults, read_defaults, write_defaults
from shared.rollouts.judge import PRODUCTION_ALIAS, FiguresSource, conclude, judge
from shared.rollouts.plan import Mode, Policy, Rollout, parse_share, start
from shared.rollouts.records import read_current, read_figures, read_history, write_current
from shared.rollouts.tally import Figures
from shared.settings import get_settings
from shared.store import ModelStore, store_from_option

BAR_WIDTH = 30


class RolloutCommandError(InfernoError):
    status_code = 400


def _running(store: ModelStore, name: str) -> Rollout:
    rollout = read_current(store, name)
    if rollout is None or not rollout.running:
        raise RolloutCommandError(f"{name} has no running rollout")
    return rollout


def _figures_source(args: argparse.Namespace, store: ModelStore) -> FiguresSource:
    if getattr(args, "cloudwatch", False):
        from shared.rollouts.cloudwatch import CloudWatchFigures

        return CloudWatchFigures.from_environment()
    return lambda rollout: read_figures(store, rollout)


def cmd_start(args: argparse.Namespace) -> int:
    store = store_from_option(args.store)
    running = read_current(store, args.name)
    if running is not None and running.running:
        raise RolloutCommandError(
            f"{args.name}: the rollout of {running.candidate} is still running; "
            f"promote or abort it first"
        )
    if args.version not in store.versions(args.name):
        raise RolloutCommandError(f"{args.name} has no version {args.version!r}")
    defaults = read_defaults(store, args.name)
    production = store.alias_version(args.name, PRODUCTION_ALIAS)
    try:  # a bad share, policy file or version: one line, not a traceback
        policy = Policy.model_validate_json(args.policy.read_text()) if args.policy else None
        mode, share = _mode_and_share(args, defaults)
        rollout = start(args.name, args.version, production, mode, share, policy or defaults.policy)
    except ValueError as exc:
        raise RolloutCommandError(f"{args.name}: {exc}") from exc
    write_current(store, rollout)
    print(
        f"{args.name}: {rollout.mode} rollout of {args.version} on {share:.0%} of requests "
        f"(production {production}); every serving worker follows it within "
        f"{get_settings().rollout_refresh_seconds:g} s"
    )
    return 0


def _mode_and_share(args: argparse.Namespace, defaults: RolloutDefaults) -> tuple[Mode, float]:
    """--canary or --shadow with a share, else the model's own defaults."""
    if args.canary:
        return "canary", parse_share(args.canary)
    if args.shadow:
        return "shadow", parse_share(args.shadow)
    return defaults.mode, defaults.share


def cmd_status(args: argparse.Namespace) -> int:
    store = store_from_option(args.store)
    figures_of = _figures_source(args, store)
    while True:
        rollout = read_current(store, args.name)
        if rollout is None:
            print(f"{args.name}: no rollout")
            return 0
        figures = figures_of(rollout) if rollout.running else Figures()
        decision = decide(rollout, figures, datetime.now(UTC)) if rollout.running else None
        _show(rollout, figures, decision, live=args.watch)
        if not args.watch or not rollout.running:
            return 0
        time.sleep(args.interval)


def cmd_judge(args: argparse.Namespace) -> int:
    store = store_from_option(args.store)
    figures_of = _figures_source(args, store)
    while True:
        judged = judge(store, args.name, figures_of, datetime.now(UTC))
        if judged is None:
            print(f"{args.name}: no running rollout")
            return 0
        _, decision = judged
        print(f"{args.name}: {decision.verdict}: {decision.reason}", flush=True)
        if decision.verdict != "wait" or not args.watch:
            return 0 if decision.verdict != "abort" else 3
        time.sleep(args.interval)


def cmd_promote(args: argparse.Namespace) -> int:
    return _close(args, "promote")


def cmd_abort(args: argparse.Namespace) -> int:
    return _close(args, "abort")


def _close(args: argparse.Namespace, verdict: str) -> int:
    store = store_from_option(args.store)
    rollout = _running(store, args.name)
    figures = _figures_source(args, store)(rollout)
    reason = args.reason or f"{verdict} by an operator"
    decision = Decision("promote" if verdict == "promote" else "abort", reason, figures.summary())
    conclude(
        store, rollout, decision, decided_by="inferno rollout " + verdict, now=datetime.now(UTC)
    )
    after = "production now serves" if verdict == "promote" else "production stays on"
    version = rollout.candidate if verdict == "promote" else rollout.production
    done = "promoted" if verdict == "promote" else "aborted"
    print(f"{args.name}: rollout of {rollout.candidate} {done}; {after} {version}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    for decided in read_history(store_from_option(args.store), args.name):
        rollout = decided.rollout
        print(
            json.dumps(
                {
                    "candidate": rollout.candidate,
                    "production": rollout.production,
                    "mode": rollout.mode,
                    "share": rollout.share,
                    "started_at": rollout.started_at.isoformat(),
                    "decided_at": rollout.decided_at.isoformat() if rollout.decided_at else None,
                    "state": rollout.state,
                    "reason": rollout.reason,
                    "decided_by": decided.decided_by,
                    "figures": decided.figures,
                }
            )
        )
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    store = store_from_option(args.store)
    if args.set:
        try:
            defaults = RolloutDefaults.model_validate_json(args.set.read_text())
        except ValueError as exc:
            raise RolloutCommandError(f"{args.set}: not a rollout policy: {exc}") from exc
        write_defaults(store, args.name, defaults)
    print(read_defaults(store, args.name).model_dump_json(indent=2))
    return 0


def _show(rollout: Rollout, figures: Figures, decision: Decision | None, live: bool) -> None:
    policy = rollout.policy
    lines = [
        f"{rollout.model}: {rollout.mode} {rollout.share:.0%} of requests, candidate "
        f"{rollout.candidate} against production {rollout.production}, {rollout.state}",
    ]
    if rollout.running:
        done = min(1.0, figures.compared / policy.min_compared)
        bar = "#" * int(done * BAR_WIDTH) + "-" * (BAR_WIDTH - int(done * BAR_WIDTH))
        lines += [
            f"  [{bar}] {figures.compared}/{policy.min_compared} compared",
            f"  agreement {_percent(figures.agreement)} (needs {policy.min_agreement:.1%}), "
            f"confidence gap {_number(figures.confidence_gap)}",
            f"  model time {_number(figures.latency_ratio)}x production (at most "
            f"{policy.max_latency_ratio:g}x), candidate errors {figures.candidate.errors} of "
            f"{figures.candidate.calls} calls (at most {policy.max_error_rate:.1%}), dropped "
            f"{figures.shadow_dropped}",
            f"  deadline {rollout.deadline.isoformat()}",
        ]
        if decision is not None:
            lines.append(f"  policy says: {decision.verdict}: {decision.reason}")
    else:
        lines.append(f"  decided {rollout.decided_at}: {rollout.reason}")
    print("\n".join(lines), flush=True)
    if live and sys.stdout.isatty():
        print()


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    store_help = "store to use: a directory or s3://bucket/prefix (default: from settings)"
    rollout = sub.add_parser(
        "rollout", help="shadow or canary a version on live traffic; promote or abort it"
    )
    verbs = rollout.add_subparsers(dest="verb", required=True)

    begin = verbs.add_parser("start", help="start a rollout of VERSION")
    begin.add_argument("name")
    begin.add_argument("version")
    mode = begin.add_mutually_exclusive_group()
    mode.add_argument("--shadow", metavar="SHARE", help="compare SHARE of requests, e.g. 10%%")
    mode.add_argument("--canary", metavar="SHARE", help="answer SHARE of callers, e.g. 5%%")
    begin.add_argument("--policy", type=Path, help="a JSON policy (default: the model's own)")
    begin.add_argument("--store", help=store_help)
    begin.set_defaults(func=cmd_start)

    for verb, func, what in (
        ("status", cmd_status, "figures so far and what the policy says"),
        ("judge", cmd_judge, "apply the policy: promote, abort or wait"),
        ("promote", cmd_promote, "move production to the candidate now"),
        ("abort", cmd_abort, "stop the rollout; production stays"),
        ("history", cmd_history, "every decided rollout with its figures (JSON lines)"),
        ("policy", cmd_policy, "show or --set the model's rollout defaults"),
    ):
        parser = verbs.add_parser(verb, help=what)
        parser.add_argument("name")
        if verb in ("status", "judge"):
            parser.add_argument("--watch", action="store_true", help="repeat until decided")
            parser.add_argument("--interval", type=float, default=5.0, help="seconds (5)")
        if verb in ("status", "judge", "promote", "abort"):
            parser.add_argument(
                "--cloudwatch", action="store_true", help="figures from CloudWatch (AWS)"
            )
        if verb in ("promote", "abort"):
            parser.add_argument("--reason", help="kept in the history")
        if verb == "policy":
            parser.add_argument("--set", type=Path, help="a JSON file: mode, share, policy")
        parser.add_argument("--store", help=store_help)
        parser.set_defaults(func=func)
