"""The one prediction path every route, entry and job takes: look the model up, validate against
its input schema, predict through the batcher (off the event loop, gathered with what else is
queued), record what was answered. `POST /predict` is a thin adapter over `predict_one`; bulk
jobs, which have no event loop, score through `predict_each`.
"""

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from shared.errors import InfernoError, InvalidInput
from shared.observability import logger, tracer
from shared.serving.answers import NO_LISTENERS, Answer, AnswerListeners
from shared.serving.batching import ANONYMOUS, Caller, PredictionBatcher
from shared.serving.bodies import (
    BatchItemResult,
    BatchRequest,
    BatchResponse,
    ModelInfo,
    PredictionsResponse,
)
from shared.serving.isolation import predict_isolated
from shared.serving.loaded_model import LoadedModel
from shared.serving.registry import ModelRegistry
from shared.settings import Settings

T = TypeVar("T")


def describe(model: LoadedModel) -> ModelInfo:
    manifest = model.manifest
    return ModelInfo(
        name=manifest.name,
        version=manifest.version,
        task=manifest.task,
        labels=manifest.labels,
        input_schema=manifest.input_schema.model_dump(),
        metrics=manifest.metrics,
        created_at=manifest.created_at,
        description=manifest.description,
    )


def _record(
    model: LoadedModel,
    items: list[Any],
    outputs: list[BaseModel],
    caller: Caller,
    answers: AnswerListeners,
) -> None:
    model.kind.record(model, outputs)
    logger.thread_safe_append_keys(
        model=model.name, model_version=model.version, items=len(outputs)
    )
    if answers and outputs:
        answers.publish(
            Answer(
                model=model.name,
                version=model.version,
                kind=model.manifest.kind,
                items=items,
                outputs=outputs,
                client=caller.name,
                request_id=logger.thread_safe_get_current_keys().get("correlation_id"),
                metadata=caller.metadata,
            )
        )


@dataclass
class Checked:
    """Items validated one by one: the valid ones' model inputs and the invalid ones' problems
    (InvalidInput's), each with its index."""

    valid: list[tuple[int, Any]]
    invalid: list[tuple[int, Any]]

    def values(self) -> list[Any]:
        return [value for _, value in self.valid]


def validate_each(model: LoadedModel, items: list[Any], max_text_length: int) -> Checked:
    """A bad item is answered on its own; it never refuses its neighbours."""
    checked = Checked(valid=[], invalid=[])
    for index, item in enumerate(items):
        try:
            value = model.kind.validate(model.manifest, item, max_text_length)
        except InvalidInput as exc:
            checked.invalid.append((index, exc.args[0]))
        else:
            checked.valid.append((index, value))
    return checked


@dataclass(frozen=True)
class ItemError:
    """Why one item has no answer: its validation problems, or the model's failure on it."""

    error: Any


def predict_each(
    model: LoadedModel, items: list[Any], max_text_length: int
) -> list[BaseModel | ItemError]:
    """Each item's answer or error, in order, with no event loop (bulk jobs): the valid items in
    one model call; an item that fails validation, or that makes the model raise, is an error
    and its neighbours are answered."""
    checked = validate_each(model, items, max_text_length)
    outcomes: dict[int, BaseModel | ItemError] = {
        index: ItemError(problems) for index, problems in checked.invalid
    }
    answers = predict_isolated(model, [[value] for value in checked.values()])
    for (index, _), answer in zip(checked.valid, answers, strict=True):
        if isinstance(answer, BaseException):
            failure = f"prediction failed: {type(answer).__name__}: {answer}"
            outcomes[index] = ItemError([{"loc": [], "msg": failure}])
        else:
            outcomes[index] = answer[0]
    return [outcomes[index] for index in range(len(items))]


async def _predicted(registry: ModelRegistry, model: LoadedModel, call: Awaitable[T]) -> T:
    """The model's answer; a failure of the model itself (not a refusal) is also counted
    against its version when it is a rollout's candidate."""
    try:
        return await call
    except InfernoError:
        raise  # shed, past its deadline, client gone: not the version's fault
    except Exception:
        registry.failed(model)
        raise


def instances_of(body: Any) -> list[Any] | None:
    """The items of a body in the convention TF Serving, Vertex AI, SageMaker and MLflow
    clients speak, `{"instances": [...]}` (objects or rows), else None."""
    if isinstance(body, dict) and len(body) == 1 and isinstance(body.get("instances"), list):
        return list(body["instances"])
    return None


@tracer.capture_method
async def predict_instances(
    name: str,
    instances: list[Any],
    registry: ModelRegistry,
    batcher: PredictionBatcher,
    settings: Settings,
    caller: Caller = ANONYMOUS,
    answers: AnswerListeners = NO_LISTENERS,
) -> PredictionsResponse:
    """Every instance in one model call; any invalid one refuses the request (422), each
    problem located as `["body", "instances", index, field]`."""
    if not instances:
        raise InvalidInput([_located({"loc": ["body"], "msg": "must hold at least one item"}, [])])
    if len(instances) > settings.max_batch_size:
        raise InvalidInput(
            f"instances holds {len(instances)} items; the limit is {settings.max_batch_size}"
        )
    model = registry.for_caller(name, caller.sticky)
    checked = validate_each(model, instances, settings.max_text_length)
    if checked.invalid:
        raise InvalidInput(
            [
                _located(problem, [index])
                for index, found in checked.invalid
                for problem in _problems(found)
            ]
        )
    values = checked.values()
    outputs = await _predicted(registry, model, batcher.predict_many(model, values, caller))
    _record(model, values, outputs, caller, answers)
    return PredictionsResponse.model_construct(
        model=model.name, version=model.version, predictions=outputs
    )


def _problems(found: Any) -> list[dict[str, Any]]:
    return found if isinstance(found, list) else [{"loc": ["body"], "msg": str(found)}]


def _located(problem: dict[str, Any], index: list[int]) -> dict[str, Any]:
    loc = list(problem.get("loc", ["body"]))
    return {**problem, "loc": ["body", "instances", *index, *loc[1:]]}


async def predict_one(
    name: str,
    item: Any,
    registry: ModelRegistry,
    batcher: PredictionBatcher,
    settings: Settings,
    caller: Caller = ANONYMOUS,
    answers: AnswerListeners = NO_LISTENERS,
) -> BaseModel:
    """The model kind's response: its answer's fields, then `model` and `version`."""
    model, output = await predict_output(name, item, registry, batcher, settings, caller, answers)
    return model.kind.response.model_construct(
        **dict(output), model=model.name, version=model.version
    )


@tracer.capture_method  # every single prediction's trace, whichever route answers in what fields
async def predict_output(
    name: str,
    item: Any,
    registry: ModelRegistry,
    batcher: PredictionBatcher,
    settings: Settings,
    caller: Caller = ANONYMOUS,
    answers: AnswerListeners = NO_LISTENERS,
) -> tuple[LoadedModel, BaseModel]:
    """The model that answered one item, and its answer as the kind gives it (for a route that
    answers in its own fields, as `POST /predict` does)."""
    model = registry.for_caller(name, caller.sticky)
    value = model.kind.validate(model.manifest, item, settings.max_text_length)
    output = await _predicted(registry, model, batcher.predict(model, value, caller))
    _record(model, [value], [output], caller, answers)
    return model, output


@tracer.capture_method
async def predict_batch(
    name: str,
    request: BatchRequest,
    registry: ModelRegistry,
    batcher: PredictionBatcher,
    settings: Settings,
    caller: Caller = ANONYMOUS,
    answers: AnswerListeners = NO_LISTENERS,
) -> BatchResponse:
    """Valid items go to the model in one call; an invalid one is answered by its index."""
    if len(request.items) > settings.max_batch_size:
        raise InvalidInput(
            f"batch has {len(request.items)} items; the limit is {settings.max_batch_size}"
        )
    model = registry.for_caller(name, caller.sticky)
    checked = validate_each(model, request.items, settings.max_text_length)
    results = [BatchItemResult(index=index, error=error) for index, error in checked.invalid]
    # One model call for the batch (shared with whatever else is queued at that moment).
    values = checked.values()
    predictions = await _predicted(registry, model, batcher.predict_many(model, values, caller))
    results += [
        BatchItemResult.model_construct(index=index, prediction=output, error=None)
        for (index, _), output in zip(checked.valid, predictions, strict=True)
    ]
    _record(model, values, predictions, caller, answers)
    return BatchResponse(
        model=model.name, version=model.version, results=sorted(results, key=lambda r: r.index)
    )
