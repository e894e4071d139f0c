"""The caller's reference: a bounded `metadata` object and/or an `X-Reference` header, never
taken as model input."""

from typing import Any

import pytest

from shared.errors import InvalidInput
from shared.events.reference import (
    HEADER_PATTERN,
    MAX_KEYS,
    caller_metadata,
    split_metadata,
    validate_metadata,
)
from shared.manifest import FeatureSpec, TabularInputSchema, TextInputSchema

TEXT = TextInputSchema()
TABULAR = TabularInputSchema(features=[FeatureSpec(name="amount"), FeatureSpec(name="age")])


def test_small_flat_metadata_is_kept_as_sent() -> None:
    sent = {"ticket": "T-1042", "priority": 2, "vip": True, "score": 0.5, "note": None}
    assert validate_metadata(sent) == sent


@pytest.mark.parametrize(
    ("metadata", "loc", "says"),
    [
        ([1], ["body", "metadata"], "valid dictionary"),
        ({str(i): i for i in range(MAX_KEYS + 1)}, ["body", "metadata"], "at most 16"),
        ({"a b": 1}, ["body", "metadata", "a b", "[key]"], "pattern"),
        ({"k" * 65: 1}, ["body", "metadata", "k" * 65, "[key]"], "pattern"),
        ({"t": "x" * 257}, ["body", "metadata", "t"], "at most 256"),
        ({"t": {"nested": 1}}, ["body", "metadata", "t"], "not dict"),
        ({"t": [1]}, ["body", "metadata", "t"], "not list"),
        ({"n": float("inf")}, ["body", "metadata", "n"], "finite"),
        ({"n": 2**60}, ["body", "metadata", "n"], "2^53"),
        ({"s": "\ud800"}, ["body", "metadata", "s"], "lone surrogate"),
    ],
)
def test_bad_metadata_is_refused_where_it_is_wrong(
    metadata: Any, loc: list[Any], says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_metadata(metadata)
    [problem, *_] = refused.value.args[0]
    assert problem["loc"] == loc
    assert says in problem["msg"]


def test_metadata_is_taken_off_the_body_never_used_as_input() -> None:
    body = {"text": "awful", "metadata": {"ticket": "T-1"}}
    assert split_metadata(body, TEXT) == ({"text": "awful"}, {"ticket": "T-1"})
    row = {"amount": 3.0, "age": 40, "metadata": {"order": "O-9"}}
    assert split_metadata(row, TABULAR) == ({"amount": 3.0, "age": 40}, {"order": "O-9"})
    assert split_metadata({"text": "x"}, TEXT) == ({"text": "x"}, None)
    assert split_metadata(["x"], TEXT) == (["x"], None)  # a row has no metadata
    instances = {"instances": [{"text": "a"}], "metadata": {"batch": "b-1"}}
    assert split_metadata(instances, TEXT) == ({"instances": [{"text": "a"}]}, {"batch": "b-1"})


def test_a_model_whose_input_is_named_metadata_keeps_it_as_input() -> None:
    schema = TabularInputSchema(features=[FeatureSpec(name="metadata")])
    assert split_metadata({"metadata": 1.0}, schema) == ({"metadata": 1.0}, None)
    assert split_metadata({"metadata": "x"}, TextInputSchema(field="metadata"))[1] is None


def test_the_header_becomes_the_reference_key_unless_the_body_names_one() -> None:
    assert caller_metadata(None, "T-1") == {"reference": "T-1"}
    assert caller_metadata({"ticket": "T-2"}, "T-1") == {"reference": "T-1", "ticket": "T-2"}
    assert caller_metadata({"reference": "body"}, "T-1") == {"reference": "body"}
    assert caller_metadata(None, None) is None
    assert caller_metadata({}, None) is None


def test_the_header_pattern_is_printable_ascii_without_outer_spaces() -> None:
    import re

    pattern = re.compile(HEADER_PATTERN)
    assert pattern.fullmatch("T-1042") and pattern.fullmatch("a b") and pattern.fullmatch("x")
    assert not pattern.fullmatch(" T") and not pattern.fullmatch("T ") and not pattern.fullmatch("")
    assert not pattern.fullmatch("é") and not pattern.fullmatch("a\tb")
    assert pattern.fullmatch("x" * 128) and not pattern.fullmatch("x" * 129)
