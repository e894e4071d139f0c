"""A sample's rows as the JSON objects a client would send for the model's input schema."""

from typing import Any

from shared.manifest import InputSchema, TabularInputSchema


def request_rows(frame: Any, schema: InputSchema) -> list[dict[str, Any]]:
    """The sample's rows as the JSON objects a client would send."""
    if not isinstance(schema, TabularInputSchema):
        return [{schema.field: str(value)} for value in frame[schema.field]]
    names = [feature.name for feature in schema.features]
    texts = {feature.name for feature in schema.features if feature.type == "category"}
    return [
        {name: _json_value(row[name], name in texts) for name in names}
        for row in frame[names].to_dict("records")
    ]


def _json_value(value: Any, text: bool = False) -> Any:
    if hasattr(value, "item"):
        value = value.item()  # numpy scalar -> Python
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, bool | int | float) and not text else str(value)
