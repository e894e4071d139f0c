"""One list of trainers: `inferno train --model` takes exactly its names, and each resolves."""

import pytest

from handlers.cli.main import build_parser
from model_build.trainers import DEFAULT_MODEL, TRAINERS, trainer


def test_the_cli_takes_the_trainers_names_and_defaults_to_sentiment() -> None:
    parser = build_parser()
    assert parser.parse_args(["train"]).model == DEFAULT_MODEL == "sentiment"
    for name in TRAINERS:
        assert parser.parse_args(["train", "--model", name]).model == name
    with pytest.raises(SystemExit):  # the basket trainer's old name is not a model
        parser.parse_args(["train", "--model", "recommender"])


def test_every_trainer_is_named_for_its_model_and_resolves() -> None:
    for name, path in TRAINERS.items():
        assert path.endswith(f".train_{name}.train_{name}"), name
        assert callable(trainer(name))
