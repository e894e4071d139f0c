"""Ranking / recommendation: the top `k` items for an input, each with its score.

The estimator scores every item at once: its `classes_` are the item ids and `predict_proba`
gives one score per item (e.g. "which item comes next" for a basket). A request may add `k`,
bounded by the manifest's `max_k`; items scoring below `min_score` are left out, so an answer
can be empty (counted: a rise in empty answers is drift).
"""

from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel, Field

from shared.errors import InvalidInput
from shared.kinds.base import KindManifest, ServedModel, emit, require, to_matrix
from shared.kinds.validation import validate_item
from shared.metric_spec import MetricSpec

# What this kind's answers look like in aggregate (the metrics contract, README table).
RANKING_COUNT = MetricSpec(
    "RankingCount",
    "Count",
    ("model", "result"),
    "every ranking answered, by result: items or empty",
)
RANKED_ITEMS = MetricSpec(
    "RankedItems", "Count", ("model",), "items returned by every ranking answer, summed"
)

K_FIELD = "k"


class RankingOptions(BaseModel):
    """`options` in a ranker's manifest."""

    max_k: int = Field(default=20, ge=1, le=1000)
    default_k: int = Field(default=10, ge=1)
    min_score: float = Field(default=0.0, ge=0)


class RankedItem(BaseModel):
    item: str
    score: float


class RankingPrediction(BaseModel):
    items: list[RankedItem] = Field(description="best first; at most k, none below min_score")


class RankingResponse(RankingPrediction):
    model: str
    version: str


class RankingInput(NamedTuple):
    value: Any
    k: int


class Ranking:
    name: ClassVar[str] = "ranking"
    output: ClassVar[type[BaseModel]] = RankingPrediction
    response: ClassVar[type[BaseModel]] = RankingResponse
    metric_specs: ClassVar[tuple[MetricSpec, ...]] = (RANKING_COUNT, RANKED_ITEMS)

    def check_estimator(self, manifest: KindManifest, estimator: Any) -> None:
        require(estimator, "classes_", "predict_proba")
        RankingOptions.model_validate(manifest.options)

    def validate(self, manifest: KindManifest, item: Any, max_text_length: int) -> Any:
        options = RankingOptions.model_validate(manifest.options)
        errors: list[Any] = []
        k = options.default_k
        if isinstance(item, dict) and K_FIELD in item:
            item = dict(item)
            k = item.pop(K_FIELD)
            if problem := _k_problem(k, options.max_k):
                errors.append({"loc": ["body", K_FIELD], "msg": problem, "type": "value_error"})
        try:
            value = validate_item(manifest.input_schema, item, max_text_length)
        except InvalidInput as exc:
            errors = [*errors, *exc.args[0]]
        if errors:
            raise InvalidInput(errors)
        return RankingInput(value, min(int(k), options.max_k))

    def predict(self, model: ServedModel, inputs: list[Any]) -> list[BaseModel]:
        import numpy as np

        min_score = RankingOptions.model_validate(model.manifest.options).min_score
        classes = [str(c) for c in model.estimator.classes_]
        scores = model.estimator.predict_proba(to_matrix(model.manifest, [i.value for i in inputs]))
        answers: list[BaseModel] = []
        for row, request in zip(scores, inputs, strict=True):
            top = np.argsort(-row, kind="stable")[: request.k]
            answers.append(
                RankingPrediction.model_construct(
                    items=[
                        RankedItem.model_construct(item=classes[i], score=round(float(row[i]), 6))
                        for i in top
                        if row[i] >= min_score
                    ]
                )
            )
        return answers

    def sample_problem(self, manifest: KindManifest, output: BaseModel) -> str | None:
        assert isinstance(output, RankingPrediction)
        got = [ranked.item for ranked in output.items]
        expected = (manifest.sample.expected or {}).get("items")
        return None if got == expected else f"sample ranked {got}, manifest expects {expected}"

    def record(self, model: ServedModel, outputs: list[BaseModel]) -> None:
        for output in outputs:
            assert isinstance(output, RankingPrediction)
            result = "items" if output.items else "empty"
            emit(RANKING_COUNT, 1, model=model.name, result=result)
            emit(RANKED_ITEMS, len(output.items), model=model.name)

    def tally(self, output: BaseModel) -> str:
        assert isinstance(output, RankingPrediction)
        return "items" if output.items else "empty"

    def request_properties(self, manifest: KindManifest) -> dict[str, Any]:
        options = RankingOptions.model_validate(manifest.options)
        return {
            K_FIELD: {
                "type": "integer",
                "minimum": 1,
                "maximum": options.max_k,
                "default": options.default_k,
                "description": "how many items to return, best first",
            }
        }


def _k_problem(k: Any, max_k: int) -> str | None:
    if isinstance(k, bool) or not isinstance(k, int):
        return f"expected an integer, got {type(k).__name__}"
    if not 1 <= k <= max_k:
        return f"k must be between 1 and {max_k}, got {k}"
    return None
