"""The one place configuration is read: environment variables (or a `.env` file), parsed once."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        default=Path("model_store"), description="Local store directory, used without a bucket."
    )
    model_name: str = Field(default="sentiment", description="Model answering POST /predict.")
    model_alias: str = Field(default="production", description="Alias that picks served versions.")
    model_version: str | None = Field(
        default=None, description="Pin MODEL_NAME to this version instead of following the alias."
    )
    served_models: str = Field(
        default="", description="Comma-separated model names to serve; empty serves every model."
    )
    model_refresh_seconds: float = Field(
        default=30.0, ge=0, description="How often aliases are re-read; 0 turns hot reload off."
    )
    model_load_retry_max_seconds: float = Field(
        default=30.0, gt=0, description="Ceiling of the back-off between failed start-up loads."
    )

    # Input limits: anything beyond them is refused with a 4xx.
    max_text_length: int = Field(
        default=20_000,
        gt=0,
        description="Longest accepted text: long reviews fit (IMDB max 13.7k).",
    )
    max_body_bytes: int = Field(default=1_048_576, gt=0, description="Largest accepted body.")
    max_batch_size: int = Field(default=256, gt=0, description="Most items in one batch request.")
    max_batch_chars: int = Field(
        default=262_144,
        gt=0,
        description="Most text characters in one model call (requests are never split).",
    )

    # Process and observability.
    host: str = Field(default="127.0.0.1", description="Interface uvicorn binds to.")
    port: int = Field(default=8000, gt=0, lt=65536, description="Port uvicorn listens on.")
    log_level: str = Field(default="INFO", description="Log level of the service's logger.")
    metrics_flush_seconds: float = Field(
        default=60.0, gt=0, description="Interval of EMF metric flushes in the container."
    )

    def served_model_names(self) -> list[str]:
        """The configured model names, or an empty list meaning every model in the store."""
        return [name.strip() for name in self.served_models.split(",") if name.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
