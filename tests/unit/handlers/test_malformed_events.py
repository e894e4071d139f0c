"""What the adapter could not read is answered as a JSON 400 in the event source's shape; what
it answers passes through untouched."""

import json
from typing import Any

from handlers.malformed_events import MALFORMED, answering_malformed_events, bad_request


def unreadable(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise KeyError("headers")


def test_an_adapter_failure_becomes_a_json_400() -> None:
    response = answering_malformed_events(unreadable)({"body": 3}, None)
    assert response["statusCode"] == 400 and response["isBase64Encoded"] is False
    assert json.loads(response["body"]) == {"detail": MALFORMED}
    assert response["headers"] == {"content-type": "application/json"}


def test_an_answer_passes_through() -> None:
    answer = {"statusCode": 200, "body": "{}"}
    assert answering_malformed_events(lambda event, context: answer)({}, None) is answer


def test_an_alb_event_gets_its_own_shape() -> None:
    alb = {"requestContext": {"elb": {"targetGroupArn": "arn"}}, "multiValueHeaders": {}}
    response = bad_request(alb)
    assert response["multiValueHeaders"] == {"content-type": ["application/json"]}
    assert "headers" not in response
    assert response["statusDescription"] == "400 Bad Request"
    single = bad_request({"requestContext": {"elb": {}}, "headers": {}})
    assert single["headers"] == {"content-type": "application/json"}
    assert bad_request("not an event")["statusCode"] == 400
