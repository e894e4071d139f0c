"""The CloudWatch metrics contract: names, units and dimensions the service emits (see README);
metrics of one model kind live in its module."""

from shared.metric_spec import MetricSpec as MetricSpec

DEFAULT_NAMESPACE = "InfernoMLaaS"
DEFAULT_SERVICE = "inferno"


REQUEST_COUNT = MetricSpec("RequestCount", "Count", ("route",), "every HTTP request, once")
REQUEST_LATENCY = MetricSpec(
    "RequestLatency", "Milliseconds", ("route",), "every HTTP request, time to the response"
)
ERROR_COUNT = MetricSpec(
    "ErrorCount", "Count", ("route", "status_class"), "every response with a 4xx or 5xx status"
)
PREDICTION_COUNT = MetricSpec(
    "PredictionCount", "Count", ("model", "label"), "every item predicted, by predicted label"
)
MODEL_LOAD_TIME = MetricSpec(
    "ModelLoadTime", "Milliseconds", ("model",), "every successful model load or hot swap"
)
MODEL_LOAD_FAILURE = MetricSpec(
    "ModelLoadFailure",
    "Count",
    ("model",),
    "every failed load or start-up retry; a refused version counts once",
)
DROPPED_COUNT = MetricSpec(
    "DroppedCount",
    "Count",
    ("model", "reason"),
    "every request not predicted: shed at admission (503), over its client's share of the "
    "queue (429), past its deadline (504) or left by its client",
)
ANSWER_LISTENER_FAILURE = MetricSpec(
    "AnswerListenerFailure",
    "Count",
    ("model",),
    "every answer a listener (events, capture) failed to take; the client's answer stands",
)
ESCALATION_COUNT = MetricSpec(
    "EscalationCount",
    "Count",
    ("model", "rule", "outcome"),
    "every escalation event a rule raised, by outcome: sent, dropped (buffer full) or failed "
    "(refused, or retries exhausted)",
)
# Sampled capture and ground truth (shared/capture).
CAPTURED_COUNT = MetricSpec(
    "CapturedCount",
    "Count",
    ("model", "stream"),
    "every record written to the capture (stream: predictions or feedback)",
)
CAPTURE_DROPPED = MetricSpec(
    "CaptureDropped",
    "Count",
    ("model",),
    "every sampled prediction or feedback record not written: buffer full, too large, or "
    "refused after retries",
)
RECEIPT_DROPPED = MetricSpec(
    "ReceiptDropped",
    "Count",
    ("model",),
    "every prediction whose receipt was not kept (buffer full or store unreachable): "
    "feedback on it gets 404",
)
LIVE_QUALITY = MetricSpec(
    "LiveQuality",
    "None",
    ("model", "version"),
    "every label received, scored against the answer: 1 or 0 for a classifier, the absolute "
    "error for a regressor; its Average over a period is the accuracy or the MAE",
)
FEEDBACK_COUNT = MetricSpec(
    "FeedbackCount", "Count", ("model", "version"), "every label or value accepted"
)
# Written by the scheduled drift job (`inferno drift --emit-metrics`), once per model and run.
DRIFT_SCORE = MetricSpec(
    "DriftScore",
    "None",
    ("model",),
    "every drift report: the share of compared columns (inputs and predictions) that drifted, 0-1",
)
DRIFT_DETECTED = MetricSpec(
    "DriftDetected",
    "None",
    ("model",),
    "every drift report: 1 when the drifted share reaches DRIFT_SHARE_THRESHOLD, else 0",
)
# Rollouts (shared/rollouts): a candidate judged against production on live traffic.
ROLLOUT_AGREEMENT = MetricSpec(
    "RolloutAgreement",
    "None",
    ("model", "version"),
    "every request compared during a rollout (version: the candidate): 1 agree to 0 disagree, "
    "a ranking's top-k overlap between; its Average is the agreement, its SampleCount the count",
)
ROLLOUT_CONFIDENCE_GAP = MetricSpec(
    "RolloutConfidenceGap",
    "None",
    ("model", "version"),
    "every classification compared: |production's confidence - the candidate's|",
)
ROLLOUT_MODEL_TIME = MetricSpec(
    "RolloutModelTime",
    "Milliseconds",
    ("model", "version"),
    "paired timings of both versions on the same compared items, same thread: the ratio of "
    "their Averages is the candidate's latency against production",
)
ROLLOUT_CALLS = MetricSpec(
    "RolloutCalls",
    "Count",
    ("model", "version", "outcome"),
    "every model call of a rollout's versions for a comparison or a canary answer, by outcome "
    "(ok or error)",
)
# Per model only, for the alarms that abort a rollout (a candidate's version changes every day).
ROLLOUT_CANDIDATE_ERRORS = MetricSpec(
    "RolloutCandidateErrors",
    "Count",
    ("model",),
    "every failed call of a rollout's candidate (a canary's answer or a comparison)",
)
ROLLOUT_LATENCY_RATIO = MetricSpec(
    "RolloutLatencyRatio",
    "None",
    ("model",),
    "every paired timing: the candidate's model time over production's on the same items",
)
SHADOW_DROPPED = MetricSpec(
    "ShadowDropped",
    "Count",
    ("model",),
    "every answer a rollout would have compared but its bounded queue was full",
)
COLD_START = MetricSpec(
    "ColdStart", "Count", ("function_name",), "first invocation of a Lambda execution environment"
)

# Per client under AUTH_MODE=keys: a second dimension set on RequestCount and PredictionCount.
# Clients are few (one per integrating customer, tens at most), so `client` stays low-cardinality.
# Documented in handlers/http/AUTH.md until the README's table carries them.
REQUEST_COUNT_BY_CLIENT = MetricSpec(
    "RequestCount",
    "Count",
    ("client", "status_class"),
    "every request with a valid client key, by client and status class (2xx, 4xx, 5xx): "
    "which caller is refused, throttled or shed",
)
PREDICTION_COUNT_BY_CLIENT = MetricSpec(
    "PredictionCount", "Count", ("client", "model"), "every item predicted for a client"
)
CLIENT_METRICS = (REQUEST_COUNT_BY_CLIENT, PREDICTION_COUNT_BY_CLIENT)

# The service's metrics; each model kind adds its own (shared/kinds/, `metric_specs`), and
# shared/metrics_contract.py lists them all.
SERVICE_METRICS = (
    REQUEST_COUNT,
    REQUEST_LATENCY,
    ERROR_COUNT,
    PREDICTION_COUNT,
    MODEL_LOAD_TIME,
    MODEL_LOAD_FAILURE,
    DROPPED_COUNT,
    ANSWER_LISTENER_FAILURE,
    ESCALATION_COUNT,
    CAPTURED_COUNT,
    CAPTURE_DROPPED,
    RECEIPT_DROPPED,
    LIVE_QUALITY,
    FEEDBACK_COUNT,
    DRIFT_SCORE,
    DRIFT_DETECTED,
    ROLLOUT_AGREEMENT,
    ROLLOUT_CONFIDENCE_GAP,
    ROLLOUT_MODEL_TIME,
    ROLLOUT_CALLS,
    ROLLOUT_CANDIDATE_ERRORS,
    ROLLOUT_LATENCY_RATIO,
    SHADOW_DROPPED,
    COLD_START,
)
