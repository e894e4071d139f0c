"""StartJob's pre-split: the input rewritten as one `{"position", "record"}` JSON line per record.

Distributed Map's own JSONL/CSV reader fails the whole map run on one unreadable line
(`States.ItemReaderFailed`). The map reads this file instead: every line is JSON we wrote, read
with the local runner's own reader (a malformed line stays a string, so validation answers it
as an error record), and positions are the local runner's. The file is spooled to disk and
uploaded in parts, so memory holds one line at a time whatever the input's size.
"""

import json
import shutil
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from shared.jobs.layout import ITEMS_KEY
from shared.jobs.locations import Location, input_objects, open_text, s3_client
from shared.jobs.records import as_items, records
from shared.jobs.spec import JobSpec, JobSpecError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def write_items(job: JobSpec, client: "S3Client | None" = None) -> Location:
    """Read every input object once, write the items file below the output; where it is."""
    objects = input_objects(job.input, client)
    if not objects:
        raise JobSpecError(f"no input objects at {job.input}")
    target = Location.parse(Location.parse(job.output).child(ITEMS_KEY))
    with tempfile.TemporaryFile("w+b") as spool:
        position = 0
        for uri, _ in objects:
            with open_text(uri, client) as handle:
                for item in as_items(records(handle, job.format), position):
                    spool.write(json.dumps(item, separators=(",", ":")).encode() + b"\n")
                    position += 1
        spool.seek(0)
        _upload(spool, target, client)
    return target


def _upload(spool: IO[bytes], target: Location, client: "S3Client | None") -> None:
    if target.bucket is None:
        path = Path(target.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            shutil.copyfileobj(spool, out)
        return
    # upload_fileobj switches to a multipart upload past 8 MB: no 5 GB single-PUT ceiling.
    (client or s3_client()).upload_fileobj(spool, target.bucket, target.key)
