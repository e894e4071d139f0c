"""The output layout, the same locally and on AWS, under the job's output location:

job.json                       the started job (model version resolved), written first
parts/part-<position>.jsonl    one line per record of the batch starting at <position>
summary.json                   written last: counts, model, timing, locations, status
_input/items.jsonl             AWS only: each record as one {"position", "record"} line (StartJob)
_map/<execution>/              AWS only: Distributed Map's ResultWriter files (manifest.json)
"""

import json
from typing import Any

JOB_KEY = "job.json"
PARTS_DIR = "parts"
SUMMARY_KEY = "summary.json"
MAP_RESULTS_DIR = "_map"
ITEMS_KEY = "_input/items.jsonl"


def part_key(first_position: int) -> str:
    """Keyed by the batch's first record: a retried batch overwrites its part, never adds one."""
    return f"{PARTS_DIR}/part-{first_position:012d}.jsonl"


def jsonl(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
