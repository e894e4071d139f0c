"""`inferno keys create|list|revoke|rotate|usage`: client keys in the store, usage from the
quota store (the table, or a local store's quota file). A new key is printed once, alone on
stdout; everything else goes to stderr."""

import argparse
import json
import sys
from datetime import timedelta

from shared.settings import get_settings
from shared.store import store_from_option


def _models(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def cmd_create(args: argparse.Namespace) -> int:
    from handlers.cli import keys_admin
    from shared.auth.keys import ClientRecord

    limits = {
        field: getattr(args, field)
        for field in ("rate", "burst", "item_rate", "item_burst", "daily_quota")
        if getattr(args, field) is not None
    }
    models = _models(args.models)
    if args.models is not None and not models:  # an empty list would mean every model
        print(
            f"inferno keys create: --models {args.models!r} names no model: name at least one "
            "(--models sentiment,risk), or leave --models out to allow every model",
            file=sys.stderr,
        )
        return 2
    client = ClientRecord(name=args.client, models=models, **limits)
    print(keys_admin.create(store_from_option(args.store), client))
    print(f"created client {client.name!r}; the key above is shown only once", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from handlers.cli import keys_admin

    print(json.dumps(keys_admin.listing(store_from_option(args.store)), indent=2, default=str))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from handlers.cli import keys_admin

    revoked = keys_admin.revoke(store_from_option(args.store), args.client, args.key_id)
    print(json.dumps({"client": args.client, "revoked": revoked}))
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    from handlers.cli import keys_admin

    print(
        keys_admin.rotate(
            store_from_option(args.store), args.client, timedelta(seconds=args.grace_seconds)
        )
    )
    print(f"old keys of {args.client!r} expire in {args.grace_seconds:g} s", file=sys.stderr)
    return 0


def cmd_usage(args: argparse.Namespace) -> int:
    from shared.auth.quota_factory import quota_store_for

    settings = get_settings()
    if args.table:
        settings = settings.model_copy(update={"quota_table_name": args.table})
    quotas = quota_store_for(settings, store_from_option(args.store))
    if quotas is None:
        print(
            "inferno keys usage: an S3 store keeps no usage: set --table or QUOTA_TABLE_NAME "
            "(or QUOTA_DB_PATH)",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(quotas.usage(args.client, args.days), indent=2))
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = sub.add_parser("keys", help="client keys: create, list, revoke, rotate; usage")
    verbs = keys.add_subparsers(dest="keys_command", required=True)
    store_help = "store holding the keys (the model store): a directory or s3://bucket/prefix"

    create = verbs.add_parser("create", help="a new client and its key (printed once)")
    create.add_argument("--client", required=True, help="client name: a log field and metric")
    create.add_argument("--models", help="comma-separated models it may use (default: all)")
    create.add_argument("--rate", type=float, help="requests per second, per process (10)")
    create.add_argument("--burst", type=int, help="requests in any one second (20)")
    create.add_argument("--item-rate", type=float, help="items per second, per process (100)")
    create.add_argument("--item-burst", type=int, help="items in any one second (256)")
    create.add_argument("--daily-quota", type=int, help="items per UTC day, fleet-wide")
    create.set_defaults(func=cmd_create)

    listing = verbs.add_parser("list", help="clients and their key ids; never a secret")
    listing.set_defaults(func=cmd_list)

    revoke = verbs.add_parser("revoke", help="revoke a client's keys (or one of them)")
    revoke.add_argument("--client", required=True)
    revoke.add_argument("--key-id", help="only this key (see `keys list`)")
    revoke.set_defaults(func=cmd_revoke)

    rotate = verbs.add_parser("rotate", help="a new key; old ones stay valid for a grace period")
    rotate.add_argument("--client", required=True)
    rotate.add_argument("--grace-seconds", type=float, default=86400.0)
    rotate.set_defaults(func=cmd_rotate)

    usage = verbs.add_parser("usage", help="requests and items per client per UTC day")
    usage.add_argument("--client")
    usage.add_argument("--days", type=int, default=7)
    usage.add_argument(
        "--table", help="quota table (default: QUOTA_TABLE_NAME, else the store's quota file)"
    )
    usage.set_defaults(func=cmd_usage)
    for verb in (create, listing, revoke, rotate, usage):
        verb.add_argument("--store", help=store_help)
