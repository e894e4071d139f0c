"""The models the daily pipeline retrains: one entry per model, read by `inferno retrain`."""

from model_build.daily.retrain import Retrainer
from model_build.examples import fraud_forest

RETRAINERS = {
    "card-fraud": Retrainer(
        fit=fraud_forest.fit,
        label="label",
        # Yesterday's production scores about 0.65 macro-F1 on a day with a new tactic and a
        # retrained model about 0.8: a candidate under 0.7 learned nothing worth serving.
        floor={"macro_f1": 0.7},
        description="card-fraud forest over the daily transaction feed",
    ),
}
