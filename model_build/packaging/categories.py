"""A category the training set never had: the model's own handling where both the estimator and
the artifact answer it (a OneHotEncoder that ignores unknowns), else a 422 naming the allowed."""

import sys
from typing import Any

from model_build.packaging.rows import request_rows
from shared.manifest import InputSchema, TabularInputSchema
from shared.serving.loaded_model import LoadedModel

UNSEEN = "\u2063unseen category"  # no training set holds this


def settle_unknown_categories(
    schema: InputSchema, models: list[LoadedModel], frame: Any
) -> InputSchema:
    """Each category feature's `unknown_category`, found by asking every model."""
    if not isinstance(schema, TabularInputSchema):
        return schema
    features = []
    for feature in schema.features:
        if feature.type == "category":
            handled = all(_answers_unseen(model, feature.name, frame) for model in models)
            feature = feature.model_copy(
                update={"unknown_category": "model" if handled else "refuse"}
            )
        features.append(feature)
    return schema.model_copy(update={"features": features})


def _answers_unseen(model: LoadedModel, column: str, frame: Any) -> bool:
    open_schema = _accepting_any(model.manifest.input_schema, column)
    manifest = model.manifest.model_copy(update={"input_schema": open_schema})
    row = {**request_rows(frame.head(1), open_schema)[0], column: UNSEEN}
    try:
        LoadedModel(manifest, model.estimator).predict(
            [model.kind.validate(manifest, row, sys.maxsize)]
        )
    except Exception:
        return False
    return True


def _accepting_any(schema: InputSchema, column: str) -> InputSchema:
    assert isinstance(schema, TabularInputSchema)
    features = [
        f.model_copy(update={"unknown_category": "model"}) if f.name == column else f
        for f in schema.features
    ]
    return schema.model_copy(update={"features": features})
