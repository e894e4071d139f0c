"""Score one batch through the API's prediction path (`predict_each`): the API's validation per
record, one model call for the valid ones.

A record that fails validation, or that makes the model raise, is answered with an error at
its key; the rest of the batch is predicted as usual. Nothing here fails a batch but a bug.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from shared.jobs.records import UNREADABLE, Item
from shared.jobs.spec import JobSpec
from shared.manifest import TabularInputSchema, TextInputSchema
from shared.serving.loaded_model import LoadedModel
from shared.serving.prediction import ItemError, predict_each

Line = dict[str, Any]


@dataclass
class BatchResult:
    """Output lines in input order, and the counts the summary adds up."""

    first_position: int
    lines: list[Line] = field(default_factory=list)
    labels: Counter[str] = field(default_factory=Counter)
    tallies: dict[int, str] = field(default_factory=dict)  # each predicted line's label
    errors: int = 0

    @property
    def records(self) -> int:
        return len(self.lines)


def record_key(record: Any, position: int, id_field: str) -> Any:
    """The record's id when it has a usable one, else its position (0-based, as `position`)."""
    if isinstance(record, dict):
        value = record.get(id_field)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            return value
    return position


def model_input(record: Any, job: JobSpec, schema: Any) -> Any:
    """The fields the model knows, as SageMaker Batch Transform takes them: a record's other
    fields (a ticket's id, customer, date) are no error; `--keep` carries them through.
    CSV numbers are parsed for tabular models."""
    if not isinstance(record, dict):
        return record
    known = _fields(schema)
    if known is None:  # a schema of no fixed fields: all but the key and the kept ones
        dropped = {job.id_field, *job.keep}
        item = {k: v for k, v in record.items() if k not in dropped}
    else:
        item = {k: v for k, v in record.items() if k in known}
    if job.format == "csv" and isinstance(schema, TabularInputSchema):
        types = {feature.name: feature.type for feature in schema.features}
        item = {k: _csv_value(v, types[k]) if k in types else v for k, v in item.items()}
    return item


def _csv_value(value: Any, feature_type: str) -> Any:
    """A CSV cell as the feature's JSON value: empty is null, then by the feature's type."""
    if value == "":
        return None
    if feature_type == "category":
        return value
    if feature_type == "bool":
        return _CSV_BOOLEANS.get(str(value).strip().lower(), value)
    return _number(value)


_CSV_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def _fields(schema: Any) -> set[str] | None:
    if isinstance(schema, TabularInputSchema):
        return {feature.name for feature in schema.features}
    if isinstance(schema, TextInputSchema):
        return {schema.field}
    return None


def _number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value  # left as text: validation names the field


def score_batch(
    model: LoadedModel, job: JobSpec, items: list[Item], max_text_length: int
) -> BatchResult:
    schema = model.manifest.input_schema
    result = BatchResult(first_position=int(items[0]["position"]) if items else 0)
    readable: list[int] = []
    for index, item in enumerate(items):
        result.lines.append(_base_line(item.get("record"), int(item["position"]), job))
        if UNREADABLE in item:
            _fail(result, index, [{"loc": [], "msg": str(item[UNREADABLE])}])
        else:
            readable.append(index)
    inputs = [model_input(items[index].get("record"), job, schema) for index in readable]
    outcomes = predict_each(model, inputs, max_text_length)
    for index, outcome in zip(readable, outcomes, strict=True):
        if isinstance(outcome, ItemError):
            _fail(result, index, outcome.error)
            continue
        result.lines[index]["prediction"] = outcome.model_dump(mode="json")
        # A classifier's label; another kind's class of answer (flagged or not, ...).
        result.tallies[index] = model.kind.tally(outcome)
        result.labels[result.tallies[index]] += 1
    return result


def _base_line(record: Any, position: int, job: JobSpec) -> Line:
    line: Line = {"key": record_key(record, position, job.id_field), "position": position}
    if job.keep:
        source = record if isinstance(record, dict) else {}
        line["fields"] = {name: source.get(name) for name in job.keep}
    return line


def _fail(result: BatchResult, index: int, error: Any) -> None:
    result.lines[index]["error"] = error
    result.errors += 1
