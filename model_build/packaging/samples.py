"""Read the sample that fixes a model's input schema: CSV, JSON Lines or Parquet."""

from pathlib import Path
from typing import Any

from model_build.packaging.errors import PackagingError

READERS = {".csv": "csv", ".jsonl": "json", ".ndjson": "json", ".parquet": "parquet"}


def read_sample(path: Path, strings: list[str] | None = None) -> Any:
    """A DataFrame of the sample's rows; one clear line for a file that is not one. `strings`:
    columns read as text whatever they look like (codes such as "01234")."""
    import pandas as pd

    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise PackagingError(
            f"{path}: a sample is a .csv, .jsonl or .parquet file (got {path.suffix or 'none'})"
        )
    if not path.is_file():
        raise PackagingError(f"{path}: no such sample file")
    try:
        as_text = dict.fromkeys(strings or [], str)
        if reader == "csv":
            frame = pd.read_csv(path, dtype=as_text)
        elif reader == "json":
            frame = pd.read_json(path, lines=True, dtype=as_text or None)
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError, ImportError) as exc:
        raise PackagingError(f"{path}: cannot read it as {reader}: {exc}") from exc
    if frame.empty:
        raise PackagingError(f"{path}: the sample has no rows")
    return frame
