"""The candidate table: per-domain figures, serving cost, size and load time, and the rule."""

from collections.abc import Sequence
from typing import Any

from model_build.sentiment.selection import RULE, SCORED, TWEETS_MACRO_F1, Result, mean_score

COLUMNS = (
    ("tweets", "macro_f1", "tweets F1"),
    ("long_reviews", "accuracy", "long acc"),
    ("long_reviews", "pn_accuracy", "long pos/neg acc"),
    ("product_sentences", "macro_f1", "product F1"),
    ("review_sentences", "macro_f1", "review-sent. F1"),
    ("rated_tweets", "macro_f1", "rated tweets F1"),
    ("editorial_sentences", "macro_f1", "editorial F1"),
)


def compare_lines(
    results: Sequence[Result], vader: dict[str, dict[str, Any]], chosen: str | None
) -> list[str]:
    header = [title for _, _, title in COLUMNS]
    header += [
        "mean of 4",
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
            f"{mean_score(r.domains):.4f}",
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
    vader_mean = sum(float(vader[d][m]) for d, m in SCORED.items()) / len(SCORED)
    lines.append("| VADER | " + " | ".join(vader_cells) + f" | {vader_mean:.4f} |" + " |" * 6)
    lines += [
        "",
        f"Rule: {RULE}",
        "",
        _verdict(results, chosen),
    ]
    return lines


def _verdict(results: Sequence[Result], chosen: str | None) -> str:
    winner = next((r for r in results if r.name == chosen), None)
    if winner is None:
        return "No candidate is within the hard limits."
    tweets = winner.domains["tweets"]["macro_f1"]
    missed = (
        f" It misses the tweets target ({tweets:.4f} < {TWEETS_MACRO_F1}): no candidate reached it."
        if tweets < TWEETS_MACRO_F1
        else ""
    )
    return f"Chosen: `{winner.name}`.{missed}"


def _figure(domains: dict[str, dict[str, Any]], domain: str, metric: str) -> str:
    value = domains.get(domain, {}).get(metric)
    return "-" if value is None else f"{value:.4f}"
