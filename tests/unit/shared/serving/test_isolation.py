"""A model call shared by groups of inputs fails only the group that caused it."""

from typing import Any, cast

import pytest

from shared.serving.isolation import predict_isolated
from shared.serving.loaded_model import LoadedModel


class Doubler:
    """Doubles numbers; raises on a negative one, or `failure` on 13; records every call."""

    def __init__(self, failure: type[BaseException] = ValueError) -> None:
        self.failure = failure
        self.calls: list[list[int]] = []

    def predict(self, inputs: list[int]) -> list[int]:
        self.calls.append(list(inputs))
        if any(value < 0 for value in inputs):
            raise ValueError("negative")
        if 13 in inputs:
            raise self.failure("unlucky")
        return [value * 2 for value in inputs]


def model(fake: Doubler) -> LoadedModel:
    return cast(LoadedModel, fake)


def test_one_call_answers_every_group_in_order() -> None:
    fake = Doubler()
    assert predict_isolated(model(fake), [[1, 2], [3]]) == [[2, 4], [6]]
    assert fake.calls == [[1, 2, 3]]


def test_a_group_that_raises_fails_alone_and_its_neighbours_are_answered() -> None:
    fake = Doubler()
    outcomes: list[Any] = predict_isolated(model(fake), [[1], [-1, 2], [3]])
    assert outcomes[0] == [2] and outcomes[2] == [6]
    assert isinstance(outcomes[1], ValueError)
    assert fake.calls == [[1, -1, 2, 3], [1], [-1, 2], [3]]


def test_a_lone_group_is_not_called_twice_and_no_group_is_no_call() -> None:
    fake = Doubler()
    [outcome] = predict_isolated(model(fake), [[-1]])
    assert isinstance(outcome, ValueError) and fake.calls == [[-1]]
    assert predict_isolated(model(fake), []) == [] and len(fake.calls) == 1


def test_only_the_failures_asked_for_are_a_groups_own() -> None:
    with pytest.raises(KeyboardInterrupt):
        predict_isolated(model(Doubler(KeyboardInterrupt)), [[13], [1]])
    outcomes = predict_isolated(
        model(Doubler(KeyboardInterrupt)), [[13], [1]], catching=BaseException
    )
    assert isinstance(outcomes[0], KeyboardInterrupt) and outcomes[1] == [2]
