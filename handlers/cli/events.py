"""`inferno events tail|rules`: show escalation events; read or set a model's rules.

`tail` reads the local JSONL file (EVENTS_FILE), or, given a queue (--queue-url or
EVENTS_QUEUE_URL: Terraform's example queue), the events EventBridge delivered there. Reading a
queue takes the messages it prints (deletes them): the example queue is a demo consumer, not an
archive. Events print one JSON object per line, as the service wrote them.
"""

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.settings import get_settings
from shared.store import store_from_option

FOLLOW_POLL_SECONDS = 0.5


def _wanted(detail: dict[str, Any], model: str | None) -> bool:
    return model is None or detail.get("model") == model


def cmd_tail(args: argparse.Namespace) -> int:
    settings = get_settings()
    queue = args.queue_url or (None if args.file else settings.events_queue_url)
    if queue:
        return _tail_queue(queue, args.model, args.follow)
    path: Path = args.file or settings.events_file
    if not path.exists() and not args.follow:
        print(f"no events yet: {path} does not exist", file=sys.stderr)
        return 0
    print(f"events: {path}", file=sys.stderr)
    for line in _lines(path, args.follow):
        try:
            detail = json.loads(line)
        except ValueError:
            continue  # a line being written by another process; read whole next time
        if _wanted(detail, args.model):
            print(line, flush=True)
    return 0


def _lines(path: Path, follow: bool) -> Iterator[str]:
    """Whole lines of the file; with `follow`, then every line appended, until interrupted."""
    position = 0
    while True:
        if path.exists():
            with path.open("rb") as handle:
                handle.seek(position)
                data = handle.read()
            end = data.rfind(b"\n") + 1  # a half-written last line waits for its end
            position += end
            yield from data[:end].decode("utf-8", errors="replace").splitlines()
        if not follow:
            return
        time.sleep(FOLLOW_POLL_SECONDS)


def _tail_queue(queue_url: str, model: str | None, follow: bool) -> int:
    import boto3

    sqs: Any = boto3.client("sqs")
    print(f"events: {queue_url} (each message shown is taken off the queue)", file=sys.stderr)
    while True:
        received = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=20 if follow else 1
        ).get("Messages", [])
        for message in received:
            detail = json.loads(message["Body"]).get("detail", {})
            if _wanted(detail, model):
                print(json.dumps(detail, ensure_ascii=False, separators=(",", ":")), flush=True)
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:  # another model's: back on the queue at once for its own reader
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        if not received and not follow:
            return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from shared.errors import StoreKeyNotFound
    from shared.events.rules import RuleSet, rules_key

    store = store_from_option(args.store)
    key = rules_key(args.model)
    if args.set is None:
        try:
            print(store.read(key).decode("utf-8"))
        except StoreKeyNotFound:
            print(f"{args.model}: no escalation rules in {store.describe()}", file=sys.stderr)
        return 0
    data = args.set.read_bytes()
    try:
        rules = RuleSet.model_validate_json(data)
    except ValidationError as exc:
        print(f"inferno events rules: {args.set} is not a valid rules file:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    store.write(key, data)  # as written: the service validates it again when it reads it
    names = ", ".join(rule.name for rule in rules.rules) or "none"
    print(f"{args.model}: escalation rules {names} in {store.describe()}")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    events = sub.add_parser("events", help="escalation events: show them, set a model's rules")
    commands = events.add_subparsers(dest="events_command", required=True)

    tail = commands.add_parser("tail", help="print escalation events, one JSON object a line")
    tail.add_argument("--follow", "-f", action="store_true", help="keep printing new ones")
    tail.add_argument("--model", help="only this model's events")
    tail.add_argument("--file", type=Path, help="the JSONL file (default: EVENTS_FILE)")
    tail.add_argument(
        "--queue-url", help="read (and take) events from this SQS queue (default: EVENTS_QUEUE_URL)"
    )
    tail.set_defaults(func=cmd_tail)

    rules = commands.add_parser(
        "rules", help="print a model's escalation rules, or --set them from a JSON file"
    )
    rules.add_argument("model")
    rules.add_argument("--set", type=Path, help="validate this rules file and store it")
    rules.add_argument("--store", help="a directory or s3://bucket/prefix (default: from settings)")
    rules.set_defaults(func=cmd_rules)
