"""The DynamoDB table counting daily quotas and usage for the whole fleet.

One item per client and UTC day: `leased` (items of the quota handed out to processes, only ever
raised by a conditional ADD that keeps it at or below the quota), `requests` and `items` (what
was admitted, added by each process as it goes). Keys: `client` (hash), `day` (range, YYYY-MM-DD).
"""

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.auth.quota_store import RETENTION_DAYS, UsageRow, first_day
from shared.errors import QuotaUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# A lease waits on this only when a client's block is used up: fail fast rather than queue.
_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"}
)


def _expires(day: str) -> str:
    """Items expire (TTL) after the retention: `keys usage --days` reaches this far."""
    at = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
    return str(int((at + timedelta(days=RETENTION_DAYS)).timestamp()))


class QuotaTable:
    def __init__(self, name: str, client: "DynamoDBClient | None" = None) -> None:
        self.name = name
        self.client: DynamoDBClient = client or boto3.client("dynamodb", config=_CLIENT_CONFIG)

    def lease(self, client: str, day: str, want: int, quota: int) -> int:
        """Lease up to `want` items of the day's quota; returns how many were granted (0 when
        the fleet has used it all). `leased` never passes `quota`, whoever asks."""
        want = min(want, quota)
        for _ in range(5):
            try:
                self._add_leased(client, day, want, "attribute_not_exists(#l) OR #l <= :c", quota)
                return want
            except _ConditionFailed:
                pass
            left = quota - self._leased(client, day)
            if left <= 0:
                return 0
            try:  # less than a block left: take exactly what is left, if nobody moved first
                self._add_leased(client, day, left, "#l = :c", quota)
                return left
            except _ConditionFailed:
                continue
        return 0

    def release(self, client: str, day: str, unused: int) -> None:
        """Hand back items leased but not used (a process shutting down)."""
        self._update(client, day, "ADD #l :n", {":n": {"N": str(-unused)}}, {"#l": "leased"})

    def add_usage(self, client: str, day: str, requests: int, items: int) -> None:
        self._update(
            client,
            day,
            "ADD #r :r, #i :i SET #e = if_not_exists(#e, :e)",
            {":r": {"N": str(requests)}, ":i": {"N": str(items)}, ":e": {"N": _expires(day)}},
            {"#r": "requests", "#i": "items", "#e": "expires_at"},
        )

    def usage(self, client: str | None, days: int) -> list[UsageRow]:
        """Requests and items per client per day, the last `days` days (today included)."""
        first = first_day(days)
        rows: list[UsageRow] = []
        try:
            if client:
                pages = self.client.get_paginator("query").paginate(
                    TableName=self.name,
                    KeyConditionExpression="#c = :c AND #d >= :f",
                    ExpressionAttributeNames={"#c": "client", "#d": "day"},
                    ExpressionAttributeValues={":c": {"S": client}, ":f": {"S": first}},
                )
            else:
                pages = self.client.get_paginator("scan").paginate(
                    TableName=self.name,
                    FilterExpression="#d >= :f",
                    ExpressionAttributeNames={"#d": "day"},
                    ExpressionAttributeValues={":f": {"S": first}},
                )
            for page in pages:
                rows += [_row(item) for item in page.get("Items", [])]
        except (ClientError, BotoCoreError) as exc:
            raise QuotaUnavailable(f"cannot read quota table {self.name}: {exc}") from exc
        return sorted(rows, key=lambda row: (row["client"], row["day"]))

    def _leased(self, client: str, day: str) -> int:
        try:
            item = self.client.get_item(
                TableName=self.name, Key=_key(client, day), ConsistentRead=True
            ).get("Item", {})
        except (ClientError, BotoCoreError) as exc:
            raise QuotaUnavailable(f"cannot read quota table {self.name}: {exc}") from exc
        return int(item.get("leased", {}).get("N", "0"))

    def _add_leased(self, client: str, day: str, n: int, condition: str, quota: int) -> None:
        """ADD n to `leased` when `condition` holds; `:c` is quota - n (room left before)."""
        self._update(
            client,
            day,
            "ADD #l :n SET #e = if_not_exists(#e, :e)",
            {":n": {"N": str(n)}, ":c": {"N": str(quota - n)}, ":e": {"N": _expires(day)}},
            {"#l": "leased", "#e": "expires_at"},
            condition,
        )

    def _update(
        self,
        client: str,
        day: str,
        expression: str,
        values: dict[str, Any],
        names: dict[str, str],
        condition: str | None = None,
    ) -> None:
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": _key(client, day),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
            "ExpressionAttributeNames": names,
        }
        if condition:
            request["ConditionExpression"] = condition
        try:
            self.client.update_item(**request)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise _ConditionFailed from exc
            raise QuotaUnavailable(f"cannot update quota table {self.name}: {exc}") from exc
        except BotoCoreError as exc:
            raise QuotaUnavailable(f"cannot reach quota table {self.name}: {exc}") from exc


class _ConditionFailed(Exception):
    """A conditional update found the item moved on."""


def _key(client: str, day: str) -> dict[str, Any]:
    return {"client": {"S": client}, "day": {"S": day}}


def _row(item: dict[str, Any]) -> UsageRow:
    def number(name: str) -> int:
        return int(item.get(name, {}).get("N", "0"))

    return UsageRow(
        client=item["client"]["S"],
        day=item["day"]["S"],
        requests=number("requests"),
        items=number("items"),
        leased=number("leased"),
    )
