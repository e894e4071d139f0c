"""The candidate table: per-domain figures, serving cost, size and load time, and the rule."""

from collections.abc import Sequence
from typing import Any

from model_build.sentiment.leave_one_out import worst_margin
from model_build.sentiment.negation_suite import SUITE_NAME
from model_build.sentiment.selection import RULE, Result, max_ece, missed_targets

COLUMNS = (
    ("tweets", "macro_f1", "tweets F1"),
    ("long_reviews", "accuracy", "long acc"),
    ("long_reviews", "pn_accuracy", "long pos/neg acc"),
    ("product_sentences", "macro_f1", "product F1"),
    ("review_sentences", "macro_f1", "review-sent. F1"),
    ("rated_tweets", "macro_f1", "rated tweets F1"),
    ("editorial_sentences", "macro_f1", "editorial F1"),
    (SUITE_NAME, "accuracy", "negation suite acc"),
)


def compare_lines(
    results: Sequence[Result], vader: dict[str, dict[str, Any]], chosen: str | None
) -> list[str]:
    header = [title for _, _, title in COLUMNS]
    header += [
        "worst left-out margin over VADER",
        "max in-domain ECE",
        "µs/tweet b1",
        "µs/tweet b64",
        "µs/long review b1",
        "µs/long review b64",
        "artifact MB",
        "load s",
    ]
    lines = [
        "| candidate | " + " | ".join(header) + " |",
        "|---" * (len(header) + 1) + "|",
    ]
    for r in results:
        cells = [_figure(r.domains, d, m) for d, m, _ in COLUMNS]
        cost = r.cost.per_text_us
        cells += [
            f"{worst_margin(r.leave_one_out):+.4f}",
            f"{max_ece(r.domains):.4f}",
            f"{cost['tweets'][1]:.0f}",
            f"{cost['tweets'][64]:.0f}",
            f"{cost['long_reviews'][1]:.0f}",
            f"{cost['long_reviews'][64]:.0f}",
            f"{r.cost.artifact_bytes / 1e6:.1f}",
            f"{r.cost.load_seconds:.2f}",
        ]
        name = f"**{r.name}** (chosen)" if r.name == chosen else r.name
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    vader_cells = [_figure(vader, d, m) for d, m, _ in COLUMNS]
    lines.append("| VADER | " + " | ".join(vader_cells) + " | 0 |" + " |" * 7)
    lines += ["", *left_out_lines(results)]
    lines += [
        "",
        f"Rule: {RULE}",
        "",
        _verdict(results, chosen),
    ]
    return lines


def left_out_lines(results: Sequence[Result]) -> list[str]:
    """Each candidate trained without a domain and scored on it, VADER on the same rows."""
    domains = list(dict.fromkeys(d for r in results for d in r.leave_one_out))
    lines = [
        "Left out (trained without the domain, scored on its held-out rows):",
        "",
        "| candidate | " + " | ".join(domains) + " |",
        "|---" * (len(domains) + 1) + "|",
    ]
    for r in results:
        cells = [_figure(r.leave_one_out, d, "left_out") for d in domains]
        lines.append(f"| {r.name} | " + " | ".join(cells) + " |")
    scored = next((r.leave_one_out for r in results if r.leave_one_out), {})
    vader_cells = [_figure(scored, d, "vader") for d in domains]
    lines.append("| VADER | " + " | ".join(vader_cells) + " |")
    return lines


def _verdict(results: Sequence[Result], chosen: str | None) -> str:
    winner = next((r for r in results if r.name == chosen), None)
    if winner is None:
        return "No candidate is within the hard limits."
    missed = missed_targets(winner)
    if not missed:
        return f"Chosen: `{winner.name}`."
    return f"Chosen: `{winner.name}`. It is not on every target (no candidate is): " + (
        "; ".join(missed)
    )


def _figure(domains: dict[str, dict[str, Any]], domain: str, metric: str) -> str:
    value = domains.get(domain, {}).get(metric)
    return "-" if value is None else f"{value:.4f}"
