"""One model's drift report: its served version's reference profile, the window's captured
traffic, the Evidently comparison and the live quality, summarised as JSON."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handlers.cli.drift import captured
from handlers.cli.drift.current import Current, collect
from handlers.cli.drift.page import with_header
from handlers.cli.drift.quality import live_quality
from handlers.cli.drift.report import DriftResult, drift_report
from handlers.cli.drift.sources import CaptureSource
from handlers.cli.drift.window import Window
from shared.drift.errors import NoCapturedData, NoReference
from shared.drift.profile import PROFILE_FILENAME, ReferenceProfile, parse_profile
from shared.errors import StoreKeyNotFound
from shared.settings import Settings
from shared.store import ModelStore
from shared.store.base import version_key

PROFILE_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class DriftRequest:
    model: str
    span: Window
    source: CaptureSource
    version: str | None = None  # default: the version `alias` serves
    alias: str = "production"
    all_versions: bool = False  # compare every captured version's traffic, not only this one's
    max_rows: int = 50_000
    drift_share: float = 0.5


@dataclass(frozen=True)
class DriftOutcome:
    summary: dict[str, Any]
    html: str

    @property
    def detected(self) -> bool:
        return bool(self.summary["drift"]["detected"])


def reference(
    store: ModelStore, model: str, version: str | None, alias: str, settings: Settings
) -> ReferenceProfile:
    """The profile of `version` (or the version `alias` serves), from a signed manifest."""
    from shared.serving.release_signing import read_signed_manifest

    try:
        chosen = version or store.alias_version(model, alias)
        manifest = read_signed_manifest(store, model, chosen, settings)
        data = store.read(version_key(model, chosen, PROFILE_FILENAME), PROFILE_MAX_BYTES)
    except StoreKeyNotFound as exc:
        raise NoReference(
            f"{model}: no reference profile in {store.describe()} ({exc}); a version trained or "
            "packaged since profiles were added has one"
        ) from exc
    return parse_profile(data, manifest)


def run_drift(profile: ReferenceProfile, request: DriftRequest) -> DriftOutcome:
    versions = (
        captured.versions(request.source, profile.model)
        if request.all_versions
        else [profile.version]
    )
    current = collect(request.source, profile, versions, request.span, request.max_rows)
    if not current.rows:
        seen = captured.versions(request.source, profile.model)
        raise NoCapturedData(
            f"no captured predictions of {profile.model} version(s) {', '.join(versions) or '-'} "
            f"from {request.span.describe()['since']} to {request.span.describe()['until']} in "
            f"{request.source.describe()} (versions captured there: {', '.join(seen) or 'none'})"
        )
    result = drift_report(profile, current.rows)
    summary = _summary(profile, request, versions, current, result)
    return DriftOutcome(summary, with_header(result.html, summary))


def _summary(
    profile: ReferenceProfile,
    request: DriftRequest,
    versions: list[str],
    current: Current,
    result: DriftResult,
) -> dict[str, Any]:
    share = result.share()
    import evidently

    return {
        "model": profile.model,
        "version": profile.version,
        "versions_compared": versions,
        "window": request.span.describe(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "capture": request.source.describe(),
        "reference": {"rows": profile.rows, "source_rows": profile.source_rows},
        "current": {
            "requests": current.requests,
            "items": current.items,
            "rows_compared": len(current.rows),
            "unreadable_records": current.tally.unreadable,
            "records_outside_window": current.tally.outside_window,
        },
        "drift": {
            "share": share,
            "threshold": request.drift_share,
            "detected": share >= request.drift_share,
            "prediction_drift": any(
                c["drifted"] for c in result.columns if c["role"] == "prediction"
            ),
            "drifted_columns": [c["column"] for c in result.columns if c["drifted"]],
            "columns": result.columns,
            "skipped_columns": result.skipped,
        },
        "live_quality": live_quality(profile.kind, current.pairs),
        "feedback": {
            "records": current.feedback,
            "joined": len(current.pairs),
            "without_captured_prediction": current.feedback_unmatched,
            "multi_item_requests": current.feedback_multi_item,
            "not_held": current.feedback_not_held,
        },
        "evidently": evidently.__version__,
    }
