"""Group items into batches the way Distributed Map's ItemBatcher does: by count and by bytes."""

import json
from collections.abc import Iterable, Iterator

from shared.jobs.records import Item


def item_bytes(item: Item) -> int:
    return len(json.dumps(item, separators=(",", ":")).encode())


def batches(items: Iterable[Item], max_items: int, max_bytes: int) -> Iterator[list[Item]]:
    """Consecutive items, at most `max_items` and `max_bytes` (of JSON) per batch; an item larger
    than `max_bytes` travels alone (AWS would fail that batch; here its record gets an answer)."""
    batch: list[Item] = []
    size = 0
    for item in items:
        cost = item_bytes(item) + 1
        if batch and (len(batch) >= max_items or size + cost > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += cost
    if batch:
        yield batch
