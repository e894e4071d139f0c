"""The serving process's use of the cyclic garbage collector."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from shared.serving.gc_policy import (
    SERVING_YOUNG_THRESHOLD,
    collect_less_often,
    cyclic_gc_paused,
    free_swapped_out,
)


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


class Node:
    """A cycle's member: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_young_collections_become_rarer_and_older_ones_keep_their_pace() -> None:
    _, middle, oldest = gc.get_threshold()
    collect_less_often()
    assert gc.get_threshold() == (SERVING_YOUNG_THRESHOLD, middle, oldest)


def test_a_load_freezes_what_it_made_and_a_swap_frees_what_the_old_version_left() -> None:
    # GIVEN an object kept alive only by its own cycle, frozen as a first load's pause ends
    with cyclic_gc_paused():
        kept = Node()
    ref = weakref.ref(kept)
    assert gc.get_freeze_count() > 0
    # WHEN its last outside reference goes (a swapped-out model) and the swap is settled
    del kept
    free_swapped_out()
    # THEN the cycle was collected, not kept frozen for the life of the process
    assert ref() is None
    assert gc.get_freeze_count() > 0
