"""One model call for many groups of inputs that fails only the group that caused it.

Requests packed into one call by the batcher, and records of a bulk job, share this: the whole
call first (the per-call overhead shared), and only if it raises, one call per group.
"""

from typing import Any

from shared.serving.loaded_model import LoadedModel


def predict_isolated(
    model: LoadedModel,
    groups: list[list[Any]],
    catching: type[BaseException] = Exception,
) -> list[list[Any] | BaseException]:
    """Each group's answers, or what the model raised on that group alone (`catching`: which
    failures are a group's own; the rest propagate)."""
    if not groups:
        return []
    try:
        answers = model.predict([item for group in groups for item in group])
    except catching as exc:
        if len(groups) == 1:
            return [exc]
        return [_alone(model, group, catching) for group in groups]
    outcomes: list[list[Any] | BaseException] = []
    start = 0
    for group in groups:
        outcomes.append(answers[start : start + len(group)])
        start += len(group)
    return outcomes


def _alone(
    model: LoadedModel, group: list[Any], catching: type[BaseException]
) -> list[Any] | BaseException:
    try:
        return model.predict(group)
    except catching as exc:
        return exc
