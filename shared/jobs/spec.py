"""What a job is: its input, output, model version and settings, fixed when the job starts."""

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import InfernoError

DEFAULT_ALIAS = "production"
# Distributed Map passes at most 256 KB to a child; stay below it with room for BatchInput.
MAX_BATCH_BYTES = 240_000
_MODEL_REF = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9_-]{0,63})(?:(?P<sep>[@:])(?P<ref>[A-Za-z0-9._-]+))?$"
)

InputFormat = Literal["jsonl", "csv"]


class JobSpecError(InfernoError):
    """A job request that cannot run as given (bad model reference, location or setting)."""

    status_code = 400


class ModelRef(BaseModel):
    """`name@alias`, `name:version` or a bare name (its production alias)."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    name: str
    alias: str | None = None
    version: str | None = None

    @classmethod
    def parse(cls, text: str) -> "ModelRef":
        match = _MODEL_REF.match(text.strip())
        if not match:
            raise JobSpecError(f"model must be NAME, NAME@ALIAS or NAME:VERSION, got {text!r}")
        name, sep, ref = match.group("name"), match.group("sep"), match.group("ref")
        if sep == ":":
            return cls(name=name, version=ref)
        return cls(name=name, alias=ref or DEFAULT_ALIAS)

    def __str__(self) -> str:
        return f"{self.name}:{self.version}" if self.version else f"{self.name}@{self.alias}"


class JobSettings(BaseModel):
    """Knobs a job request may set; the defaults suit the reference text model."""

    id_field: str = Field(default="id", description="Record field used as its key.")
    keep: list[str] = Field(default_factory=list, description="Fields copied to the output line.")
    max_items_per_batch: int = Field(default=1000, gt=0, le=100_000)
    max_bytes_per_batch: int = Field(default=MAX_BATCH_BYTES, gt=0, le=MAX_BATCH_BYTES)
    tolerated_failure_percent: float = Field(default=5.0, ge=0, le=100)


class JobSpec(JobSettings):
    """A started job: the model version is resolved and recorded; every batch uses it."""

    model_config = ConfigDict(protected_namespaces=())

    job_id: str
    input: str
    output: str
    format: InputFormat
    model: ModelRef  # always with a version once the job has started
    requested_model: str
    started_at: str

    @property
    def model_version(self) -> str:
        if not self.model.version:
            raise JobSpecError(f"job {self.job_id} has no resolved model version")
        return self.model.version


def input_format(location: str, given: str | None = None) -> InputFormat:
    """The explicit format, else the one the input's name says; JSONL when it says nothing."""
    chosen = (given or "").lower() or ("csv" if location.lower().endswith(".csv") else "jsonl")
    if chosen not in ("jsonl", "csv"):
        raise JobSpecError(f"format must be jsonl or csv, got {given!r}")
    return "csv" if chosen == "csv" else "jsonl"
