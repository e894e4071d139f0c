"""A loaded model made to raise on one text, as a model may on an input it was never shown."""

from typing import Any

import pytest

from shared.serving.loaded_model import LoadedModel

POISON = "poison"


def raise_on_poison(model: LoadedModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any call holding POISON raises RuntimeError("cannot"); the others are answered."""
    real = model.predict

    def fragile(values: list[Any]) -> Any:
        if POISON in values:
            raise RuntimeError("cannot")
        return real(values)

    monkeypatch.setattr(model, "predict", fragile)
