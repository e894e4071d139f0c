"""AWS Lambda entry of rollouts: applies each running rollout's policy (shared/rollouts).

Set the function's handler to `handlers.rollout_judge.handler`. Two events start it:
- EventBridge Scheduler, every few minutes (`{"source": "inferno.schedule"}` or any event
  without an alarm): every model with a running rollout is judged on CloudWatch's figures and
  promoted, aborted or left to run;
- an EventBridge "CloudWatch Alarm State Change" to ALARM from the candidates' error or latency
  alarm: every running rollout whose candidate broke its policy's error or latency bound is
  aborted at once, with the alarm's name in its history; the others are judged as usual.
The same `judge` runs `inferno rollout judge` on a laptop.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import logger, metrics, tracer
from shared.rollouts.cloudwatch import CloudWatchFigures
from shared.rollouts.judge import FiguresSource, judge
from shared.settings import get_settings
from shared.store import ModelStore, store_from_settings

LambdaEvent = dict[str, Any]
ALARM_CHANGE = "CloudWatch Alarm State Change"


@cache
def model_store() -> ModelStore:
    return store_from_settings(get_settings())


@cache
def figures_source() -> CloudWatchFigures:
    return CloudWatchFigures.from_environment()


def alarm_name(event: LambdaEvent) -> str | None:
    """The alarm that went to ALARM, when that is what this event is."""
    if event.get("detail-type") != ALARM_CHANGE:
        return None
    detail = event.get("detail") or {}
    if (detail.get("state") or {}).get("value") != "ALARM":
        return None
    return str(detail.get("alarmName") or "an alarm")


def judge_all(
    store: ModelStore, figures_of: FiguresSource, alarm: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Every model's running rollout, judged as `inferno rollout judge` judges one."""
    judged = []
    for name in store.model_names():
        found = judge(store, name, figures_of, now, alarm)
        if found is not None:
            rollout, decision = found
            judged.append(
                {"model": name, "candidate": rollout.candidate, "verdict": decision.verdict,
                 "reason": decision.reason}
            )  # fmt: skip
    return judged


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
    try:
        alarm = alarm_name(event)
        judged = judge_all(model_store(), figures_source(), alarm, datetime.now(UTC))
        logger.info("Rollouts judged", extra={"alarm": alarm, "judged": judged})
        return {"judged": judged}
    finally:
        metrics.flush()
