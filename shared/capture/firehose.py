"""Captured records to S3 through Kinesis Data Firehose (PutRecordBatch).

Firehose's limits per call: 500 records and 4 MiB; per record 1,000 KiB. A record over that is
dropped (counted); the rest go in as few calls as the limits allow. Records Firehose refuses
(`FailedPutCount`, throttling) and calls that fail whole are sent again with back-off.
Dynamic partitioning on the stream (iac/capture.tf) files each record by its own fields.
"""

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.capture.batches import with_retries
from shared.capture.records import Stream, encode
from shared.capture.sinks import Record
from shared.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_firehose import FirehoseClient

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1_000 * 1024
ATTEMPTS = 4
_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}
)

Encoded = tuple[Record, bytes]


class FirehoseSink:
    def __init__(self, streams: dict[Stream, str], client: "FirehoseClient | None" = None) -> None:
        self.streams = streams
        self.client: FirehoseClient = client or boto3.client("firehose", config=_CLIENT_CONFIG)

    def write(self, stream: Stream, records: list[Record]) -> list[Record]:
        encoded = [(record, encode(record)) for record in records]
        failed = [record for record, data in encoded if len(data) > MAX_RECORD_BYTES]
        fitting = [(record, data) for record, data in encoded if len(data) <= MAX_RECORD_BYTES]
        for chunk in chunks(fitting):
            left = with_retries(lambda part: self._put(stream, part), chunk, ATTEMPTS)
            failed += [record for record, _ in left]
        return failed

    def _put(self, stream: Stream, part: list[Encoded]) -> list[Encoded]:
        """One PutRecordBatch; what Firehose did not take."""
        try:
            answer: Any = self.client.put_record_batch(
                DeliveryStreamName=self.streams[stream],
                Records=[{"Data": data} for _, data in part],
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("PutRecordBatch failed", extra={"stream": stream, "error": str(exc)})
            return part
        if not answer.get("FailedPutCount"):
            return []
        responses = answer["RequestResponses"]
        return [item for item, reply in zip(part, responses, strict=True) if reply.get("ErrorCode")]


def chunks(items: list[Encoded]) -> list[list[Encoded]]:
    """Consecutive runs within one call's record and byte limits."""
    found: list[list[Encoded]] = []
    current: list[Encoded] = []
    size = 0
    for item in items:
        if current and (
            len(current) == MAX_RECORDS_PER_CALL or size + len(item[1]) > MAX_BYTES_PER_CALL
        ):
            found.append(current)
            current, size = [], 0
        current.append(item)
        size += len(item[1])
    if current:
        found.append(current)
    return found
