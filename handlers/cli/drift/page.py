"""A header on Evidently's page saying what it compares: the model, the window, the verdict,
the live quality, and which section is which (inputs first, then predictions)."""

from html import escape
from typing import Any


def with_header(page: str, summary: dict[str, Any]) -> str:
    drift = summary["drift"]
    quality = summary.get("live_quality")
    verdict = "drift detected" if drift["detected"] else "no drift"
    lines = [
        f"Drift report: {summary['model']} {summary['version']}",
        f"{summary['window']['since']} to {summary['window']['until']}: "
        f"{summary['current']['items']} captured items against {summary['reference']['rows']} "
        "reference rows",
        f"{verdict}: {drift['share']:.0%} of compared columns drifted "
        f"(threshold {drift['threshold']:.0%})",
        _quality(quality),
        "First section: inputs (features, or text descriptors). Second: predictions.",
    ]
    title, *rest = (escape(line) for line in lines)
    header = f"<h1 style='margin:4px 0'>{title}</h1>" + "".join(f"<p>{line}</p>" for line in rest)
    style = "font-family:sans-serif;padding:16px 24px"
    block = f"<header id='inferno-drift' style='{style}'>{header}</header>"
    page = page.replace("<head>", f"<head><title>{title}</title>", 1)
    return page.replace("<body>", f"<body>{block}", 1)


def _quality(quality: dict[str, Any] | None) -> str:
    if not quality:
        return "Live quality: no feedback joined to a captured prediction in this window"
    name = "accuracy" if quality["metric"] == "accuracy" else "mean absolute error"
    return f"Live {name}: {quality['value']:.4g} over {quality['count']} labelled predictions"
