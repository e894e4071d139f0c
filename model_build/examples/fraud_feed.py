"""A synthetic card-transaction feed whose fraud tactics change day by day, seeded.

Every day carries the fraud the forest example knows (model_build/examples/fraud_forest.py) plus
that day's emerging tactic, which yesterday's model has never seen: a model retrained on today's
data catches it and yesterday's misses it. A day can be broken on purpose, as upstream bugs break
real feeds: labels shuffled (a bad join) or flipped (an inverted flag).
"""

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from model_build.examples.fraud_forest import fit, transactions
from model_build.retrain import FEED_FILENAME, Retrainer

Broken = Literal["shuffled", "flipped"]
# The share of a day's transactions that are the day's new tactic.
TACTIC_SHARE = 0.06


@dataclass(frozen=True)
class Tactic:
    name: str
    # Rewrites the given rows of a day's frame into this tactic's transactions.
    shape: Callable[[pd.DataFrame, np.random.Generator], pd.DataFrame]


def _card_testing(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Tiny card-absent amounts at gaming merchants, by day: stolen numbers being tried."""
    return rows.assign(
        amount=rng.uniform(0.5, 3.0, len(rows)).round(2),
        merchant_category="gaming",
        card_present=False,
        hour=rng.integers(9, 18, len(rows)),
    )


def _travel_takeover(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Mid-sized travel bookings from home countries, card absent: a taken-over account."""
    return rows.assign(
        amount=rng.uniform(60, 140, len(rows)).round(2),
        merchant_category="travel",
        country=rng.choice(["DE", "FR"], len(rows)),
        card_present=False,
        hour=rng.integers(10, 20, len(rows)),
    )


def _fashion_bust_out(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Card-present fashion buys in GB just under the large-amount line: a bust-out."""
    return rows.assign(
        amount=rng.uniform(120, 149, len(rows)).round(2),
        merchant_category="fashion",
        country="GB",
        card_present=True,
        hour=rng.integers(12, 22, len(rows)),
    )


def _grocery_refunds(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Evening grocery amounts in BR with the card present: cloned cards at terminals."""
    return rows.assign(
        amount=rng.uniform(20, 45, len(rows)).round(2),
        merchant_category="grocery",
        country="BR",
        card_present=True,
        hour=rng.integers(18, 23, len(rows)),
    )


TACTICS = [
    Tactic("card testing", _card_testing),
    Tactic("travel account takeover", _travel_takeover),
    Tactic("fashion bust-out", _fashion_bust_out),
    Tactic("cloned cards at grocery terminals", _grocery_refunds),
]


def tactic_of(day: int) -> Tactic:
    return TACTICS[day % len(TACTICS)]


def day_frame(day: int, rows: int, seed: int = 0, broken: Broken | None = None) -> pd.DataFrame:
    """Day `day`'s transactions (the fraud_forest columns and `label`), in arrival order."""
    rng = np.random.default_rng([seed, day])
    frame = transactions(rows, seed=int(rng.integers(1 << 31)))
    new = rng.random(rows) < TACTIC_SHARE
    reshaped = tactic_of(day).shape(frame.loc[new], rng)
    frame.loc[new, reshaped.columns] = reshaped
    frame.loc[new, "label"] = "fraud"
    frame["hour"] = frame["hour"].astype(int)
    frame["card_present"] = frame["card_present"].astype(bool)
    if broken == "shuffled":
        frame["label"] = rng.permutation(frame["label"].to_numpy())
    elif broken == "flipped":
        frame["label"] = np.where(frame["label"] == "fraud", "legit", "fraud")
    return frame


def day_folder(root: Path, day: int) -> Path:
    """`day=NN`: sorts by day, and is the Hive-style prefix the S3 feed uses."""
    return root / f"day={day:03d}"


def write_days(
    root: Path, days: range, rows: int, seed: int = 0, broken: dict[int, Broken] | None = None
) -> list[Path]:
    """The feed as it lands: one folder per day, one CSV in each."""
    written = []
    for day in days:
        folder = day_folder(root, day)
        folder.mkdir(parents=True, exist_ok=True)
        frame = day_frame(day, rows, seed, (broken or {}).get(day))
        frame.to_csv(folder / FEED_FILENAME, index=False)
        written.append(folder / FEED_FILENAME)
    return written


# What `inferno retrain card-fraud` trains (model_build/trainers.py lists it).
RETRAINER = Retrainer(
    fit=fit,
    label="label",
    # Yesterday's production scores about 0.65 macro-F1 on a day with a new tactic and a
    # retrained model about 0.8: a candidate under 0.7 learned nothing worth serving.
    floor={"macro_f1": 0.7},
    description="card-fraud forest over the daily transaction feed",
)


def main(argv: list[str] | None = None) -> int:
    """`python -m model_build.examples.fraud_feed FEED --day N [--broken KIND]` lands one day;
    `--traffic FILE` writes that day's transactions as a batch request body instead."""
    parser = argparse.ArgumentParser(prog="python -m model_build.examples.fraud_feed")
    parser.add_argument("feed", type=Path, help="the feed folder (day=NNN/ folders go in it)")
    parser.add_argument("--day", type=int, required=True)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--broken", choices=["shuffled", "flipped"])
    parser.add_argument("--traffic", type=Path, help="write a {items: [...]} body here instead")
    args = parser.parse_args(argv)
    if args.traffic:
        frame = day_frame(args.day, args.rows, seed=args.seed + 1).drop(columns=["label"])
        args.traffic.parent.mkdir(parents=True, exist_ok=True)
        args.traffic.write_text(json.dumps({"items": json.loads(frame.to_json(orient="records"))}))
        print(f"{args.traffic}: {len(frame)} transactions of day {args.day}")
        return 0
    broken = {args.day: args.broken} if args.broken else None
    (written,) = write_days(args.feed, range(args.day, args.day + 1), args.rows, args.seed, broken)
    print(f"{written}: {args.rows} transactions, tactic: {tactic_of(args.day).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
