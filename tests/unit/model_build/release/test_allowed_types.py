"""The shipped list of allowed types is what the installed scikit-learn derives."""

import json

import sklearn

from model_build.release.allowed_types import helper_types, registry_estimators
from shared.serving.allowlist import ALLOWED_TYPES_PATH

REGENERATE = "regenerate it: .venv/bin/python -m model_build.release.allowed_types"


def shipped() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads(ALLOWED_TYPES_PATH.read_text())
    return data


def test_the_list_was_derived_from_the_installed_scikit_learn() -> None:
    assert shipped()["scikit-learn"] == sklearn.__version__, REGENERATE


def test_every_public_estimator_is_admitted_and_nothing_else_in_its_place() -> None:
    assert shipped()["estimators"] == registry_estimators(), REGENERATE


def test_what_fitted_estimators_hold_is_admitted() -> None:
    admitted = set(shipped()["estimators"]) | set(shipped()["helpers"])
    assert set(helper_types()) <= admitted, REGENERATE
