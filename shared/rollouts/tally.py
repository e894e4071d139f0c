"""A rollout's running counts: what was compared, how often it agreed, each version's time and
errors. Every worker keeps its own and writes it to the store; the sum is the rollout's figures.
"""

import functools
import operator
import threading

from pydantic import BaseModel

from shared.rollouts.agreement import Comparison


class VersionCounts(BaseModel):
    calls: int = 0
    errors: int = 0
    # Paired timings only (both versions on the same items, one after the other, on one
    # thread): comparable whatever the traffic, unlike request latencies.
    timed: int = 0
    model_ms: float = 0.0

    def __add__(self, other: "VersionCounts") -> "VersionCounts":
        return VersionCounts(
            calls=self.calls + other.calls,
            errors=self.errors + other.errors,
            timed=self.timed + other.timed,
            model_ms=self.model_ms + other.model_ms,
        )

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0

    @property
    def mean_ms(self) -> float | None:
        return self.model_ms / self.timed if self.timed else None


class Figures(BaseModel):
    """The counts of one rollout, summed over workers; what the policy is applied to."""

    compared: int = 0
    agreement_sum: float = 0.0
    confidence_gap_sum: float = 0.0
    confidence_gaps: int = 0
    production: VersionCounts = VersionCounts()
    candidate: VersionCounts = VersionCounts()
    shadow_dropped: int = 0

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            compared=self.compared + other.compared,
            agreement_sum=self.agreement_sum + other.agreement_sum,
            confidence_gap_sum=self.confidence_gap_sum + other.confidence_gap_sum,
            confidence_gaps=self.confidence_gaps + other.confidence_gaps,
            production=self.production + other.production,
            candidate=self.candidate + other.candidate,
            shadow_dropped=self.shadow_dropped + other.shadow_dropped,
        )

    @staticmethod
    def total(parts: "list[Figures]") -> "Figures":
        return functools.reduce(operator.add, parts, Figures())

    @property
    def agreement(self) -> float | None:
        return self.agreement_sum / self.compared if self.compared else None

    @property
    def confidence_gap(self) -> float | None:
        return self.confidence_gap_sum / self.confidence_gaps if self.confidence_gaps else None

    @property
    def latency_ratio(self) -> float | None:
        production, candidate = self.production.mean_ms, self.candidate.mean_ms
        if production is None or candidate is None or production <= 0:
            return None
        return candidate / production

    def summary(self) -> dict[str, float | int | None]:
        """The figures a decision is logged and kept with."""
        return {
            "compared": self.compared,
            "agreement": _rounded(self.agreement),
            "confidence_gap": _rounded(self.confidence_gap),
            "latency_ratio": _rounded(self.latency_ratio),
            "production_ms": _rounded(self.production.mean_ms),
            "candidate_ms": _rounded(self.candidate.mean_ms),
            "candidate_calls": self.candidate.calls,
            "candidate_error_rate": _rounded(self.candidate.error_rate),
            "production_error_rate": _rounded(self.production.error_rate),
            "shadow_dropped": self.shadow_dropped,
        }


class Tally:
    """One worker's counts for the running rollout; safe to add to from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._figures = Figures()

    def compared(self, comparison: Comparison) -> None:
        with self._lock:
            figures = self._figures
            figures.compared += 1
            figures.agreement_sum += comparison.score
            if comparison.confidence_gap is not None:
                figures.confidence_gap_sum += comparison.confidence_gap
                figures.confidence_gaps += 1

    def called(self, *, candidate: bool, failed: bool = False, calls: int = 1) -> None:
        with self._lock:
            counts = self._figures.candidate if candidate else self._figures.production
            counts.calls += calls
            counts.errors += calls if failed else 0

    def timed(self, *, production_ms: float, candidate_ms: float) -> None:
        with self._lock:
            for counts, ms in (
                (self._figures.production, production_ms),
                (self._figures.candidate, candidate_ms),
            ):
                counts.timed += 1
                counts.model_ms += ms

    def dropped(self) -> None:
        with self._lock:
            self._figures.shadow_dropped += 1

    def snapshot(self) -> Figures:
        with self._lock:
            return self._figures.model_copy(deep=True)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
