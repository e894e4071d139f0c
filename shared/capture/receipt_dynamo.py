"""Receipts for a fleet: one DynamoDB item per prediction, keyed by client and request id (so
keys spread over partitions whatever the client), expired by the table's TTL. Written in
BatchWriteItem calls of 25 off the request path; read by one consistent GetItem per feedback."""

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.capture.batches import with_retries
from shared.capture.receipts import Receipt
from shared.errors import ReceiptsUnavailable
from shared.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# BatchWriteItem takes 25 items; a lookup waits on GetItem only in a feedback request.
MAX_ITEMS_PER_CALL = 25
_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"}
)


class DynamoReceipts:
    """Items keyed by `id` (client and request id): spread over partitions whatever the client."""

    def __init__(self, table: str, client: "DynamoDBClient | None" = None) -> None:
        self.table = table
        self.client: DynamoDBClient = client or boto3.client("dynamodb", config=_CLIENT_CONFIG)

    def put_many(self, receipts: list[Receipt]) -> list[Receipt]:
        failed: list[Receipt] = []
        for start in range(0, len(receipts), MAX_ITEMS_PER_CALL):
            chunk = receipts[start : start + MAX_ITEMS_PER_CALL]
            failed += with_retries(self._put, _unique(chunk))
        return failed

    def _put(self, receipts: list[Receipt]) -> list[Receipt]:
        """One BatchWriteItem; the receipts DynamoDB left unprocessed."""
        by_key = {receipt.key: receipt for receipt in receipts}
        try:
            answer: Any = self.client.batch_write_item(
                RequestItems={self.table: [{"PutRequest": {"Item": _item(r)}} for r in receipts]}
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("BatchWriteItem failed", extra={"table": self.table, "error": str(exc)})
            return receipts
        left = answer.get("UnprocessedItems", {}).get(self.table, [])
        return [by_key[request["PutRequest"]["Item"]["id"]["S"]] for request in left]

    def get(self, key: str) -> Receipt | None:
        try:
            item: Any = self.client.get_item(
                TableName=self.table, Key={"id": {"S": key}}, ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise ReceiptsUnavailable(f"receipts cannot be read: {exc}") from exc
        return None if item is None else _receipt(item)


def _unique(receipts: list[Receipt]) -> list[Receipt]:
    """The last receipt per key: one BatchWriteItem may not name an item twice."""
    return list({receipt.key: receipt for receipt in receipts}.values())


def _item(receipt: Receipt) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": {"S": receipt.key},
        "request_id": {"S": receipt.request_id},
        "model": {"S": receipt.model},
        "version": {"S": receipt.version},
        "kind": {"S": receipt.kind},
        "items": {"N": str(receipt.items)},
        "expires_at": {"N": str(receipt.expires_at)},
    }
    if receipt.client is not None:
        item["client"] = {"S": receipt.client}
    if isinstance(receipt.answer, str):
        item["answer"] = {"S": receipt.answer}
    elif receipt.answer is not None:
        item["answer"] = {"N": repr(float(receipt.answer))}
    return item


def _receipt(item: dict[str, Any]) -> Receipt:
    answer = item.get("answer", {})
    return Receipt(
        client=item.get("client", {}).get("S"),
        request_id=item["request_id"]["S"],
        model=item["model"]["S"],
        version=item["version"]["S"],
        kind=item["kind"]["S"],
        items=int(item["items"]["N"]),
        answer=answer["S"] if "S" in answer else float(answer["N"]) if "N" in answer else None,
        expires_at=int(item["expires_at"]["N"]),
    )
