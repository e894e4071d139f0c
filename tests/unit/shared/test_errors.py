"""What a client is told about each failure: status, body and headers, decided in shared/errors."""

from shared.errors import (
    MAX_LISTED_PROBLEMS,
    MAX_PROBLEM_CHARS,
    InfernoError,
    InvalidInput,
    ModelNotLoaded,
    Overloaded,
    QuotaExhausted,
    QuotaUnavailable,
    RateLimited,
    StoreError,
    StoreKeyNotFound,
    Unauthenticated,
    UnknownModel,
    problems_body,
)


def test_a_platform_error_answers_its_message_as_detail_with_no_headers() -> None:
    error = InfernoError("boom")
    assert (error.status_code, error.body(), error.headers()) == (500, {"detail": "boom"}, {})
    assert (StoreError("down").status_code, StoreKeyNotFound("gone").status_code) == (503, 404)


def test_a_model_not_loaded_keeps_the_original_apis_words() -> None:
    assert ModelNotLoaded("anything").body() == {
        "detail": "Model is not loaded or failed to load. Check server logs."
    }


def test_an_unknown_model_lists_what_is_served() -> None:
    assert UnknownModel("nope", ["risk", "sentiment"]).body() == {
        "detail": "Unknown model 'nope'. Served models: risk, sentiment",
        "served_models": ["risk", "sentiment"],
    }
    assert UnknownModel("nope", []).body()["detail"].endswith("Served models: none")


def test_a_flood_of_problems_is_cut_to_a_few_short_ones_and_a_count() -> None:
    # GIVEN more problems than are listed, one of them with a very long message
    problems = [{"loc": ["body", f"f{i}"], "msg": "x" * 1000} for i in range(25)]
    # WHEN they become a 422's body
    body = problems_body(problems)
    # THEN a few are listed, each part cut short, and the rest are counted
    assert len(body["detail"]) == MAX_LISTED_PROBLEMS
    assert body["problems_not_listed"] == 25 - MAX_LISTED_PROBLEMS
    assert body["detail"][0] == {
        "loc": ["body", "f0"],
        "msg": "x" * MAX_PROBLEM_CHARS + "...",
        "type": "value_error",
    }
    assert problems_body(problems[:1]).keys() == {"detail"}


def test_invalid_input_counts_problems_cut_before_and_here() -> None:
    problems = [{"loc": ["x"], "msg": "bad"}] * (MAX_LISTED_PROBLEMS + 2)
    error = InvalidInput(problems, more=3)
    assert error.status_code == 422
    assert error.body()["problems_not_listed"] == 5
    assert InvalidInput("text is blank").body() == {"detail": "text is blank"}


def test_retry_after_is_a_whole_second_at_least() -> None:
    assert Overloaded("busy", 7).headers() == {"Retry-After": "7"}
    assert RateLimited("slow down", 0).headers() == {"Retry-After": "1"}
    assert (QuotaExhausted("used up", 60).status_code, QuotaUnavailable("down").status_code) == (
        429,
        503,
    )


def test_a_rejected_key_names_the_bearer_error_only_when_a_key_was_sent() -> None:
    assert Unauthenticated().headers() == {"WWW-Authenticate": 'Bearer realm="inferno"'}
    assert Unauthenticated("Invalid API key", invalid=True).headers() == {
        "WWW-Authenticate": 'Bearer realm="inferno", error="invalid_token"'
    }
    assert Unauthenticated().body() == {"detail": "Missing API key"}
