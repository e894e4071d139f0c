"""Which requests a rollout takes: a canary's are sticky per caller, a shadow's are sampled."""

import hashlib
import random

from shared.rollouts.plan import Rollout

BUCKETS = 10_000


def bucket(rollout: Rollout, sticky: str) -> int:
    """The caller's place in 0..9,999 for this rollout: the same caller lands in the same place
    every time (and every worker agrees), while another rollout reshuffles callers."""
    digest = hashlib.blake2b(f"{rollout.id}:{sticky}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def answered_by_candidate(rollout: Rollout, sticky: str | None) -> bool:
    """A canary answers its share of callers; a caller with no key and no rollout header is
    placed at random, request by request (nothing to stick to)."""
    if rollout.mode != "canary" or rollout.share <= 0:
        return False
    place = bucket(rollout, sticky) if sticky else random.randrange(BUCKETS)
    return place < rollout.share * BUCKETS


def compared(rollout: Rollout) -> bool:
    """A shadow compares its share of requests, drawn per request."""
    return rollout.mode == "shadow" and random.random() < rollout.share
