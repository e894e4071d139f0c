"""Apply a decision to the store: promotion moves the alias, then the rollout closes; an abort
closes it and production is never touched. History keeps every decision with its figures."""

from collections.abc import Callable
from datetime import datetime

from shared.observability import logger
from shared.rollouts.decision import Decision, decide
from shared.rollouts.plan import Rollout
from shared.rollouts.records import Decided, append_history, closed, read_current, write_current
from shared.rollouts.tally import Figures
from shared.store import ModelStore

PRODUCTION_ALIAS = "production"
FiguresSource = Callable[[Rollout], Figures]


def judge(
    store: ModelStore,
    name: str,
    figures_of: FiguresSource,
    now: datetime,
    alarm: str | None = None,
) -> tuple[Rollout, Decision] | None:
    """Decide the model's running rollout and act on it; None when none is running. `alarm`
    names the abort alarm that asked (shared/rollouts/decision.py), kept as who decided."""
    rollout = read_current(store, name)
    if rollout is None or not rollout.running:
        return None
    decision = decide(rollout, figures_of(rollout), now, alarm)
    if decision.verdict != "wait":
        decided_by = f"alarm {alarm}" if alarm and decision.verdict == "abort" else "policy"
        conclude(store, rollout, decision, decided_by=decided_by, now=now)
    return rollout, decision


def conclude(
    store: ModelStore, rollout: Rollout, decision: Decision, decided_by: str, now: datetime
) -> Rollout:
    if decision.verdict == "promote":
        # The alias first: a crash between the two writes leaves a promoted model still marked
        # running, which the next judgement promotes again (a no-op), never the reverse.
        store.set_alias(rollout.model, PRODUCTION_ALIAS, rollout.candidate)
    done = closed(rollout, decision.verdict, decision.reason, now)
    write_current(store, done)
    append_history(store, Decided(rollout=done, figures=decision.figures, decided_by=decided_by))
    logger.info(
        "Rollout decided",
        extra={
            "model": rollout.model,
            "candidate": rollout.candidate,
            "production": rollout.production,
            "verdict": decision.verdict,
            "reason": decision.reason,
            "decided_by": decided_by,
            "figures": decision.figures,
        },
    )
    return done
