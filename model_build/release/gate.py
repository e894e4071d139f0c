"""The release gate: a candidate may not lose more than a point on any domain's figure.

It compares the candidate's per-domain metrics with the manifest of the version the alias
serves: every domain's figures, the negation and contrast suite's accuracy (kept beside the
domains, as `negation_suite`) and each domain's expected calibration error, where a rise is
the loss. Manifests from before per-domain metrics carried one tweet-only `macro_f1` /
`accuracy`: those are read as the `tweets` domain, which is what they measured.
"""

from dataclasses import dataclass, field
from typing import Any

from shared.errors import InfernoError, StoreKeyNotFound
from shared.manifest import ModelManifest
from shared.store import ModelStore

TOLERANCE = 0.01  # one point: the noise of a retrain on the same data is well below it
NOT_COMPARED = {"n_test"}
LOWER_IS_BETTER = {"ece"}
LEGACY_DOMAIN = "tweets"


class GateRefused(InfernoError):
    """The candidate loses more than the tolerance on some domain, the suite or calibration."""

    status_code = 409


@dataclass
class GateResult:
    lines: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.losses


def domain_metrics(manifest: ModelManifest) -> dict[str, dict[str, float]]:
    """`metrics.domains`, or the legacy top-level figures as the tweets domain."""
    domains: dict[str, dict[str, Any]] = manifest.metrics.get("domains") or {}
    if not domains:
        legacy = {k: manifest.metrics[k] for k in ("macro_f1", "accuracy") if k in manifest.metrics}
        domains = {LEGACY_DOMAIN: legacy} if legacy else {}
    return {
        name: {
            metric: float(value)
            for metric, value in figures.items()
            if metric not in NOT_COMPARED and isinstance(value, int | float)
        }
        for name, figures in domains.items()
    }


def loss(metric: str, before: float, after: float) -> float:
    """How much worse `after` is than `before` (negative: better)."""
    return after - before if metric in LOWER_IS_BETTER else before - after


def compare(
    candidate: ModelManifest, serving: ModelManifest, tolerance: float = TOLERANCE
) -> GateResult:
    result = GateResult()
    new, old = domain_metrics(candidate), domain_metrics(serving)
    for domain, figures in sorted(old.items()):
        for metric, before in sorted(figures.items()):
            after = new.get(domain, {}).get(metric)
            label = f"{domain}.{metric}"
            if after is None:
                result.losses.append(f"{label}: {before:.4f} in {serving.version}, missing now")
                continue
            line = f"{label}: candidate {after:.4f}, serving {before:.4f} ({after - before:+.4f})"
            result.lines.append(line)
            if loss(metric, before, after) > tolerance:
                result.losses.append(line)
    for domain in sorted(set(new) - set(old)):
        result.lines.append(f"{domain}: new domain, nothing to compare with")
    return result


def check_against_alias(
    candidate: ModelManifest, store: ModelStore, alias: str, tolerance: float = TOLERANCE
) -> list[str]:
    """The report lines; GateRefused when the candidate loses more than the tolerance."""
    try:
        version = store.alias_version(candidate.name, alias)
    except StoreKeyNotFound:
        return [f"{candidate.name}: no {alias} version yet, nothing to compare with"]
    result = compare(candidate, store.manifest(candidate.name, version), tolerance)
    header = f"{candidate.name}: candidate {candidate.version} against {alias} {version}"
    if not result.passed:
        losses = "; ".join(result.losses)
        raise GateRefused(f"{header}: loses more than {tolerance:.2f} on {losses}")
    return [header, *result.lines]
