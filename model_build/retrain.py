"""The daily pipeline for one model: train on the latest days of its feed, gate the candidate
against production on the newest day's held-out transactions, publish it without moving any
alias, and start a shadow rollout under the model's policy. Production moves only when the
rollout is promoted on live traffic.

The same steps run on a laptop (`inferno retrain MODEL --data FOLDER`) and in the scheduled
Fargate task (`--data s3://bucket/training-data/MODEL`): the feed is read through the store
abstraction, so a folder and a bucket prefix read alike.
"""

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from model_build.packaging.outcomes import label_metrics
from model_build.packaging.package import package_model
from model_build.release.gate import compare
from model_build.release.publish import publish
from shared.errors import InfernoError, StoreKeyNotFound
from shared.manifest import MANIFEST_FILENAME, ModelManifest
from shared.rollouts.decision import Decision
from shared.rollouts.defaults import read_defaults
from shared.rollouts.judge import conclude
from shared.rollouts.plan import Rollout, start
from shared.rollouts.records import read_current, write_current
from shared.serving.loaded_model import LoadedModel, load_verified
from shared.serving.versions import load_version
from shared.settings import Settings
from shared.store import ModelStore

PRODUCTION = "production"
# A feed is one folder per day, `day=NNN/`, each holding this file (a header row, one row each).
FEED_FILENAME = "transactions.csv"
# A feed larger than this per day is sampled before it is read whole (a runaway upstream job).
FEED_MAX_BYTES = 256 << 20


class RetrainRefused(InfernoError):
    """The feed is unusable or the candidate failed the gate; production is untouched."""

    status_code = 409


@dataclass(frozen=True)
class Retrainer:
    """What differs between models: how to fit one, its label column, the floor it must clear."""

    fit: Callable[[pd.DataFrame], Any]
    label: str
    # Figures (label_metrics' names) the candidate must reach on held-out data whatever
    # production scores: a shuffled-label day makes both models poor, so "no worse" passes it.
    floor: dict[str, float]
    description: str


@dataclass
class RetrainResult:
    candidate: ModelManifest
    production: str | None
    days: list[str]
    gate: list[str] = field(default_factory=list)
    rollout: Rollout | None = None


def retrain(
    store: ModelStore,
    feed: ModelStore,
    name: str,
    retrainer: Retrainer,
    settings: Settings,
    *,
    window_days: int = 2,
    holdout_share: float = 0.3,
    tolerance: float = 0.01,
) -> RetrainResult:
    days = latest_days(feed, window_days)
    frames = [read_day(feed, day) for day in days]
    newest = frames[-1]
    cut = int(len(newest) * (1 - holdout_share))
    train = pd.concat([*frames[:-1], newest.iloc[:cut]], ignore_index=True)
    holdout = newest.iloc[cut:]
    if holdout[retrainer.label].nunique() < 2:
        raise RetrainRefused(f"{days[-1]}: held-out rows have one label only; nothing to judge")
    estimator = retrainer.fit(train)
    with tempfile.TemporaryDirectory(prefix=f"retrain-{name}-") as workdir:
        directory = Path(workdir) / name
        candidate = package_model(
            estimator,
            holdout.head(500),
            directory,
            name=name,
            label=retrainer.label,
            description=f"{retrainer.description}; trained on {', '.join(days)}",
        )
        result = RetrainResult(candidate, _production_version(store, name), days)
        candidate_model = load_verified(candidate, (directory / candidate.artifact).read_bytes())
        ours = _scores(candidate_model, holdout, retrainer.label)
        result.gate = _gate(
            store, settings, result, candidate_model, ours, holdout, retrainer, days[-1], tolerance
        )
        candidate = _with_holdout_metrics(directory, candidate, ours, days)
        result.candidate = publish(directory, store, alias=None)
    if result.production is not None:
        result.rollout = _start_rollout(store, name, candidate.version, result.production)
    return result


def latest_days(feed: ModelStore, window_days: int) -> list[str]:
    days = [child for child in feed.list_children("") if child.startswith("day=")]
    if not days:
        raise RetrainRefused(f"{feed.describe()} holds no day=NNN folders of {FEED_FILENAME}")
    return days[-window_days:]


def read_day(feed: ModelStore, day: str) -> pd.DataFrame:
    try:
        data = feed.read(f"{day}/{FEED_FILENAME}", FEED_MAX_BYTES)
    except StoreKeyNotFound as exc:
        raise RetrainRefused(f"{day} has no {FEED_FILENAME}") from exc
    return pd.read_csv(io.BytesIO(data))


def _production_version(store: ModelStore, name: str) -> str | None:
    try:
        return store.alias_version(name, PRODUCTION)
    except StoreKeyNotFound:
        return None


def _scores(model: LoadedModel, holdout: pd.DataFrame, label: str) -> dict[str, float]:
    """The model's figures on held-out rows, predicted the way the server predicts them."""
    from model_build.packaging.rows import request_rows

    rows = request_rows(holdout.drop(columns=[label]), model.manifest.input_schema)
    inputs = [model.kind.validate(model.manifest, row, 1 << 20) for row in rows]
    figures = label_metrics(model.kind.name, holdout[label], model.predict(inputs))
    return {key: value for key, value in figures.items() if key != "label_rows"}


def _gate(
    store: ModelStore,
    settings: Settings,
    result: RetrainResult,
    candidate: LoadedModel,
    ours: dict[str, float],
    holdout: pd.DataFrame,
    retrainer: Retrainer,
    day: str,
    tolerance: float,
) -> list[str]:
    """Both versions scored on the same newest held-out rows (the candidate's are `ours`): the
    candidate may not lose more than the tolerance, and must clear the model's floor."""
    below = [
        f"{metric} {ours.get(metric, 0.0):.4f} < floor {floor:.4f}"
        for metric, floor in sorted(retrainer.floor.items())
        if ours.get(metric, 0.0) < floor
    ]
    if below:
        raise RetrainRefused(f"candidate on {day}'s held-out rows: {'; '.join(below)}")
    if result.production is None:
        return [f"{candidate.name}: no {PRODUCTION} version yet, floor cleared: {ours}"]
    serving = load_version(store, candidate.name, result.production, settings)
    theirs = _scores(serving, holdout, retrainer.label)
    domain = f"{day} held out"
    gate = compare(
        _as_domain(candidate.manifest, domain, ours),
        _as_domain(serving.manifest, domain, theirs),
        tolerance,
    )
    header = f"{candidate.name}: candidate against {PRODUCTION} {result.production} on {domain}"
    if not gate.passed:
        raise RetrainRefused(
            f"{header}: loses more than {tolerance:.2f} on {'; '.join(gate.losses)}"
        )
    return [header, *gate.lines]


def _as_domain(manifest: ModelManifest, domain: str, figures: dict[str, float]) -> ModelManifest:
    return manifest.model_copy(update={"metrics": {"domains": {domain: figures}}})


def _with_holdout_metrics(
    directory: Path,
    manifest: ModelManifest,
    figures: dict[str, float],
    days: list[str],
) -> ModelManifest:
    """The manifest keeps what the gate saw, before it is signed at publishing."""
    metrics = {
        **manifest.metrics,
        "domains": {f"{days[-1]} held out": figures},
        "training_days": days,
    }
    updated = manifest.model_copy(update={"metrics": metrics})
    (directory / MANIFEST_FILENAME).write_text(updated.model_dump_json(indent=2) + "\n")
    return updated


def _start_rollout(store: ModelStore, name: str, candidate: str, production: str) -> Rollout:
    running = read_current(store, name)
    if running is not None and running.running:
        # A daily pipeline must not stall on yesterday's undecided candidate: today's replaces it.
        superseded = Decision("abort", f"superseded by {candidate}, the next day's candidate")
        conclude(store, running, superseded, decided_by="retrain", now=datetime.now(UTC))
    defaults = read_defaults(store, name)
    rollout = start(name, candidate, production, defaults.mode, defaults.share, defaults.policy)
    write_current(store, rollout)
    return rollout
