"""Report sections for what the held-out split alone hides: unseen domains, negation, confidence."""

from pathlib import Path
from typing import Any

from model_build.sentiment.calibration import plot_reliability
from model_build.sentiment.domains import DOMAINS

RELIABILITY_PICTURE = "reliability_model.png"


def leave_one_out_table(
    lodo: dict[str, dict[str, Any]] | None, in_domain: dict[str, Any]
) -> list[str]:
    if not lodo:
        return [
            "## Leave one domain out",
            "",
            "Not run for this model (`inferno train --leave-one-out`; `make train` runs it).",
        ]
    lines = [
        "## Leave one domain out",
        "",
        "Each row: the same pipeline trained without that domain, scored on its held-out rows,",
        "beside the model trained on every domain and VADER on the same texts.",
        "",
        "| left out | held out | figure | trained without it | trained with it | VADER "
        "| margin over VADER |",
        "|---|---|---|---|---|---|---|",
    ]
    for domain in DOMAINS:
        if domain.name not in lodo:
            continue
        r = lodo[domain.name]
        with_it = in_domain[domain.name][r["metric"]]
        vader = r.get("vader")
        vader_cells = (
            f"{vader:.4f} | {r['left_out'] - vader:+.4f}" if vader is not None else "- | -"
        )
        lines.append(
            f"| {domain.title} | {r['n_test']} | {r['metric']} | {r['left_out']:.4f} "
            f"| {with_it:.4f} | {vader_cells} |"
        )
    return lines


def suite_table(suite: dict[str, dict[str, Any]]) -> list[str]:
    names = list(suite)
    first = suite[names[0]]
    lines = [
        "## Negation and contrast suite",
        "",
        f"{first['n_test']} short sentences written for this project, balanced by label, never",
        "trained on (`model_build/sentiment/suites/README.md`). Accuracy:",
        "",
        f"| pattern | n | {' | '.join(names)} |",
        "|---|---|" + "---|" * len(names),
        f"| **all** | {first['n_test']} | "
        + " | ".join(f"**{suite[n]['accuracy']:.4f}**" for n in names)
        + " |",
    ]
    for pattern, figures in first["per_pattern"].items():
        cells = " | ".join(f"{suite[n]['per_pattern'][pattern]['accuracy']:.4f}" for n in names)
        lines.append(f"| {pattern} | {figures['n']} | {cells} |")
    return lines


def calibration_section(directory: Path, model: dict[str, dict[str, Any]]) -> list[str]:
    curves = {
        domain.name: model[domain.name]
        for domain in DOMAINS
        if domain.name in model and "reliability" in model[domain.name]
    }
    if not curves:
        return []
    plot_reliability(
        directory / RELIABILITY_PICTURE,
        {name: {"ece": s["ece"], "bins": s["reliability"]} for name, s in curves.items()},
        "Reliability per domain: accuracy of the answer against its confidence",
    )
    lines = [
        "## Calibration",
        "",
        "Expected calibration error of the answered class's probability (10 equal-width bins,",
        "|accuracy - mean confidence| weighted by the bin's share), per held-out domain:",
        "",
        "| domain | held out | ECE |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {s['n_test']} | {s['ece']:.4f} |" for name, s in curves.items()]
    return [*lines, "", f"![reliability diagrams]({RELIABILITY_PICTURE})"]
