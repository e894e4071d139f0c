"""The sentiment model's evaluation report: per domain, model beside VADER, and by length.

`evaluation.json` keeps its earlier shape (the tweets domain, comparable with older versions);
`evaluation_domains.json` holds every domain and the length table.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_build.evaluation import plot_confusion
from model_build.sentiment.datasets import SENTIMENT_LABELS
from model_build.sentiment.domains import DOMAINS, HEADLINE
from model_build.sentiment.robustness_report import (
    calibration_section,
    leave_one_out_table,
    suite_table,
)

FIGURE_NAMES = {
    "macro_f1": "macro-F1 (3 classes)",
    "accuracy": "accuracy",
    "pn_accuracy": "positive-vs-negative accuracy",
}


@dataclass(frozen=True)
class Evaluation:
    systems: dict[str, dict[str, dict[str, Any]]]  # system ("model", "vader") -> domain -> scores
    lengths: dict[str, Any]
    suite: dict[str, dict[str, Any]]  # system -> negation and contrast suite scores
    leave_one_out: dict[str, dict[str, Any]] | None = None  # domain -> figures


def write_sentiment_report(
    directory: Path, evaluation: Evaluation, data_lines: list[str], appendix: str = ""
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    systems, lengths = evaluation.systems, evaluation.lengths
    legacy = {name: scores["tweets"] for name, scores in systems.items() if "tweets" in scores}
    (directory / "evaluation.json").write_text(json.dumps(legacy, indent=2) + "\n")
    full = {
        "systems": systems,
        "length_shares": lengths,
        "negation_suite": evaluation.suite,
        "leave_one_domain_out": evaluation.leave_one_out,
    }
    (directory / "evaluation_domains.json").write_text(json.dumps(full, indent=2) + "\n")
    lines = ["# Sentiment model, held-out split", "", *data_lines, ""]
    lines += [*domain_table(systems), ""]
    lines += [*leave_one_out_table(evaluation.leave_one_out, systems["model"]), ""]
    lines += [*suite_table(evaluation.suite), ""]
    lines += [*calibration_section(directory, systems["model"]), ""]
    lines += [*length_table(lengths), ""]
    lines += _details(directory, systems)
    lines += [appendix] if appendix else []
    (directory / "evaluation.md").write_text("\n".join(lines) + "\n")


def domain_table(systems: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    names = list(systems)
    lines = [
        "## Per domain",
        "",
        f"| domain | held out | figure | {' | '.join(names)} |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for domain in DOMAINS:
        if domain.name not in systems[names[0]]:
            continue
        for metric in HEADLINE[domain.classes]:
            values = " | ".join(f"{systems[n][domain.name][metric]:.4f}" for n in names)
            n_test = systems[names[0]][domain.name]["n_test"]
            lines.append(f"| {domain.title} | {n_test} | {FIGURE_NAMES[metric]} | {values} |")
    lines += [
        "",
        "Three-class figures use the graded truth (a mean human rating within ±0.5 is neutral);",
        "on long reviews the truth is positive or negative, so a neutral answer counts as wrong,",
        "and positive-vs-negative accuracy compares P(positive) with P(negative) alone",
        "(VADER: the sign of its compound score).",
    ]
    return lines


def length_table(lengths: dict[str, dict[str, dict[str, float | int]]]) -> list[str]:
    lines = [
        "## Predicted class shares by length (held-out reviews)",
        "",
        "| characters | n | answers by | negative | neutral | positive |",
        "|---|---|---|---|---|---|",
    ]
    for bucket, columns in lengths.items():
        for name, shares in columns.items():
            cells = " | ".join(f"{shares[label]:.3f}" for label in SENTIMENT_LABELS)
            lines.append(f"| {bucket} | {shares['n']} | {name} | {cells} |")
    return lines


def _details(directory: Path, systems: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    lines: list[str] = []
    for domain in DOMAINS:
        for name, scores in systems.items():
            if domain.name not in scores:
                continue
            s = scores[domain.name]
            lines += [
                f"## {domain.title}: {name}",
                "",
                "| class | precision | recall | F1 | support |",
            ]
            lines.append("|---|---|---|---|---|")
            lines += [
                f"| {label} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} "
                f"| {c['support']} |"
                for label, c in s["per_class"].items()
            ]
            # The tweets pictures keep their earlier names.
            picture = (
                f"confusion_matrix_{name}.png"
                if domain.name == "tweets"
                else f"confusion_matrix_{domain.name}_{name}.png"
            )
            title = f"{domain.title}: {name}"
            plot_confusion(directory / picture, s["confusion_matrix"], SENTIMENT_LABELS, title)
            lines += ["", f"![confusion matrix]({picture})", ""]
    return lines
