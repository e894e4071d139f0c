"""Model kinds: what each kind of model takes, answers, checks and records.

One module per kind, and one line per kind in KINDS: the manifest's kind names, the answers a
batch may hold, the kinds' metrics in the contract and `inferno package --kind` all come from
this list. To add a kind, see README.md.
"""

from typing import TYPE_CHECKING, Union

from pydantic import BaseModel

from shared.kinds.anomaly import Anomaly
from shared.kinds.base import ModelKind
from shared.kinds.classification import Classification
from shared.kinds.ranking import Ranking
from shared.kinds.regression import Regression
from shared.metric_spec import MetricSpec

# The one registry of kinds, in the order the API's schemas list them.
KINDS: tuple[ModelKind, ...] = (Classification(), Regression(), Ranking(), Anomaly())

BY_NAME: dict[str, ModelKind] = {kind.name: kind for kind in KINDS}
KIND_METRICS: tuple[MetricSpec, ...] = tuple(spec for kind in KINDS for spec in kind.metric_specs)

# Any kind's answer for one item: what a batch result holds. Each has a required field no other
# has (label, value, items, score), so a serialised answer reads back as its own kind. Type
# checkers see a BaseModel; pydantic sees the union of every kind's answer.
if TYPE_CHECKING:
    AnyPrediction = BaseModel
    AnyResponse = BaseModel
else:
    AnyPrediction = Union[tuple(kind.output for kind in KINDS)]  # noqa: UP007 (built from a tuple)
    AnyResponse = Union[tuple(kind.response for kind in KINDS)]  # noqa: UP007
