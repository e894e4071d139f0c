"""Where a report goes: `<destination>/<model>/<run time>/report.html` and `summary.json`, in a
directory or under an S3 prefix (the scheduled job's reports prefix)."""

import json
from pathlib import Path
from typing import Any


def write_report(
    destination: str, model: str, stamp: str, html: str, summary: dict[str, Any], s3: Any = None
) -> dict[str, str]:
    """Write both files; returns where each went."""
    files = {
        "report.html": (html.encode(), "text/html; charset=utf-8"),
        "summary.json": ((json.dumps(summary, indent=2) + "\n").encode(), "application/json"),
    }
    if destination.startswith("s3://"):
        bucket, _, prefix = destination[len("s3://") :].partition("/")
        base = "/".join(part for part in (prefix.strip("/"), model, stamp) if part)
        client = s3 or _s3()
        for name, (body, content_type) in files.items():
            client.put_object(
                Bucket=bucket, Key=f"{base}/{name}", Body=body, ContentType=content_type
            )
        return {
            "html": f"s3://{bucket}/{base}/report.html",
            "summary": f"s3://{bucket}/{base}/summary.json",
        }
    folder = Path(destination) / model / stamp
    folder.mkdir(parents=True, exist_ok=True)
    for name, (body, _) in files.items():
        (folder / name).write_bytes(body)
    return {"html": str(folder / "report.html"), "summary": str(folder / "summary.json")}


def _s3() -> Any:
    import boto3

    return boto3.client("s3")
