"""Pause the cyclic garbage collector while a process imports its libraries."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Importing FastAPI, scikit-learn and scipy makes hundreds of thousands of objects that live
    as long as the process; hunting cycles among them while they are made is wasted work (~10%
    of the import time). Reference counting still frees everything else meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
