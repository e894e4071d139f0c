"""Escalation events end to end: uvicorn puts them on an EventBridge bus (moto's server), whose
rule delivers them to an SQS queue, both made the way iac/events.tf makes them.

moto implements PutEvents with rule matching and delivery to SQS targets; it does not enforce
queue policies, KMS, a target's retry policy or dead-letter queue, nor throttle. Those are
checked on the Terraform (tests/iac/test_events_terraform.py) and with a stalled endpoint below.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from model_build.release.publish import publish
from shared.events.rules import rules_key
from shared.observability import metric_names
from shared.store.local import LocalStore
from tests.iac.infra import load_terraform
from tests.support.emf import emf_documents
from tests.support.servers import ROOT, RunningServer, moto_server, uvicorn_server

ANGRY_TEXT = "Terrible, awful, broken. I hate it."
HAPPY_TEXT = "I absolutely love this, it is wonderful!"
ANGRY = {
    "name": "angry-customer",
    "when": {"kind": "classification", "label": "negative", "min_confidence": 0.9},
}
BUS = "inferno-test-escalations"
REFRESH_SECONDS = 0.5


@dataclass
class Stack:
    server: RunningServer
    store: LocalStore
    queue_url: str
    sqs: Any
    endpoint: str

    def messages(self, wait: float) -> list[dict[str, Any]]:
        """What arrives on the queue within `wait` seconds (taken off it)."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for message in self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", []):
                found.append({"raw": message["Body"], **json.loads(message["Body"])})
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
            if found:
                return found
        return found


def aws_like_terraform(endpoint: str) -> tuple[str, Any]:
    """events.tf in moto: a key, the dead-letter queue, the queue redriven to it and admitting
    only the rule, the bus, the rule (Terraform's pattern) and its target. The queue's URL."""
    tf = load_terraform()
    make: Any = boto3.client
    sqs, events, kms = (make(s, endpoint_url=endpoint) for s in ("sqs", "events", "kms"))
    key = kms.create_key(Description="escalation queues")["KeyMetadata"]["Arn"]
    dlq = sqs.create_queue(QueueName="escalations-dlq", Attributes={"KmsMasterKeyId": key})
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq["QueueUrl"], AttributeNames=["QueueArn"])
    redrive = {
        "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
        "maxReceiveCount": tf.locals["escalations_max_receive_count"],
    }
    queue_url = sqs.create_queue(
        QueueName="escalations",
        Attributes={"KmsMasterKeyId": key, "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    queue_arn = queue_arn["Attributes"]["QueueArn"]
    events.create_event_bus(Name=BUS)
    pattern = tf.resolve(tf.locals["escalations_event_pattern"])
    rule = events.put_rule(Name="to-queue", EventBusName=BUS, EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule="to-queue",
        EventBusName=BUS,
        Targets=[
            {
                "Id": "escalations-queue",
                "Arn": queue_arn,
                "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
                "DeadLetterConfig": {"Arn": redrive["deadLetterTargetArn"]},
            }
        ],
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule["RuleArn"]}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    return queue_url, sqs


def set_rules(store: LocalStore, data: bytes) -> None:
    store.write(rules_key("sentiment"), data)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, sentiment_model_dir: Path) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("escalations")
    store = LocalStore(root / "store")
    publish(sentiment_model_dir, store, alias="production")
    set_rules(store, json.dumps({"rules": [ANGRY]}).encode())
    with moto_server() as endpoint:
        queue_url, sqs = aws_like_terraform(endpoint)
        env = {
            "MODEL_DIR": str(store.root),
            "EVENTS_BUS_NAME": BUS,
            "AWS_ENDPOINT_URL": endpoint,
            "EVENTS_RULES_REFRESH_SECONDS": str(REFRESH_SECONDS),
        }
        with uvicorn_server(env, root / "server.log") as server:
            yield Stack(server, store, queue_url, sqs, endpoint)


def predict(stack: Stack, text: str, **extra: Any) -> httpx.Response:
    return httpx.post(stack.server.url + "/predict", json={"text": text, **extra}, timeout=30)


def test_an_angry_review_becomes_an_sqs_message_with_its_ticket_and_not_its_text(
    stack: Stack,
) -> None:
    # GIVEN the rules are read (a model is read within a second of loading)
    time.sleep(2 * REFRESH_SECONDS)
    # WHEN a happy review, then an angry one with a ticket id, are sent to /predict
    assert predict(stack, HAPPY_TEXT).json()["sentiment"] == "positive"
    sent = time.monotonic()
    angry = httpx.post(
        stack.server.url + "/predict",
        json={"text": ANGRY_TEXT, "metadata": {"ticket": "T-1042"}},
        headers={"X-Request-Id": "angry-1"},
        timeout=30,
    )
    assert angry.status_code == 200
    assert (angry.json()["sentiment"], angry.json()["confidence"] >= 0.9) == ("negative", True)
    # THEN within seconds one message is on the queue: the angry one, with its ticket
    [message] = stack.messages(wait=10)
    delivered = time.monotonic() - sent
    print(f"the escalation reached SQS {delivered:.2f} s after the request")  # `pytest -rP`
    assert delivered < 10
    assert (message["source"], message["detail-type"]) == ("inferno.mlaas", "Escalation")
    detail = message["detail"]
    assert detail["metadata"] == {"ticket": "T-1042"}
    assert (detail["rule"], detail["request_id"], detail["label"]) == (
        "angry-customer",
        "angry-1",
        "negative",
    )
    assert detail["version"] == angry.json()["model_version"]
    # AND not the text, anywhere in what was delivered
    assert "text" not in detail and ANGRY_TEXT not in message["raw"]
    # AND the happy review sent nothing
    assert stack.messages(wait=2) == []


def test_events_tail_reads_the_queue(stack: Stack) -> None:
    # GIVEN an angry review's event on the queue (the rules read, whichever test ran first)
    time.sleep(2 * REFRESH_SECONDS)
    assert predict(stack, ANGRY_TEXT, metadata={"ticket": "T-2"}).status_code == 200
    time.sleep(1)
    # WHEN `inferno events tail` reads the queue, as an operator on AWS would
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "events", "tail", "--model", "sentiment"],
        cwd=ROOT,
        env={**os.environ, "AWS_ENDPOINT_URL": stack.endpoint, "EVENTS_QUEUE_URL": stack.queue_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # THEN it prints the event, and has taken it off the queue
    [line] = done.stdout.splitlines()
    assert json.loads(line)["metadata"] == {"ticket": "T-2"}
    assert stack.messages(wait=1) == []


def test_a_rules_change_applies_without_restart_and_a_bad_file_keeps_the_rules(
    stack: Stack,
) -> None:
    # GIVEN a new rule for happy customers, written while the service runs
    happy = {"name": "happy-customer", "when": {"kind": "classification", "label": "positive"}}
    set_rules(stack.store, json.dumps({"rules": [happy]}).encode())
    # THEN happy reviews raise events soon, with no restart
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    while not found and time.monotonic() < deadline:
        predict(stack, HAPPY_TEXT, metadata={"case": "H-1"})
        found = stack.messages(wait=1)
    assert found and found[0]["detail"]["rule"] == "happy-customer"
    # WHEN the file is replaced by one that does not validate
    set_rules(stack.store, b'{"rules": [{"name": "broken", "when": {"kind": "classification"}}]}')
    time.sleep(4 * REFRESH_SECONDS)
    # THEN the rules held stay (happy reviews still escalate), and the refusal is logged once
    predict(stack, HAPPY_TEXT, metadata={"case": "H-2"})
    [kept] = stack.messages(wait=5)
    assert (kept["detail"]["rule"], kept["detail"]["metadata"]) == (
        "happy-customer",
        {"case": "H-2"},
    )
    assert stack.server.log().count("Escalation rules refused") == 1
    assert predict(stack, ANGRY_TEXT).status_code == 200
    assert stack.messages(wait=2) == []  # the angry rule is gone with the old file


class StalledEndpoint:
    """Accepts connections and never answers: a PutEvents call that hangs (until its timeout)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


def test_a_full_buffer_drops_and_counts_and_the_request_never_waits(
    tmp_path: Path, sentiment_model_dir: Path
) -> None:
    # GIVEN a service whose bus hangs and whose buffer holds one event
    store = LocalStore(tmp_path / "store")
    publish(sentiment_model_dir, store, alias="production")
    every_negative = {"name": "negative", "when": {"kind": "classification", "label": "negative"}}
    set_rules(store, json.dumps({"rules": [every_negative]}).encode())
    stalled = StalledEndpoint()
    env = {
        "MODEL_DIR": str(store.root),
        "EVENTS_BUS_NAME": BUS,
        "AWS_ENDPOINT_URL": stalled.url,
        "EVENTS_BUFFER_SIZE": "1",
        "EVENTS_MAX_ATTEMPTS": "1",
        "EVENTS_RULES_REFRESH_SECONDS": str(REFRESH_SECONDS),
    }
    try:
        with uvicorn_server(env, tmp_path / "server.log") as server:
            time.sleep(2 * REFRESH_SECONDS)
            # WHEN one request raises 20 events
            body = {"instances": [{"text": ANGRY_TEXT}] * 20}
            started = time.monotonic()
            response = httpx.post(server.url + "/models/sentiment/predict", json=body, timeout=30)
            # THEN it is answered at once, the bus's hang notwithstanding
            assert response.status_code == 200 and time.monotonic() - started < 5
            assert {p["label"] for p in response.json()["predictions"]} == {"negative"}
            time.sleep(1)
    finally:
        stalled.close()
    # AND what did not fit was dropped and counted (the stop counts what was still queued)
    outcomes: dict[str, float] = {}
    for document in emf_documents(server.log()):
        if metric_names.ESCALATION_COUNT.name in document:
            outcome = document["outcome"]
            value = sum(document[metric_names.ESCALATION_COUNT.name])
            outcomes[outcome] = outcomes.get(outcome, 0) + value
    assert outcomes.get("dropped", 0) >= 18
    assert "sent" not in outcomes
    assert "Escalation buffer full" in server.log()
