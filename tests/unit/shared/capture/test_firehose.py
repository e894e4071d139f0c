"""Captured records to Firehose: within PutRecordBatch's limits (moto writes one S3 object per
call, so the objects count the calls), oversize records dropped, refused ones sent again."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from shared.capture.firehose import (
    MAX_BYTES_PER_CALL,
    MAX_RECORD_BYTES,
    MAX_RECORDS_PER_CALL,
    FirehoseSink,
    chunks,
)
from shared.capture.records import Stream
from tests.support.capture import create_capture_streams, s3_records

BUCKET = "capture"
NAMES: dict[Stream, str] = {
    "predictions": "inferno-capture-predictions",
    "feedback": "inferno-capture-feedback",
}


def record(i: int, size: int = 10) -> dict[str, Any]:
    return {"request_id": f"r{i}", "model": "sentiment", "pad": "x" * size}


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        firehose, s3 = boto3.client("firehose"), boto3.client("s3")
        create_capture_streams(firehose, s3, BUCKET, NAMES)
        yield firehose, s3


def test_chunks_keep_within_500_records_and_4_mib() -> None:
    small = [(record(i), b"x" * 100) for i in range(1200)]
    assert [len(c) for c in chunks(small)] == [500, 500, 200]
    large = [(record(i), b"x" * (1536 * 1024)) for i in range(5)]
    found = chunks(large)
    assert [len(c) for c in found] == [2, 2, 1]
    assert all(sum(len(data) for _, data in c) <= MAX_BYTES_PER_CALL for c in found)
    assert MAX_RECORDS_PER_CALL == 500


def test_every_record_lands_in_s3_in_as_few_calls_as_the_limits_allow(aws: tuple[Any, Any]) -> None:
    # GIVEN 1,200 records for the predictions stream
    firehose, s3 = aws
    records = [record(i) for i in range(1200)]
    # WHEN the sink writes them THEN none failed
    assert FirehoseSink(NAMES, firehose).write("predictions", records) == []
    # AND all arrived, each on its own line, in three PutRecordBatch calls (objects)
    landed = s3_records(s3, BUCKET, "capture/predictions/")
    assert sorted(landed, key=lambda r: int(r["request_id"][1:])) == records
    keys = s3.list_objects_v2(Bucket=BUCKET, Prefix="capture/predictions/")["Contents"]
    assert len(keys) == 3


def test_a_record_over_firehoses_limit_is_dropped_and_the_rest_written(
    aws: tuple[Any, Any],
) -> None:
    firehose, s3 = aws
    huge = record(1, size=MAX_RECORD_BYTES)
    failed = FirehoseSink(NAMES, firehose).write("feedback", [record(0), huge, record(2)])
    assert failed == [huge]
    assert [r["request_id"] for r in s3_records(s3, BUCKET, "capture/feedback/")] == ["r0", "r2"]


class PartlyRefusing:
    """Firehose's partial failure (FailedPutCount, a per-record ErrorCode), which moto never
    answers: the first `refusals` calls refuse their first record."""

    def __init__(self, refusals: int, whole_call_errors: int = 0) -> None:
        self.refusals = refusals
        self.errors = whole_call_errors
        self.calls: list[list[dict[str, Any]]] = []

    def put_record_batch(self, DeliveryStreamName: str, Records: list[Any]) -> dict[str, Any]:  # noqa: N803
        self.calls.append([json.loads(r["Data"]) for r in Records])
        if self.errors:
            self.errors -= 1
            raise ClientError({"Error": {"Code": "ServiceUnavailableException"}}, "PutRecordBatch")
        refuse = self.refusals > 0
        self.refusals -= 1
        replies = [{"RecordId": str(i)} for i in range(len(Records))]
        if refuse:
            replies[0] = {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"}
        return {"FailedPutCount": int(refuse), "RequestResponses": replies}


def test_refused_records_are_sent_again_and_dropped_after_the_last_attempt() -> None:
    # GIVEN a stream that refuses one record on each of the first two calls
    client = PartlyRefusing(refusals=2)
    sink = FirehoseSink(NAMES, client)  # type: ignore[arg-type]
    # WHEN three records are written THEN all are in, the refused one sent three times
    assert sink.write("predictions", [record(0), record(1), record(2)]) == []
    assert [[r["request_id"] for r in call] for call in client.calls] == [
        ["r0", "r1", "r2"],
        ["r0"],
        ["r0"],
    ]
    # AND a stream that keeps refusing gives the record back as failed
    stubborn = PartlyRefusing(refusals=10)
    assert FirehoseSink(NAMES, stubborn).write("feedback", [record(5)]) == [record(5)]  # type: ignore[arg-type]
    assert len(stubborn.calls) == 4


def test_a_call_that_fails_whole_is_retried() -> None:
    client = PartlyRefusing(refusals=0, whole_call_errors=1)
    assert FirehoseSink(NAMES, client).write("predictions", [record(0)]) == []  # type: ignore[arg-type]
    assert len(client.calls) == 2
