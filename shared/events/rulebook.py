"""Each served model's escalation rules, re-read the way aliases are.

A conditional read per model (a 304 while nothing changed) every EVENTS_RULES_REFRESH_SECONDS;
a model seen for the first time (just loaded) is read at the next tick, within a second. A file
that does not validate is refused and logged once (its change token is kept, so it is not read
again until it changes); the rules held before stay. A deleted file removes the model's rules.
The container refreshes on a thread; Lambda refreshes inline when a refresh is due.
"""

import time
from collections.abc import Callable, Iterable

from pydantic import ValidationError

from shared.errors import InfernoError, StoreKeyNotFound
from shared.events.rules import RULES_MAX_BYTES, Rule, RuleSet, rules_key
from shared.observability import logger
from shared.refresher import Refresher
from shared.store import ModelStore, NotModified

MAX_TICK_SECONDS = 1.0
NO_RULES: tuple[Rule, ...] = ()


class RuleBook:
    def __init__(
        self, store: ModelStore, models: Callable[[], Iterable[str]], refresh_seconds: float
    ) -> None:
        self.store = store
        self.models = models
        self.refresh_seconds = refresh_seconds
        self._rules: dict[str, tuple[Rule, ...]] = {}
        self._tokens: dict[str, str] = {}
        self._seen: set[str] = set()
        self._problems: dict[str, str] = {}  # the last problem logged, per model
        self._next_full = 0.0
        self._refresher = Refresher(
            "rules-refresh",
            self.refresh_if_due,
            min(MAX_TICK_SECONDS, refresh_seconds),
            at_once=True,
            failure_message="Escalation rules refresh failed",
        )

    def rules_for(self, model: str) -> tuple[Rule, ...]:
        """Lock-free: the mapping is replaced whole, never changed in place."""
        return self._rules.get(model, NO_RULES)

    def refresh_if_due(self) -> None:
        """Every model when the interval is over, else only models never read yet."""
        due = time.monotonic() >= self._next_full
        if due:
            self._next_full = time.monotonic() + self.refresh_seconds
        for name in list(self.models()):
            if due or name not in self._seen:
                self._seen.add(name)
                self._refresh(name)

    def _refresh(self, name: str) -> None:
        key = rules_key(name)
        try:
            answer = self.store.read_if_changed(key, self._tokens.get(name), RULES_MAX_BYTES)
        except StoreKeyNotFound:
            self._tokens.pop(name, None)
            self._problems.pop(name, None)
            if self._rules.pop(name, None) is not None:
                self._rules = dict(self._rules)
                logger.info("Escalation rules removed", extra={"model": name})
            return
        except InfernoError as exc:  # unreachable, or too large: the rules held stay
            self._problem(name, f"cannot read {key}: {exc}")
            return
        if isinstance(answer, NotModified):
            return
        data, self._tokens[name] = answer
        try:
            rules = RuleSet.model_validate_json(data).rules
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}"
                for e in exc.errors(include_url=False)[:5]
            )
            self._problem(name, f"{key} is invalid ({problems})")
            return
        self._rules = {**self._rules, name: tuple(rules)}
        self._problems.pop(name, None)
        logger.info(
            "Escalation rules loaded",
            extra={"model": name, "rules": [rule.name for rule in rules]},
        )

    def _problem(self, name: str, problem: str) -> None:
        if self._problems.get(name) == problem:
            return
        self._problems[name] = problem
        held = [rule.name for rule in self.rules_for(name)]
        logger.error(
            "Escalation rules refused; the rules held stay",
            extra={"model": name, "error": problem, "rules_held": held},
        )

    def start(self) -> None:
        self._refresher.start()

    def stop(self) -> None:
        self._refresher.stop()
