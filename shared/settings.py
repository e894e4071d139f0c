"""The one place configuration is read: environment variables (or a `.env` file), parsed once."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The checkout this code runs from (an editable install, as `make install` makes): its local
# store is found from any folder, not only from the checkout's root.
CHECKOUT = Path(__file__).resolve().parents[1]


def default_model_dir() -> Path:
    """`model_store` in the checkout; relative to the current folder when not run from one."""
    return _checkout_path("model_store")


def default_build_dir() -> Path:
    """`build` in the checkout (what `make clean` leaves alone, git ignores); relative to the
    current folder when not run from one."""
    return _checkout_path("build")


class Settings(BaseSettings):
    """Every knob of the service; each field is read from the upper-cased environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", protected_namespaces=())

    # Where models live. With MODEL_BUCKET_NAME set the store is S3, otherwise a local directory.
    model_bucket_name: str | None = Field(
        default=None, description="S3 bucket holding the model store (kept from Inferno)."
    )
    model_prefix: str = Field(
        default="models", description="Key prefix of the store in the bucket."
    )
    model_dir: Path = Field(
        default_factory=default_model_dir,
        description="Local store directory, used without a bucket (default: the checkout's "
        "model_store, from whatever folder a command runs).",
    )
    model_name: str = Field(default="sentiment", description="Model answering POST /predict.")
    model_alias: str = Field(default="production", description="Alias that picks served versions.")
    model_version: str | None = Field(
        default=None, description="Pin MODEL_NAME to this version instead of following the alias."
    )
    served_models: str = Field(
        default="", description="Comma-separated model names to serve; empty serves every model."
    )
    load_models_before_serving: bool = Field(
        default=False,
        description="Load the models before accepting connections (`inferno serve` on a laptop;"
        " always with several workers); a lone worker loads in the background so /health "
        "answers at once.",
    )
    model_refresh_seconds: float = Field(
        default=30.0, ge=0, description="How often aliases are re-read; 0 turns hot reload off."
    )
    model_load_retry_max_seconds: float = Field(
        default=30.0, gt=0, description="Ceiling of the back-off between failed start-up loads."
    )
    model_max_artifact_bytes: int = Field(
        default=2 << 30,
        gt=0,
        description="Largest model artifact read from the store; a manifest's own "
        "`artifact_bytes`, signed with it, bounds the read exactly.",
    )
    model_refused_retry_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="A version refused by verification is tried again only when its alias "
        "moves, or after this long.",
    )

    # Signed releases (shared/serving/release_signing.py): which key signs and verifies.
    model_signing_key_id: str | None = Field(
        default=None,
        description="KMS key (ARN or alias) that signs releases; its public key, read once, "
        "verifies them. Unset: the local key pair in MODEL_SIGNING_KEY_DIR.",
    )
    model_signing_key_dir: Path = Field(
        default_factory=lambda: _config_home() / "inferno",
        description="Local release key pair (made by the first `inferno publish`); never "
        "inside the store, whose writers must not be able to sign.",
    )
    require_signed_models: bool = Field(
        default=True, description="Refuse versions without a release signature."
    )

    # Input limits: anything beyond them is refused with a 4xx.
    max_text_length: int = Field(
        default=20_000,
        gt=0,
        description="Longest accepted text: long reviews fit (IMDB max 13.7k).",
    )
    max_body_bytes: int = Field(default=1_048_576, gt=0, description="Largest accepted body.")
    max_body_values: int = Field(
        default=65_536,
        gt=0,
        description="Most `,` and `:` in one body, counted as it streams: each one is a JSON "
        "value the event loop parses (~0.5 us), so one client's body cannot hold the loop for "
        "tens of milliseconds (256 items of 128 fields fit).",
    )
    max_batch_size: int = Field(default=256, gt=0, description="Most items in one batch request.")
    max_batch_chars: int = Field(
        default=262_144,
        gt=0,
        description="Most text characters in one model call (requests are never split).",
    )

    # Admission control: what one process queues for its model, and how long a request may wait.
    max_queued_cost: int = Field(
        default=2_000_000,
        gt=0,
        description="Bound on queued work per process, in characters of text plus 50 per item "
        "(about 4 s of the reference model); past it requests get 503 with Retry-After.",
    )
    request_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A prediction not answered in this time gets 504."
    )

    # Process and observability.
    host: str = Field(default="127.0.0.1", description="Interface uvicorn binds to.")
    port: int = Field(default=8000, gt=0, lt=65536, description="Port uvicorn listens on.")
    health_port: int | None = Field(
        default=None,
        gt=0,
        lt=65536,
        description="Also answer /health and /ready on this port, off the event loop, for the "
        "load balancer and the container check (handlers/server/health_port.py); unset: off.",
    )
    health_state_dir: Path | None = Field(
        default=None,
        description="Where the workers of one server leave their health state, so the health "
        "port answers for all of them (handlers.server sets it); unset: each worker its own.",
    )
    web_concurrency: int = Field(
        default=1,
        ge=1,
        description="uvicorn's worker count (handlers.server sets it): the health port's /ready "
        "waits for the default model in that many workers.",
    )
    log_level: str = Field(default="INFO", description="Log level of the service's logger.")
    metrics_flush_seconds: float = Field(
        default=60.0, gt=0, description="Interval of EMF metric flushes in the container."
    )
    access_log_sample_rate: float = Field(
        default=1.0, ge=0, le=1, description="Share of fast successful requests logged."
    )
    slow_request_ms: float = Field(
        default=500.0, gt=0, description="Requests at least this slow are always logged."
    )

    # Client keys, rates and daily quotas (handlers/http/auth, handlers/http/AUTH.md).
    auth_mode: Literal["none", "keys"] = Field(
        default="none",
        description="`keys`: every route but /health and /ready needs a client key (what "
        "Terraform deploys); `none`: open, for the local default on 127.0.0.1.",
    )
    keys_refresh_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often key records are re-read: a conditional read (a 304 while nothing "
        "changed), so a revoked key is refused by every process within seconds.",
    )
    quota_table_name: str | None = Field(
        default=None, description="DynamoDB table counting daily quotas and usage fleet-wide."
    )
    quota_db_path: Path | None = Field(
        default=None,
        description="SQLite file counting daily quotas and usage for the processes of one "
        "machine, when QUOTA_TABLE_NAME is unset (default: .auth/quotas.sqlite3 in a local "
        "store; an S3 store has none, so quotas are off there without a table).",
    )
    quota_lease_block: int = Field(
        default=100, gt=0, description="Items of a daily quota one process leases at a time."
    )
    quota_flush_seconds: float = Field(
        default=10.0, gt=0, description="How often usage counts are added to the quota store."
    )

    # Bulk jobs on AWS: the state machine `inferno jobs submit` starts (Terraform output).
    jobs_state_machine_arn: str | None = Field(
        default=None, description="Batch-scoring state machine for `inferno jobs submit`."
    )

    # Escalation events (shared/events/README.md): rules in the store turn answers into events.
    events_bus_name: str | None = Field(
        default=None,
        description="EventBridge bus escalation events are put on; unset: a local JSONL file.",
    )
    events_file: Path = Field(
        default_factory=lambda: default_build_dir() / "events" / "escalations.jsonl",
        description="Where escalation events are appended without a bus (default: the "
        "checkout's build/events/escalations.jsonl).",
    )
    events_queue_url: str | None = Field(
        default=None,
        description="SQS queue `inferno events tail` reads on AWS (Terraform's example queue).",
    )
    events_buffer_size: int = Field(
        default=10_000,
        gt=0,
        description="Events waiting to be sent; past it new ones are dropped and counted.",
    )
    events_rules_refresh_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often each served model's rules are re-read (a conditional read).",
    )
    events_max_attempts: int = Field(
        default=5, ge=1, description="Tries per event on throttling or a partial failure."
    )
    # Sampled capture and ground truth (shared/capture, README there): off the request path.
    capture_sample_rate: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of requests whose inputs and answers are captured, decided per "
        "request; 0 turns capture off (feedback is still captured).",
    )
    capture_text: Literal["keep", "hash", "drop"] = Field(
        default="keep",
        description="What a captured record keeps of a text: the text, its sha256, or nothing.",
    )
    capture_dir: Path = Field(
        default_factory=lambda: default_build_dir() / "capture",
        description="Where captured records are written without a Firehose stream (default: "
        "build/capture in the checkout).",
    )
    capture_predictions_stream: str | None = Field(
        default=None,
        description="Firehose delivery stream of captured predictions; unset: CAPTURE_DIR.",
    )
    capture_feedback_stream: str | None = Field(
        default=None, description="Firehose delivery stream of feedback; unset: CAPTURE_DIR."
    )
    capture_seed: int | None = Field(
        default=None, description="Seeds the per-request sampling (tests, benchmarks)."
    )
    capture_buffer_records: int = Field(
        default=10_000,
        gt=0,
        description="Records waiting to be written, per process; past it new ones are dropped "
        "and counted (CaptureDropped).",
    )
    capture_flush_seconds: float = Field(
        default=1.0, gt=0, description="How often the capture and receipt writers write."
    )
    feedback_receipts: bool = Field(
        default=True,
        description="Keep a receipt of every prediction (client, model, version, answer) so "
        "that POST /feedback can join a label to it; off: /feedback answers 404.",
    )
    receipt_ttl_hours: float = Field(
        default=168.0, gt=0, description="How long a prediction can be given feedback."
    )
    receipt_table_name: str | None = Field(
        default=None,
        description="DynamoDB table of receipts, shared by the fleet; unset: RECEIPTS_PATH.",
    )
    receipts_path: Path = Field(
        default_factory=lambda: default_build_dir() / "receipts.sqlite3",
        description="SQLite file of receipts shared by a server's workers, used without "
        "RECEIPT_TABLE_NAME (default: build/receipts.sqlite3 in the checkout).",
    )
    # Drift reports read the capture (handlers/cli/drift).
    drift_capture_uri: str | None = Field(
        default=None,
        description="Captured data `inferno drift` reads: a directory or s3://bucket/prefix (the "
        "scheduled job's capture prefix); unset: CAPTURE_DIR.",
    )
    drift_reports_uri: str | None = Field(
        default=None,
        description="Where `inferno drift` writes reports: a directory or s3://bucket/prefix; "
        "unset: build/drift in the checkout.",
    )
    drift_share_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Drift is detected when at least this share of the compared columns drifted.",
    )
    drift_max_rows: int = Field(
        default=50_000,
        gt=0,
        description="Most captured items a report compares (a seeded sample of the window).",
    )
    # Rollouts (shared/rollouts): a candidate judged on live traffic before it is promoted.
    rollouts_enabled: bool = Field(
        default=True, description="Follow each served model's rollout (shadow or canary)."
    )
    rollout_refresh_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often each served model's rollout is re-read (a conditional read) and "
        "this worker's counts written back when they changed.",
    )
    rollout_compare_queue: int = Field(
        default=2_000,
        gt=0,
        description="Answers waiting to be compared; past it new ones are dropped and counted.",
    )
    rollout_compare_window_seconds: float = Field(
        default=0.25,
        ge=0,
        description="How long the comparer gathers answers into one model call (off the request "
        "path: nobody waits for it; fuller calls cost less per item).",
    )
    rollout_sticky_header: str = Field(
        default="X-Rollout-Key",
        description="Header that keeps an anonymous caller with one canary version (a keyed "
        "client sticks by its key name).",
    )

    def served_model_names(self) -> list[str]:
        """The configured model names, or an empty list meaning every model in the store."""
        return [name.strip() for name in self.served_models.split(",") if name.strip()]


def _checkout_path(relative: str) -> Path:
    """`relative` in the checkout; relative to the current folder when not run from one."""
    if (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT / relative
    return Path(relative)


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
